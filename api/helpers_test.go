package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/conductor-sec/conductor/internal/app"
	"github.com/conductor-sec/conductor/internal/config"
)

// testKeys are the keys every test server accepts: one per role.
var testKeys = []struct{ name, role string }{
	{"lee", RoleAnalyst}, {"lin", RoleLead}, {"bot", RoleAgent}, {"ada", RoleAdmin},
	{"kim", RoleAnalyst},
}

// env is a running API on a real loopback server over a real SQLite file.
type env struct {
	t      testing.TB
	app    *app.App
	srv    *Server
	http   *httptest.Server
	tokens map[string]string // key name → token
	logs   *syncBuffer
}

// syncBuffer collects log output written from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newEnv(t testing.TB) *env {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := app.Open(context.Background(),
		config.Config{DB: filepath.Join(t.TempDir(), "conductor.db")}, app.Options{Logger: log})
	if err != nil {
		t.Fatalf("app.Open: %v", err)
	}
	t.Cleanup(func() { a.Close() })

	e := &env{t: t, app: a, tokens: map[string]string{}, logs: logs}
	var ks []Key
	for _, k := range testKeys {
		tok, err := NewToken()
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[k.name] = tok
		ks = append(ks, Key{Name: k.name, Role: k.role, SHA256: HashToken(tok)})
	}
	keys, err := NewKeys(ks...)
	if err != nil {
		t.Fatalf("NewKeys: %v", err)
	}
	e.srv, err = New(Config{App: a, Keys: keys, Logger: log, PollInterval: 20e6})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.http = httptest.NewServer(e.srv.Handler())
	t.Cleanup(func() {
		e.srv.Close()
		e.http.Close()
	})
	return e
}

// response is one decoded API response.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

// errorCode returns the error code of an error response, or "".
func (r response) errorCode() string {
	var b errorBody
	_ = json.Unmarshal(r.body, &b)
	return b.Error.Code
}

// do sends a request as the key named who ("" sends no Authorization).
func (e *env) do(method, path, who string, body any) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.http.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[who])
	}
	res, err := e.http.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: data}
}

// must sends a request and fails the test unless it gets want.
func (e *env) must(want int, method, path, who string, body any) response {
	e.t.Helper()
	r := e.do(method, path, who, body)
	if r.status != want {
		e.t.Fatalf("%s %s as %q = %d %s, want %d", method, path, who, r.status, r.body, want)
	}
	return r
}

// ingestFile uploads a testdata file and returns the ingest response.
func (e *env) ingestFile(name string) ingestResponse {
	e.t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		e.t.Fatal(err)
	}
	var out ingestResponse
	e.must(http.StatusOK, "POST", "/api/v1/ingest?name="+name, "lee", data).decode(e.t, &out)
	if len(out.Cases) == 0 {
		e.t.Fatalf("ingest %s opened no case: %+v", name, out)
	}
	return out
}

func readAll(t *testing.T, res *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
