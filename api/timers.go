package api

import (
	"errors"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/internal/store"
)

// timerStatuses are the values GET /timers accepts.
var timerStatuses = []string{store.TimerPending, store.TimerConfirmed, store.TimerFired,
	store.TimerSuperseded, "all"}

type timerList struct {
	Timers []store.Timer `json:"timers"`
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
	if ts == nil {
		ts = []store.Timer{}
	}
	c.JSON(http.StatusOK, timerList{Timers: ts})
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
	c.JSON(http.StatusOK, t)
	return nil
}
