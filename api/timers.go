package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/internal/store"
)

// timerStatuses are the values GET /timers accepts.
var timerStatuses = []string{store.TimerPending, store.TimerConfirmed, store.TimerFired, "all"}

// timerView is one time limit on reversible containment: when it is due,
// Undo runs with Args unless a human confirmed the action.
type timerView struct {
	ID       string          `json:"id"`
	ActionID string          `json:"action_id"`
	CaseID   string          `json:"case_id"`
	Undo     string          `json:"undo"`
	Args     json.RawMessage `json:"args"`
	Due      time.Time       `json:"due"`
	Status   string          `json:"status"`
	Note     string          `json:"note,omitempty"`
}

type timerList struct {
	Timers []timerView `json:"timers"`
}

func viewTimer(t store.Timer) timerView {
	return timerView{ID: t.ID, ActionID: t.ActionID, CaseID: t.CaseID, Undo: t.Tool,
		Args: t.Args, Due: t.Due, Status: t.Status, Note: t.Note}
}

// listTimers answers GET /timers?status=: pending (the default), confirmed,
// fired or all.
func (s *Server) listTimers(c *gin.Context) error {
	status := c.DefaultQuery("status", store.TimerPending)
	if !slices.Contains(timerStatuses, status) {
		return badRequest("bad_status", "status must be one of %v", timerStatuses)
	}
	if status == "all" {
		status = ""
	}
	ts, err := s.app.Store.ListTimers(c.Request.Context(), status)
	if err != nil {
		return err
	}
	out := timerList{Timers: make([]timerView, 0, len(ts))}
	for _, t := range ts {
		out.Timers = append(out.Timers, viewTimer(t))
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// confirmAction answers POST /actions/{id}/confirm: a human keeps a
// time-limited containment in force, and its undo never runs.
func (s *Server) confirmAction(c *gin.Context) error {
	var req decisionRequest
	if err := s.decodeBody(c, &req, true); err != nil {
		return err
	}
	t, err := s.app.Engine.Confirm(c.Request.Context(), c.Param("id"), principal(c), req.Note)
	if errors.Is(err, agent.ErrNoTimer) {
		return apiErr(http.StatusConflict, "no_timer",
			"the action has no pending time limit: it was never time-limited, was "+
				"confirmed already, or its undo has run", err)
	}
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, viewTimer(t))
	return nil
}
