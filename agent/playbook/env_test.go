package playbook

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/conductor-sec/conductor/agent"
	"github.com/expr-lang/expr"
)

// evalIn compiles src against the playbook environment and runs it on v.
func evalIn(t *testing.T, v *agent.CaseView, src string) any {
	t.Helper()
	prog, err := expr.Compile(src, compileOptions()...)
	if err != nil {
		t.Fatalf("Compile(%q): %v", src, err)
	}
	r := newEvaluator(v)
	r.cur = *r.base
	got, err := expr.Run(prog, &r.cur)
	if err != nil {
		t.Fatalf("Run(%q): %v", src, err)
	}
	return got
}

func TestEnvFunctions(t *testing.T) {
	phish := phishingView()
	ep := endpointView()
	ep.Steps = []agent.StepView{
		{Ref: "hunt/WORKSTATION5", Tool: "siem.search", Status: statusExecuted,
			Output: json.RawMessage(`{"total":3}`)},
		{Ref: "hunt/WORKSTATION6", Tool: "siem.search", Status: statusFailed},
		{Ref: "isolate/WORKSTATION5", Tool: "edr.isolate_host", Status: statusHeld},
		{Ref: "user/bob", Tool: "user.get", Args: json.RawMessage(`{"user":"bob"}`),
			Status: statusExecuted,
			Output: json.RawMessage(`{"name":"bob","role":"admin","vip":true}`)},
		{Ref: "lookup-ip/192.0.2.9", Tool: "intel.lookup", Status: statusExecuted,
			Args:   json.RawMessage(`{"kind":"ip","value":"192.0.2.9"}`),
			Output: json.RawMessage(`{"matches":[{"confidence":40},{"confidence":75}]}`)},
		{Ref: "isolate/WORKSTATION5", Tool: "edr.isolate_host", Status: statusExecuted,
			Output: json.RawMessage(`{"isolated":true}`)},
		{Ref: "asset/WS-9", Tool: "asset.get", Args: json.RawMessage(`{"host":"WS-9"}`),
			Status: statusExecuted, Output: json.RawMessage(`{"known":false,"query":"WS-9"}`)},
		{Ref: "asset/DB-FIN-01", Tool: "asset.get", Status: statusExecuted,
			Args: json.RawMessage(`{"host":"DB-FIN-01"}`),
			Output: json.RawMessage(`{"known":true,"query":"DB-FIN-01","name":"DB-FIN-01",` +
				`"type":"database","criticality":"critical","crown_jewel":true}`)},
		{Ref: "lookup-ip/198.51.100.1", Tool: "intel.lookup", Status: statusExecuted,
			Args: json.RawMessage(`{"kind":"ip","value":"198.51.100.1"}`),
			Output: json.RawMessage(`{"kind":"ip","value":"198.51.100.1","configured":true,` +
				`"allow_listed":true,"matches":[{"source":"feed","confidence":90}]}`)},
		{Ref: "lookup-ip/192.0.2.10", Tool: "intel.lookup", Status: statusExecuted,
			Args:   json.RawMessage(`{"kind":"ip","value":"192.0.2.10"}`),
			Output: json.RawMessage(`{"matches":[{"confidence":95,"expired":true}]}`)},
	}

	tests := []struct {
		view *agent.CaseView
		src  string
		want any
	}{
		{phish, `entities("url")`, []string{phishURL, orgURL}},
		{phish, `entities("email", "sender")`, []string{phishSender}},
		{phish, `entities("domain", "link", "sender")`,
			[]string{phishHost, "www.acme-corp.example", "micros0ft-support.example"}},
		{phish, `entities("process")`, []string{}},
		{phish, `has_source("EMAIL")`, true},
		{phish, `has_source("suricata")`, false},
		{phish, `has_signal("url_text_mismatch")`, true},
		{phish, `has_signal("url_text")`, false},
		{phish, `signal_values("url_text_mismatch")`, []string{phishURL}},
		{phish, `intel("` + phishURL + `")`, 85},
		{phish, `intel("` + phishHost + `")`, 85},
		{phish, `intel("www.acme-corp.example")`, 0},
		{phish, `intel_max()`, 85},
		{phish, `findings[0].email.dmarc`, "fail"},
		{phish, `findings[0].email.attachments[0].sha256`, exeHash},
		{phish, `first(entities("hash"))`, exeHash},
		{phish, `first(entities("process"))`, ""},
		{ep, `has_technique("T1003")`, true},
		{ep, `has_technique("T1003.001")`, true},
		{ep, `has_technique("T100")`, false},
		{ep, `has_technique("T1003.002")`, false},
		{ep, `asset("workstation5").criticality`, "medium"},
		{ep, `asset("nope")?.crown_jewel ?? false`, false},
		{ep, `user("BOB").vip`, true},
		{ep, `user("carol") == nil`, true},
		{ep, `status("isolate/WORKSTATION5")`, statusExecuted},
		{ep, `status("never")`, ""},
		{ep, `executed("hunt/WORKSTATION6")`, false},
		{ep, `output("hunt/WORKSTATION5").total`, 3.0},
		{ep, `output("hunt/WORKSTATION6") == nil`, true},
		{ep, `len(outputs("hunt"))`, 1},
		{ep, `intel("192.0.2.9")`, 75},
		{ep, `intel("192.0.2.10")`, 0},
		{ep, `intel("198.51.100.1")`, 0},
		{ep, `asset("WS-9") == nil`, true},
		{ep, `asset("db-fin-01").crown_jewel`, true},
		{ep, `intel_max()`, 75},
		{ep, `has_tool("edr.isolate_host")`, true},
		{ep, `case.score`, 78},
		{ep, `case.techniques`, []string{"T1003.001", "T1059.001"}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			got := evalIn(t, tt.view, tt.src)
			if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", tt.want) {
				t.Errorf("%s = %#v, want %#v", tt.src, got, tt.want)
			}
		})
	}
}

func TestAddressHelpers(t *testing.T) {
	tests := []struct {
		in              string
		private, public bool
		domain          string
	}{
		{in: "10.1.2.3", private: true},
		{in: "172.18.39.5", private: true},
		{in: "100.64.1.1", private: true},
		{in: "::ffff:192.168.1.1", private: true},
		{in: "fe80::1", private: true},
		{in: "127.0.0.1", private: true},
		{in: "203.0.113.45", public: true},
		{in: "2001:db8::1", public: true},
		{in: "not-an-ip", domain: "not-an-ip"},
		{in: "https://Login.Example.COM:8443/a?b=c", domain: "login.example.com"},
		{in: "alice@Mail.Example.org", domain: "mail.example.org"},
		{in: "example.net.", domain: "example.net"},
		{in: "http://[::1", domain: ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := privateIP(tt.in); got != tt.private {
				t.Errorf("privateIP(%q) = %v, want %v", tt.in, got, tt.private)
			}
			if got := publicIP(tt.in); got != tt.public {
				t.Errorf("publicIP(%q) = %v, want %v", tt.in, got, tt.public)
			}
			if tt.domain != "" || !tt.private && !tt.public {
				if got := domainOf(tt.in); got != tt.domain {
					t.Errorf("domainOf(%q) = %q, want %q", tt.in, got, tt.domain)
				}
			}
		})
	}
}

func TestFirst(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{[]string{"a", "b"}, "a"},
		{[]any{}, ""},
		{[]any{42}, "42"},
		{[]any{map[string]any{"k": "v"}}, `{"k":"v"}`},
		{"not a list", ""},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := first(tt.in); got != tt.want {
			t.Errorf("first(%#v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
