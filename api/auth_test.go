package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/conductor-sec/conductor/internal/store"
)

func TestAuthentication(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, method, path, auth string
		status                   int
		code                     string
	}{
		{"healthz is open", "GET", "/healthz", "", 200, ""},
		{"console is open", "GET", "/", "", 200, ""},
		{"console script is open", "GET", "/console/app.js", "", 200, ""},
		{"no header", "GET", "/api/v1/cases", "", 401, "unauthenticated"},
		{"wrong scheme", "GET", "/api/v1/cases", "Basic " + e.tokens["lee"], 401,
			"unauthenticated"},
		{"unknown token", "GET", "/api/v1/cases", "Bearer cnd_nottherightone", 401,
			"invalid_token"},
		{"token's hash is not a token", "GET", "/api/v1/cases",
			"Bearer " + HashToken(e.tokens["lee"]), 401, "invalid_token"},
		{"lowercase scheme", "GET", "/api/v1/cases", "bearer " + e.tokens["lee"], 200, ""},
		{"metrics need a key", "GET", "/metrics", "", 401, "unauthenticated"},
		{"mcp needs a key", "POST", "/mcp", "", 401, "unauthenticated"},
		{"events need a key", "GET", "/api/v1/cases/CASE-000001/events", "", 401,
			"unauthenticated"},
		{"ingest needs a key", "POST", "/api/v1/ingest", "", 401, "unauthenticated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, e.http.URL+tt.path, nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			res, err := e.http.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			r := response{status: res.StatusCode}
			r.body = readAll(t, res)
			if r.status != tt.status || r.errorCode() != tt.code {
				t.Errorf("%s %s = %d %s, want %d %q", tt.method, tt.path, r.status, r.body,
					tt.status, tt.code)
			}
			if tt.status == 401 && res.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
		})
	}
}

// TestTokensNeverLogged drives every kind of request, good and bad, and then
// looks for any token, or its digest, in everything the server logged.
func TestTokensNeverLogged(t *testing.T) {
	e := newEnv(t)
	e.ingestFile("injection.json")
	e.do("GET", "/api/v1/cases", "lee", nil)
	e.do("GET", "/api/v1/cases/CASE-404", "lin", nil)
	e.do("POST", "/api/v1/cases/CASE-000001/actions", "bot",
		actionRequest{Tool: "edr.isolate_host", Args: []byte(`{"host":"DC-01"}`)})
	e.do("POST", "/api/v1/approvals/APR-000001/approve", "bot", nil)
	e.do("GET", "/metrics", "ada", nil)
	e.do("GET", "/api/v1/logs/search?q="+e.tokens["kim"], "kim", nil)
	for _, bad := range []string{"Bearer " + e.tokens["lee"] + "x", "Bearer cnd_leaked",
		"Token " + e.tokens["lin"]} {
		req, _ := http.NewRequest("GET", e.http.URL+"/api/v1/cases", nil)
		req.Header.Set("Authorization", bad)
		res, err := e.http.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}

	logs := e.logs.String()
	if !strings.Contains(logs, `"msg":"request"`) || !strings.Contains(logs, "invalid_token") {
		t.Fatalf("the test logged nothing useful; is the logger wired? %.300s", logs)
	}
	for name, tok := range e.tokens {
		for _, secret := range []string{tok, tok[len(tokenPrefix):], HashToken(tok)} {
			if strings.Contains(logs, secret) {
				t.Errorf("the log holds %s's token or its digest", name)
			}
		}
	}
	if strings.Contains(logs, "cnd_leaked") {
		t.Errorf("the log holds a presented invalid token")
	}
}

func TestRequestsAreRecordedUnderTheKeyName(t *testing.T) {
	e := newEnv(t)
	e.ingestFile("injection.json")
	e.must(200, "POST", "/api/v1/cases/CASE-000001/actions", "bot",
		actionRequest{Tool: "asset.get", Args: []byte(`{"host":"WS-0203"}`)})

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	steps, err := e.app.Store.Steps(ctx, "CASE-000001")
	if err != nil {
		t.Fatal(err)
	}
	if !hasStep(steps, "agent:bot", "result", "asset.get") {
		t.Errorf("no result step of asset.get by agent:bot in %d steps", len(steps))
	}
}

func hasStep(steps []store.Step, actor, kind, tool string) bool {
	for _, s := range steps {
		if s.Actor == actor && s.Kind == kind && s.Tool == tool {
			return true
		}
	}
	return false
}
