package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/guardrails"
	"github.com/conductor-sec/conductor/internal/app"
	"github.com/conductor-sec/conductor/internal/report"
	"github.com/conductor-sec/conductor/internal/store"
)

// actionRequest is the body of POST /cases/{id}/actions.
type actionRequest struct {
	Tool string          `json:"tool"`
	Args json.RawMessage `json:"args"`
	// Reason is kept in the record and shown to an approver.
	Reason string `json:"reason,omitempty"`
}

// ActionView is an action as the API and MCP clients see it: what was asked,
// what the guard decided and why, and what became of it.
type ActionView struct {
	ID     string          `json:"id"`
	CaseID string          `json:"case_id"`
	Ref    string          `json:"ref"`
	Tool   string          `json:"tool"`
	Args   json.RawMessage `json:"args"`
	Actor  string          `json:"actor"`
	// Status is executed, held, denied, failed, rejected, expired or
	// superseded.
	Status        string   `json:"status"`
	Decision      string   `json:"decision,omitempty"`
	Reasons       []string `json:"reasons"`
	PolicyVersion string   `json:"policy_version,omitempty"`
	// ApprovalID and ApproverRole are set while a held action waits.
	ApprovalID   string          `json:"approval_id,omitempty"`
	ApproverRole string          `json:"approver_role,omitempty"`
	Error        string          `json:"error,omitempty"`
	Result       json.RawMessage `json:"result,omitempty"`
}

// Ran reports whether the tool was called and succeeded.
func (v ActionView) Ran() bool { return v.Status == agent.ActionExecuted }

// viewAction builds the view of a stored action, looking up the approver
// role of a held one.
func viewAction(ctx context.Context, st *store.Store, a store.Action) ActionView {
	d := report.DecisionOf(a)
	v := ActionView{
		ID: a.ID, CaseID: a.CaseID, Ref: a.Ref, Tool: a.Tool, Args: a.Args, Actor: a.Actor,
		Status: a.Status, Decision: string(d.Outcome), Reasons: d.Reasons,
		PolicyVersion: d.PolicyVersion, ApprovalID: a.ApprovalID,
		ApproverRole: d.ApproverRole, Error: a.Error, Result: a.Result,
	}
	if a.ApprovalID != "" {
		if ap, err := st.GetApproval(ctx, a.ApprovalID); err == nil {
			v.ApproverRole = ap.ApproverRole
		}
	}
	return v
}

// Summary is one line saying what became of the action, for people and
// MCP clients.
func (v ActionView) Summary() string {
	why := strings.Join(v.Reasons, "; ")
	switch v.Status {
	case agent.ActionExecuted:
		return fmt.Sprintf("%s ran (%s)", v.Tool, v.ID)
	case agent.ActionHeld:
		return fmt.Sprintf("%s was NOT run: it waits for approval %s by a %s. Reasons: %s",
			v.Tool, v.ApprovalID, v.ApproverRole, why)
	case agent.ActionDenied:
		return fmt.Sprintf("%s was NOT run: the policy denied it. Reasons: %s", v.Tool, why)
	case agent.ActionFailed:
		return fmt.Sprintf("%s failed after retries; a manual task was opened: %s", v.Tool,
			v.Error)
	}
	return fmt.Sprintf("%s was NOT run: its status is %s. %s", v.Tool, v.Status, v.Error)
}

// propose runs one proposal as who, holding the case's lock: the same guard,
// approvals and record as the planner's own proposals.
func propose(ctx context.Context, a *app.App, locks *agent.CaseLocks, caseID string,
	p agent.Proposal, who guardrails.Principal) (ActionView, error) {
	unlock, err := locks.Lock(ctx, caseID)
	if err != nil {
		return ActionView{}, err
	}
	defer unlock()

	act, err := a.Engine.Propose(ctx, caseID, p, who)
	if err != nil {
		return ActionView{}, err
	}
	return viewAction(ctx, a.Store, act), nil
}

func (s *Server) proposeAction(c *gin.Context) error {
	var req actionRequest
	if err := s.decodeBody(c, &req, false); err != nil {
		return err
	}
	if req.Tool == "" {
		return badRequest("bad_body", "tool is required")
	}
	if len(req.Args) == 0 || string(req.Args) == "null" {
		req.Args = json.RawMessage(`{}`)
	}

	v, err := propose(c.Request.Context(), s.app, s.locks, c.Param("id"),
		agent.Proposal{Tool: req.Tool, Args: req.Args, Reason: req.Reason}, principal(c))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, v)
	return nil
}
