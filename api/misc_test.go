package api

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/conductor-sec/conductor/guardrails"
)

func TestAuditPolicyAndLogs(t *testing.T) {
	e := newEnv(t)
	e.ingestFile("injection.json")
	f, err := os.Open(filepath.Join("testdata", "telemetry.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := e.app.Telemetry.Load(context.Background(), "telemetry.ndjson", f,
		nil); err != nil {
		t.Fatalf("loading telemetry: %v", err)
	}

	var audit auditReport
	e.must(200, "GET", "/api/v1/audit/verify", "bot", nil).decode(t, &audit)
	steps, _ := e.app.Store.Steps(context.Background(), "CASE-000001")
	if !audit.OK || audit.Checked != len(steps) || audit.BrokenSeq != 0 {
		t.Errorf("audit = %+v, want ok with %d steps checked", audit, len(steps))
	}

	var pol guardrails.Status
	e.must(200, "GET", "/api/v1/policy/status", "lee", nil).decode(t, &pol)
	if pol.Version != e.app.Guard.Version() || pol.Version == guardrails.NoPolicyVersion ||
		pol.Degraded {
		t.Errorf("policy status = %+v, want version %s, not degraded", pol,
			e.app.Guard.Version())
	}

	var logs logResult
	e.must(200, "GET", "/api/v1/logs/search?q=host.name:WS-0203&limit=5", "lee",
		nil).decode(t, &logs)
	if logs.Total != 2 || len(logs.Events) != 2 || logs.Events[0].Host != "WS-0203" {
		t.Errorf("logs search = %d events (%+v), want the 2 of WS-0203", logs.Total,
			logs.Events)
	}

	tests := []struct{ name, query, code string }{
		{"bad query", "q=%22unterminated", "bad_query"},
		{"bad time", "q=x&since=yesterday", "bad_since"},
		{"bad limit", "q=x&limit=100000", "bad_limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("GET", "/api/v1/logs/search?"+tt.query, "lee", nil)
			if r.status != 400 || r.errorCode() != tt.code {
				t.Errorf("logs search ?%s = %d %s, want 400 %s", tt.query, r.status, r.body,
					tt.code)
			}
		})
	}
}

func TestUploadName(t *testing.T) {
	tests := []struct{ name, contentType, want string }{
		{"alerts.json", "", "alerts.json"},
		{"../../etc/passwd", "", "passwd"},
		{`C:\Users\x\report.eml`, "", "report.eml"},
		{"", "message/rfc822", "upload.eml"},
		{"", "application/json", "upload.json"},
		{"..", "", "upload.json"},
		{"phish <script>.eml", "", "phish_script_.eml"},
		{".hidden.eml", "", "hidden.eml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := uploadName(tt.name, tt.contentType); got != tt.want {
				t.Errorf("uploadName(%q, %q) = %q, want %q", tt.name, tt.contentType, got,
					tt.want)
			}
		})
	}
}

func TestLoopback(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:8080", true}, {"localhost:8080", true}, {"[::1]:8080", true},
		{"127.0.0.2:80", true}, {":8080", false}, {"0.0.0.0:8080", false},
		{"10.0.0.5:8080", false}, {"example.com:80", false}, {"127.0.0.1", false},
	}
	for _, tt := range tests {
		if got := Loopback(tt.addr); got != tt.want {
			t.Errorf("Loopback(%q) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}
