package api

import (
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/internal/casework"
	"github.com/conductor-sec/conductor/internal/report"
	"github.com/conductor-sec/conductor/internal/store"
)

// caseStates are the values GET /cases?state= accepts.
var caseStates = []string{
	store.StateNew, store.StateInvestigating, store.StateWaitingApproval,
	store.StateContained, store.StatePaused, store.StateTriaged, store.StateClosed,
	store.FilterOpen,
}

// caseList is the body of GET /cases.
type caseList struct {
	Cases []report.Case `json:"cases"`
}

func (s *Server) listCases(c *gin.Context) error {
	state := c.Query("state")
	if state != "" && !slices.Contains(caseStates, state) {
		return badRequest("bad_state", "state must be one of %v", caseStates)
	}
	limit, err := intQuery(c, "limit", 100, 1, 1000)
	if err != nil {
		return err
	}

	cs, err := s.app.Store.ListCases(c.Request.Context(),
		store.CaseFilter{State: state, Limit: limit})
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, caseList{Cases: report.CasesOf(cs)})
	return nil
}

func (s *Server) getCase(c *gin.Context) error {
	doc, err := casework.Doc(c.Request.Context(), s.app.Engine, s.app.Store, c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, doc)
	return nil
}

func (s *Server) investigateCase(c *gin.Context) error {
	ctx, id := c.Request.Context(), c.Param("id")
	unlock, err := s.locks.Lock(ctx, id)
	if err != nil {
		return err
	}
	defer unlock()

	doc, err := casework.Investigate(ctx, s.app.Engine, s.app.Store, id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, doc)
	return nil
}

// closeRequest is the body of POST /cases/{id}/close.
type closeRequest struct {
	Verdict string `json:"verdict"`
	Note    string `json:"note"`
}

func (s *Server) closeCase(c *gin.Context) error {
	var req closeRequest
	if err := s.decodeBody(c, &req, false); err != nil {
		return err
	}
	if !slices.Contains(agent.Verdicts, req.Verdict) {
		return badRequest("bad_verdict", "verdict must be one of %v", agent.Verdicts)
	}

	ctx, id := c.Request.Context(), c.Param("id")
	unlock, err := s.locks.Lock(ctx, id)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := s.app.Engine.Close(ctx, id, req.Verdict, req.Note, principal(c)); err != nil {
		return err
	}

	doc, err := casework.Doc(ctx, s.app.Engine, s.app.Store, id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, doc)
	return nil
}
