package api

import (
	"encoding/json"
	"testing"

	"github.com/conductor-sec/conductor/guardrails"
	"github.com/conductor-sec/conductor/internal/store"
)

func TestActionSummary(t *testing.T) {
	tests := []struct {
		name string
		v    ActionView
		want string
	}{
		{"executed", ActionView{ID: "ACT-1", Tool: "asset.get", Status: "executed"},
			"asset.get ran (ACT-1)"},
		{"held", ActionView{Tool: "edr.isolate_host", Status: "held", ApprovalID: "APR-2",
			ApproverRole: "lead", Reasons: []string{"domain controller", "crown jewel"}},
			"edr.isolate_host was NOT run: it waits for approval APR-2 by a lead. Reasons: " +
				"domain controller; crown jewel"},
		{"denied", ActionView{Tool: "iam.reset_credentials", Status: "denied",
			Reasons: []string{"irreversible"}},
			"iam.reset_credentials was NOT run: the policy denied it. Reasons: irreversible"},
		{"failed", ActionView{Tool: "edr.isolate_host", Status: "failed", Error: "timeout"},
			"edr.isolate_host failed after retries; a manual task was opened: timeout"},
		{"other", ActionView{Tool: "mail.release", Status: "superseded", Error: "case closed"},
			"mail.release was NOT run: its status is superseded. case closed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.v.Summary(); got != tt.want {
				t.Errorf("Summary() = %q, want %q", got, tt.want)
			}
			if got := tt.v.Ran(); got != (tt.v.Status == "executed") {
				t.Errorf("Ran() = %v for status %s", got, tt.v.Status)
			}
		})
	}
}

func TestViewAction(t *testing.T) {
	e := newEnv(t)
	d, _ := json.Marshal(guardrails.Decision{Outcome: guardrails.Deny,
		Reasons: []string{"0.0.0.0/0 is everything"}, PolicyVersion: "v1"})
	tests := []struct {
		name       string
		a          store.Action
		decision   string
		reasons    []string
		policyVers string
	}{
		{"decided", store.Action{Status: "denied", Decision: d}, "deny",
			[]string{"0.0.0.0/0 is everything"}, "v1"},
		{"refused before policy", store.Action{Status: "denied",
			Error: "unknown_tool: no tool named x"}, "deny",
			[]string{"unknown_tool: no tool named x"}, ""},
		{"not decided yet", store.Action{Status: "proposed"}, "", []string{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := viewAction(t.Context(), e.app.Store, tt.a)
			if v.Decision != tt.decision || v.PolicyVersion != tt.policyVers ||
				len(v.Reasons) != len(tt.reasons) ||
				(len(v.Reasons) > 0 && v.Reasons[0] != tt.reasons[0]) {
				t.Errorf("viewAction = %s %v %s, want %s %v %s", v.Decision, v.Reasons,
					v.PolicyVersion, tt.decision, tt.reasons, tt.policyVers)
			}
		})
	}
}
