package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/guardrails"
	"github.com/conductor-sec/conductor/internal/report"
)

// approvalStatuses are the values GET /approvals?status= accepts; "all"
// lists every approval.
var approvalStatuses = []string{"pending", "approved", "rejected", "expired", "used", "void",
	"all"}

// approvalList is the body of GET /approvals.
type approvalList struct {
	Approvals []guardrails.Approval `json:"approvals"`
}

// listApprovals returns approvals, pending by default. Approvals past their
// expiry are marked expired first, so none is listed as still decidable.
func (s *Server) listApprovals(c *gin.Context) error {
	aps, err := listApprovals(c.Request.Context(), s.app.Engine, s.app.Store,
		c.DefaultQuery("status", "pending"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, approvalList{Approvals: aps})
	return nil
}

type approvalLister interface {
	ListApprovals(ctx context.Context, status string) ([]guardrails.Approval, error)
}

func listApprovals(ctx context.Context, e *agent.Engine, st approvalLister,
	status string) ([]guardrails.Approval, error) {
	if !slices.Contains(approvalStatuses, status) {
		return nil, badRequest("bad_status", "status must be one of %v", approvalStatuses)
	}
	if status == "all" {
		status = ""
	}
	if _, err := e.ExpireApprovals(ctx); err != nil {
		return nil, err
	}
	aps, err := st.ListApprovals(ctx, status)
	if aps == nil {
		aps = []guardrails.Approval{}
	}
	return aps, err
}

// decisionRequest is the body of POST /approvals/{id}/approve and /reject.
type decisionRequest struct {
	Note string `json:"note"`
}

// decisionResponse says what became of the approval, its action and the
// case, which resumed.
type decisionResponse struct {
	Approval guardrails.Approval `json:"approval"`
	Action   ActionView          `json:"action"`
	Case     *report.Doc         `json:"case,omitempty"`
}

func (s *Server) approve(c *gin.Context) error { return s.decide(c, true) }

// reject refuses a held action. Only people reach it (see the route): the
// engine's Reject checks no role, and an agent must not be able to turn
// down what waits for a human.
func (s *Server) reject(c *gin.Context) error { return s.decide(c, false) }

func (s *Server) decide(c *gin.Context, approve bool) error {
	var req decisionRequest
	if err := s.decodeBody(c, &req, true); err != nil {
		return err
	}
	ctx, id, who := c.Request.Context(), c.Param("id"), principal(c)
	ap, err := s.app.Store.GetApproval(ctx, id)
	if err != nil {
		return err
	}
	unlock, err := s.locks.Lock(ctx, ap.CaseID)
	if err != nil {
		return err
	}
	defer unlock()

	decideFn := s.app.Engine.Reject
	if approve {
		decideFn = s.app.Engine.Approve
	}
	out, err := decideFn(ctx, id, who, req.Note)
	if err != nil {
		return refusal(err, out.Approval, who)
	}
	resp := decisionResponse{Approval: out.Approval, Action: viewAction(ctx, s.app.Store,
		out.Action)}
	if out.Report != nil {
		doc := report.Build(*out.Report, nil)
		resp.Case = &doc
	}
	c.JSON(http.StatusOK, resp)
	return nil
}

// refusal makes the public message of a refused approval say what the
// approver needs to know: which role may decide it.
func refusal(err error, ap guardrails.Approval, who guardrails.Principal) error {
	e := classify(err)
	if e.Code == "wrong_role" && ap.ApproverRole != "" {
		e.Message = fmt.Sprintf("approval %s needs the role %s; %s has role %s", ap.ID,
			ap.ApproverRole, who.Name, who.Role)
	}
	return e
}
