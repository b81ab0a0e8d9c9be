package api

import (
	"net/http"
	"strings"
	"testing"
)

// holdDC01 has the agent key ask to isolate the domain controller, which
// the policy never lets run on its own (threat T5), and returns the held
// action.
func (e *env) holdDC01(who string) ActionView {
	e.t.Helper()
	var v ActionView
	e.must(200, "POST", "/api/v1/cases/CASE-000001/actions", who,
		actionRequest{Tool: "edr.isolate_host", Args: []byte(`{"host":"DC-01"}`)}).decode(e.t, &v)
	if v.Status != "held" || v.ApprovalID == "" {
		e.t.Fatalf("isolate DC-01 as %s = %+v, want held", who, v)
	}
	return v
}

func TestApprovalRefusals(t *testing.T) {
	e := newEnv(t)
	e.ingestFile("injection.json")
	held := e.holdDC01("lee")
	if held.ApproverRole != "lead" {
		t.Fatalf("isolating DC-01 needs %q, want lead", held.ApproverRole)
	}
	path := "/api/v1/approvals/" + held.ApprovalID

	tests := []struct {
		name, path, who string
		status          int
		code            string
	}{
		{"agent may not approve", path + "/approve", "bot", 403, "wrong_role"},
		{"agent may not reject", path + "/reject", "bot", 403, "forbidden"},
		{"requester may not approve", path + "/approve", "lee", 403, "self_approval"},
		{"analyst below lead", path + "/approve", "kim", 403, "wrong_role"},
		{"unknown approval", "/api/v1/approvals/APR-999999/approve", "lin", 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("POST", tt.path, tt.who, decisionRequest{Note: "test"})
			if r.status != tt.status || r.errorCode() != tt.code {
				t.Errorf("POST %s as %s = %d %s, want %d %s", tt.path, tt.who, r.status,
					r.body, tt.status, tt.code)
			}
		})
	}

	steps, err := e.app.Store.Steps(t.Context(), "CASE-000001")
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"agent:bot", "analyst:lee", "analyst:kim"} {
		if !hasStep(steps, who, "approval_refused", "edr.isolate_host") {
			t.Errorf("%s's refused approval is not in the record", who)
		}
	}

	r := e.do("POST", path+"/approve", "kim", nil)
	if msg := string(r.body); !strings.Contains(msg, "needs the role lead") ||
		!strings.Contains(msg, "analyst:kim has role analyst") {
		t.Errorf("wrong-role refusal says %s, want it to name the lead role and kim's", msg)
	}
}

func TestApproveRunsOnceAndResumes(t *testing.T) {
	e := newEnv(t)
	e.ingestFile("injection.json")
	held := e.holdDC01("lee")

	var list approvalList
	e.must(200, "GET", "/api/v1/approvals", "bot", nil).decode(t, &list)
	if !hasApproval(list, held.ApprovalID, "pending") {
		t.Fatalf("GET /approvals = %+v, want %s pending", list, held.ApprovalID)
	}

	var out decisionResponse
	e.must(200, "POST", "/api/v1/approvals/"+held.ApprovalID+"/approve", "lin",
		decisionRequest{Note: "DC compromise confirmed"}).decode(t, &out)
	if out.Action.Status != "executed" || out.Approval.DecidedBy != "analyst:lin" ||
		out.Case == nil || out.Case.Case.ID != "CASE-000001" {
		t.Errorf("approve = action %s, decided by %s, case %v; want executed, analyst:lin, "+
			"CASE-000001", out.Action.Status, out.Approval.DecidedBy, out.Case)
	}

	r := e.do("POST", "/api/v1/approvals/"+held.ApprovalID+"/approve", "ada", nil)
	if r.status != http.StatusConflict {
		t.Errorf("second approval = %d %s, want 409", r.status, r.body)
	}
	e.must(200, "GET", "/api/v1/approvals?status=all", "lee", nil).decode(t, &list)
	if !hasApproval(list, held.ApprovalID, "used") {
		t.Errorf("GET /approvals?status=all = %+v, want %s used", list, held.ApprovalID)
	}
	e.must(400, "GET", "/api/v1/approvals?status=maybe", "lee", nil)
}

func TestRejectAndClosedCase(t *testing.T) {
	e := newEnv(t)
	e.ingestFile("injection.json")
	first := e.holdDC01("lee")

	// Isolating the domain controller waits for a lead: an analyst may not
	// drop it either.
	r := e.do("POST", "/api/v1/approvals/"+first.ApprovalID+"/reject", "kim",
		decisionRequest{Note: "not on this evidence"})
	if r.status != http.StatusForbidden || r.errorCode() != "wrong_role" {
		t.Errorf("analyst rejecting a lead hold = %d %s, want 403 wrong_role", r.status, r.body)
	}
	var out decisionResponse
	e.must(200, "POST", "/api/v1/approvals/"+first.ApprovalID+"/reject", "lin",
		decisionRequest{Note: "not on this evidence"}).decode(t, &out)
	if out.Action.Status != "rejected" || out.Approval.Status != "rejected" {
		t.Errorf("reject = action %s, approval %s; want rejected, rejected",
			out.Action.Status, out.Approval.Status)
	}

	// A second request for the same call gets a new ref, so a new approval.
	second := e.holdDC01("bot")
	e.must(200, "POST", "/api/v1/cases/CASE-000001/close", "lee",
		closeRequest{Verdict: "suspicious", Note: "handed to IR"})
	r = e.do("POST", "/api/v1/approvals/"+second.ApprovalID+"/approve", "lin", nil)
	if r.status != http.StatusConflict || r.errorCode() != "case_closed" {
		t.Errorf("approving after close = %d %s, want 409 case_closed", r.status, r.body)
	}
}

func hasApproval(l approvalList, id, status string) bool {
	for _, a := range l.Approvals {
		if a.ID == id && a.Status == status {
			return true
		}
	}
	return false
}
