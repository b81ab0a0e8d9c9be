package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/guardrails"
	"github.com/conductor-sec/conductor/internal/ingest"
	"github.com/conductor-sec/conductor/internal/store"
	"github.com/conductor-sec/conductor/internal/telemetry"
)

func TestClassify(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("approving APR-000007: %w", err) }
	tests := []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"self approval", wrap(guardrails.ErrSelfApproval), 403, "self_approval"},
		{"wrong role", wrap(guardrails.ErrApproverRole), 403, "wrong_role"},
		{"out of scope", wrap(guardrails.ErrApprovalScope), 409, "out_of_scope"},
		{"expired", wrap(guardrails.ErrApprovalExpired), 409, "expired"},
		{"used", wrap(guardrails.ErrApprovalUsed), 409, "already_used"},
		{"no policy", wrap(guardrails.ErrNoPolicy), 503, "no_policy"},
		{"case closed", wrap(agent.ErrCaseClosed), 409, "case_closed"},
		{"not held", wrap(agent.ErrNotHeld), 409, "not_held"},
		{"denied now", wrap(agent.ErrDeniedNow), 409, "denied_now"},
		{"bad verdict", wrap(agent.ErrBadVerdict), 400, "bad_verdict"},
		{"not found", wrap(store.ErrNotFound), 404, "not_found"},
		{"store not pending", wrap(store.ErrNotPending), 409, "already_used"},
		{"store expired", wrap(store.ErrExpired), 409, "expired"},
		{"too large", wrap(ingest.ErrTooLarge), 413, "too_large"},
		{"bad query", &telemetry.QueryError{Token: "(", Problem: "unbalanced", Fix: "close it"},
			400, "bad_query"},
		{"deadline", wrap(context.DeadlineExceeded), 503, "timeout"},
		{"api error passes", apiErr(418, "teapot", "short and stout", nil), 418, "teapot"},
		{"anything else", errors.New("disk on fire at /var/lib/x"), 500, "internal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := classify(tt.err)
			if e.Status != tt.status || e.Code != tt.code {
				t.Errorf("classify(%v) = %d %s, want %d %s", tt.err, e.Status, e.Code,
					tt.status, tt.code)
			}
			if e.Code != "bad_query" && e.Code != "teapot" && strings.Contains(e.Message,
				"APR-000007") {
				t.Errorf("public message %q leaks the private cause", e.Message)
			}
		})
	}
}

func TestInternalErrorsAndPanicsStayPrivate(t *testing.T) {
	e := newEnv(t)
	r := e.srv.router
	r.GET("/boom/error", handle(func(*gin.Context) error {
		return errors.New("secret path /etc/conductor/keys.yaml unreadable")
	}))
	r.GET("/boom/panic", func(*gin.Context) { panic("secret state") })

	for _, path := range []string{"/boom/error", "/boom/panic"} {
		t.Run(path, func(t *testing.T) {
			res := e.do("GET", path, "", nil)
			if res.status != http.StatusInternalServerError || res.errorCode() != "internal" {
				t.Fatalf("GET %s = %d %s, want 500 internal", path, res.status, res.body)
			}
			var b errorBody
			res.decode(t, &b)
			if strings.Contains(string(res.body), "secret") || b.Error.RequestID == "" ||
				b.Error.RequestID != res.header.Get("X-Request-Id") {
				t.Errorf("body %s: want no cause and the request id %s", res.body,
					res.header.Get("X-Request-Id"))
			}
			if !strings.Contains(e.logs.String(), b.Error.RequestID) ||
				!strings.Contains(e.logs.String(), "secret") {
				t.Errorf("the log lacks the cause under request id %s", b.Error.RequestID)
			}
		})
	}
}

func TestBodyLimits(t *testing.T) {
	e := newEnv(t)
	e.srv.cfg.MaxBodyBytes = 64
	e.srv.cfg.MaxIngestBytes = 128
	big := `{"verdict":"benign","note":"` + strings.Repeat("x", 100) + `"}`
	r := e.do("POST", "/api/v1/cases/CASE-000001/close", "lee", big)
	if r.status != http.StatusRequestEntityTooLarge || r.errorCode() != "too_large" {
		t.Errorf("oversized JSON body = %d %s, want 413 too_large", r.status, r.body)
	}
	r = e.do("POST", "/api/v1/ingest?name=a.json", "lee", `{"title":"`+
		strings.Repeat("y", 200)+`"}`)
	if r.status != http.StatusRequestEntityTooLarge || r.errorCode() != "too_large" {
		t.Errorf("oversized upload = %d %s, want 413 too_large", r.status, r.body)
	}
	r = e.do("POST", "/api/v1/ingest?name=a.json", "lee", `{"nothing":"here"}`)
	if r.status != http.StatusUnprocessableEntity || r.errorCode() != "no_findings" {
		t.Errorf("upload without alerts = %d %s, want 422 no_findings", r.status, r.body)
	}
}
