package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/conductor-sec/conductor/internal/report"
)

func TestIngestInvestigatesTheCase(t *testing.T) {
	e := newEnv(t)
	out := e.ingestFile("injection.json")

	if out.Findings != 1 || len(out.Cases) != 1 || out.Name != "injection.json" {
		t.Fatalf("ingest = %d findings, %d cases, name %q; want 1, 1, injection.json",
			out.Findings, len(out.Cases), out.Name)
	}
	doc := out.Cases[0]
	if doc.Case.ID != "CASE-000001" || !strings.HasPrefix(doc.Case.Title, "Potentially") {
		t.Errorf("case = %s %q, want CASE-000001 'Potentially unwanted tool…'", doc.Case.ID,
			doc.Case.Title)
	}
	if !slices.Contains(doc.Case.Flags, "suspected_injection") {
		t.Errorf("flags = %v, want suspected_injection", doc.Case.Flags)
	}
	for _, s := range doc.Steps {
		if strings.Contains(string(s.Args), "DC-01") {
			t.Errorf("the playbook obeyed the alert text: %s %s", s.Tool, s.Args)
		}
	}
	if len(doc.Timeline) == 0 || doc.Timeline[0].Kind != "finding" {
		t.Errorf("timeline starts with %+v, want the finding step", doc.Timeline)
	}
}

func TestCaseRoutes(t *testing.T) {
	e := newEnv(t)
	e.ingestFile("injection.json")

	tests := []struct {
		name, method, path, who string
		body                    any
		status                  int
		code                    string
	}{
		{"list", "GET", "/api/v1/cases", "bot", nil, 200, ""},
		{"list open", "GET", "/api/v1/cases?state=open&limit=5", "lee", nil, 200, ""},
		{"bad state", "GET", "/api/v1/cases?state=sleeping", "lee", nil, 400, "bad_state"},
		{"bad limit", "GET", "/api/v1/cases?limit=0", "lee", nil, 400, "bad_limit"},
		{"get", "GET", "/api/v1/cases/CASE-000001", "bot", nil, 200, ""},
		{"unknown case", "GET", "/api/v1/cases/CASE-999999", "lee", nil, 404, "not_found"},
		{"investigate unknown", "POST", "/api/v1/cases/CASE-999999/investigate", "lee", nil,
			404, "not_found"},
		{"agent may not close", "POST", "/api/v1/cases/CASE-000001/close", "bot",
			closeRequest{Verdict: "benign"}, 403, "forbidden"},
		{"bad verdict", "POST", "/api/v1/cases/CASE-000001/close", "lee",
			closeRequest{Verdict: "guilty"}, 400, "bad_verdict"},
		{"unknown field", "POST", "/api/v1/cases/CASE-000001/close", "lee",
			`{"verdict":"benign","force":true}`, 400, "bad_body"},
		{"no body", "POST", "/api/v1/cases/CASE-000001/actions", "lee", nil, 400, "bad_body"},
		{"no tool", "POST", "/api/v1/cases/CASE-000001/actions", "lee", `{"args":{}}`, 400,
			"bad_body"},
		{"wrong method", "DELETE", "/api/v1/cases/CASE-000001", "lee", nil, 405,
			"method_not_allowed"},
		{"no route", "GET", "/api/v1/nothing", "lee", nil, 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(tt.method, tt.path, tt.who, tt.body)
			if r.status != tt.status || r.errorCode() != tt.code {
				t.Errorf("%s %s = %d %q, want %d %q (%s)", tt.method, tt.path, r.status,
					r.errorCode(), tt.status, tt.code, r.body)
			}
		})
	}
}

func TestListCasesBody(t *testing.T) {
	e := newEnv(t)
	e.ingestFile("injection.json")

	var got caseList
	e.must(200, "GET", "/api/v1/cases?state=waiting_approval", "lee", nil).decode(t, &got)
	var all caseList
	e.must(200, "GET", "/api/v1/cases", "lee", nil).decode(t, &all)
	if len(all.Cases) != 1 || all.Cases[0].ID != "CASE-000001" || all.Cases[0].FindingCount != 1 {
		t.Fatalf("GET /cases = %+v, want CASE-000001 with 1 finding", all.Cases)
	}
	want := 0
	if all.Cases[0].State == "waiting_approval" {
		want = 1
	}
	if len(got.Cases) != want {
		t.Errorf("GET /cases?state=waiting_approval = %d cases, want %d", len(got.Cases), want)
	}
}

func TestProposeAndClose(t *testing.T) {
	e := newEnv(t)
	e.ingestFile("injection.json")

	var read ActionView
	e.must(200, "POST", "/api/v1/cases/CASE-000001/actions", "lee",
		actionRequest{Tool: "asset.get", Args: []byte(`{"host":"WS-0203"}`)}).decode(t, &read)
	if read.Status != "executed" || read.Actor != "analyst:lee" || read.Decision != "allow" {
		t.Errorf("asset.get as lee = %s by %s (%s), want executed by analyst:lee (allow)",
			read.Status, read.Actor, read.Decision)
	}

	var dc ActionView
	e.must(200, "POST", "/api/v1/cases/CASE-000001/actions", "bot",
		actionRequest{Tool: "edr.isolate_host", Args: []byte(`{"host":"DC-01"}`)}).decode(t, &dc)
	if dc.Status != "held" || dc.Actor != "agent:bot" || dc.ApprovalID == "" ||
		dc.ApproverRole == "" || len(dc.Reasons) == 0 {
		t.Errorf("isolate DC-01 as bot = %+v, want held by agent:bot with an approval, "+
			"a role and reasons", dc)
	}

	var bad ActionView
	e.must(200, "POST", "/api/v1/cases/CASE-000001/actions", "lee",
		actionRequest{Tool: "edr.isolate_host", Args: []byte(`{"host":"*","x":1}`)}).decode(t,
		&bad)
	if bad.Status != "denied" || bad.Decision != "deny" {
		t.Errorf("invalid arguments = %s/%s, want denied/deny", bad.Status, bad.Decision)
	}

	var doc report.Doc
	e.must(200, "POST", "/api/v1/cases/CASE-000001/close", "lee",
		closeRequest{Verdict: "malicious", Note: "confirmed"}).decode(t, &doc)
	if doc.Case.State != "closed" || doc.Case.AnalystVerdict != "malicious" {
		t.Errorf("closed case = %s/%s, want closed/malicious", doc.Case.State,
			doc.Case.AnalystVerdict)
	}

	for _, tt := range []struct{ name, path string }{
		{"close twice", "/api/v1/cases/CASE-000001/close"},
		{"investigate closed", "/api/v1/cases/CASE-000001/investigate"},
		{"act on closed", "/api/v1/cases/CASE-000001/actions"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := any(closeRequest{Verdict: "benign"})
			if strings.HasSuffix(tt.path, "actions") {
				body = actionRequest{Tool: "asset.get", Args: []byte(`{"host":"WS-0203"}`)}
			}
			r := e.do("POST", tt.path, "lee", body)
			if r.status != http.StatusConflict || r.errorCode() != "case_closed" {
				t.Errorf("POST %s = %d %s, want 409 case_closed", tt.path, r.status, r.body)
			}
		})
	}
}
