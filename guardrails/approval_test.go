package guardrails

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"
)

func pendingApproval(t *testing.T) Approval {
	t.Helper()
	args := json.RawMessage(`{"host":"ws-042"}`)
	d, err := DigestArgs(args)
	if err != nil {
		t.Fatal(err)
	}
	return Approval{
		ID: "APR-1", ActionID: "ACT-1", CaseID: "CASE-1", Tool: "edr.isolate_host",
		Args: args, ArgsDigest: d, RequestedBy: "agent:playbook", ApproverRole: "lead",
		CreatedAt: testNow, ExpiresAt: testNow.Add(time.Hour), Status: "pending",
	}
}

// T8: an approval permits exactly the call it was given for, once, in time,
// by someone else of the right role.
func TestCheckApproval(t *testing.T) {
	lead := Principal{Name: "analyst:bob", Role: "lead"}
	hostA := json.RawMessage(`{"host":"ws-042"}`)
	tests := []struct {
		name     string
		edit     func(a *Approval)
		approver Principal
		tool     string
		args     json.RawMessage
		caseID   string
		now      time.Time
		want     error
		code     string
	}{
		{name: "lead_approves", approver: lead},
		{name: "admin_approves_lead_action", approver: Principal{"analyst:root", "admin"}},
		{name: "lead_approves_analyst_action", approver: lead,
			edit: func(a *Approval) { a.ApproverRole = "analyst" }},
		{name: "same_args_other_formatting", approver: lead,
			args: json.RawMessage(`{ "host": "ws-042" }`)},
		{name: "digest_from_args_when_missing", approver: lead,
			edit: func(a *Approval) { a.ArgsDigest = "" }},
		{name: "T8_host_B", approver: lead, args: json.RawMessage(`{"host":"ws-043"}`),
			want: ErrApprovalScope, code: "out_of_scope"},
		{name: "other_tool", approver: lead, tool: "edr.wipe_host",
			want: ErrApprovalScope, code: "out_of_scope"},
		{name: "other_case", approver: lead, caseID: "CASE-2",
			want: ErrApprovalScope, code: "out_of_scope"},
		{name: "no_digest_at_all", approver: lead,
			edit: func(a *Approval) { a.ArgsDigest, a.Args = "", nil },
			want: ErrApprovalScope, code: "out_of_scope"},
		{name: "T8_after_expiry", approver: lead, now: testNow.Add(61 * time.Minute),
			want: ErrApprovalExpired, code: "expired"},
		{name: "no_expiry_is_expired", approver: lead,
			edit: func(a *Approval) { a.ExpiresAt = time.Time{} },
			want: ErrApprovalExpired, code: "expired"},
		{name: "status_expired", approver: lead, edit: func(a *Approval) { a.Status = "expired" },
			want: ErrApprovalExpired, code: "expired"},
		{name: "T8_twice", approver: lead, edit: func(a *Approval) { a.Status = "used" },
			want: ErrApprovalUsed, code: "already_used"},
		{name: "already_approved", approver: lead,
			edit: func(a *Approval) { a.Status = "approved" },
			want: ErrApprovalUsed, code: "already_used"},
		{name: "rejected", approver: lead, edit: func(a *Approval) { a.Status = "rejected" },
			want: ErrApprovalUsed, code: "already_used"},
		{name: "self_approval", approver: Principal{"analyst:alice", "lead"},
			edit: func(a *Approval) { a.RequestedBy = "analyst:alice" },
			want: ErrSelfApproval, code: "self_approval"},
		{name: "self_approval_asked_over_mcp", approver: Principal{"analyst:lee", "lead"},
			edit: func(a *Approval) { a.RequestedBy = "mcp:lee" },
			want: ErrSelfApproval, code: "self_approval"},
		{name: "self_approval_other_case", approver: Principal{"analyst:Lee ", "lead"},
			edit: func(a *Approval) { a.RequestedBy = "analyst:lee" },
			want: ErrSelfApproval, code: "self_approval"},
		{name: "mcp_client_of_another_name", approver: Principal{"analyst:lee", "lead"},
			edit: func(a *Approval) { a.RequestedBy = "mcp:leeroy" }},
		{name: "empty_name", approver: Principal{"analyst:", "lead"},
			want: ErrApproverRole, code: "wrong_role"},
		{name: "blank_name", approver: Principal{"analyst:  ", "lead"},
			want: ErrApproverRole, code: "wrong_role"},
		{name: "analyst_for_lead_action", approver: Principal{"analyst:carol", "analyst"},
			want: ErrApproverRole, code: "wrong_role"},
		{name: "agent_role", approver: Principal{"analyst:bot", "agent"},
			want: ErrApproverRole, code: "wrong_role"},
		{name: "agent_name_with_admin_role", approver: Principal{"agent:llm", "admin"},
			want: ErrApproverRole, code: "wrong_role"},
		{name: "mcp_client", approver: Principal{"mcp:ide", "lead"},
			want: ErrApproverRole, code: "wrong_role"},
		{name: "anonymous", approver: Principal{"", "admin"},
			want: ErrApproverRole, code: "wrong_role"},
		{name: "unknown_required_role_needs_admin", approver: lead,
			edit: func(a *Approval) { a.ApproverRole = "ciso" },
			want: ErrApproverRole, code: "wrong_role"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := pendingApproval(t)
			if tc.edit != nil {
				tc.edit(&a)
			}
			tool, args, caseID, now := "edr.isolate_host", hostA, "CASE-1", testNow
			if tc.tool != "" {
				tool = tc.tool
			}
			if tc.args != nil {
				args = tc.args
			}
			if tc.caseID != "" {
				caseID = tc.caseID
			}
			if !tc.now.IsZero() {
				now = tc.now
			}

			p, err := CheckApproval(a, tc.approver, tool, args, caseID, now)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("CheckApproval(%s) = %v, want %v", tc.name, err, tc.want)
			}
			if got := Code(err); got != tc.code {
				t.Errorf("Code(CheckApproval(%s)) = %q, want %q", tc.name, got, tc.code)
			}
			if tc.want != nil {
				if p.DecisionID() != "" {
					t.Errorf("CheckApproval(%s) refused but returned a permit", tc.name)
				}
				return
			}
			if err := p.Authorizes(tool, hostA, caseID); err != nil {
				t.Errorf("permit.Authorizes(approved call) = %v, want nil", err)
			}
			if err := p.Authorizes(tool, json.RawMessage(`{"host":"ws-043"}`), caseID); err == nil {
				t.Error("permit.Authorizes(host B) = nil, want ErrNoPermit")
			}
			if p.DecisionID() != "APR-1" {
				t.Errorf("permit.DecisionID() = %q, want APR-1", p.DecisionID())
			}
		})
	}
}

func TestCode(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{ErrSelfApproval, "self_approval"},
		{fmt.Errorf("approval APR-9: %w", ErrApprovalScope), "out_of_scope"},
		{ErrApprovalExpired, "expired"},
		{ErrApprovalUsed, "already_used"},
		{ErrApproverRole, "wrong_role"},
		{ErrNoPolicy, "no_policy"},
		{errors.New("plain"), ""},
		{nil, ""},
	}
	for _, tc := range tests {
		if got := Code(tc.err); got != tc.want {
			t.Errorf("Code(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
