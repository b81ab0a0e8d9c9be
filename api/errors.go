package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/guardrails"
	"github.com/conductor-sec/conductor/internal/ingest"
	"github.com/conductor-sec/conductor/internal/store"
	"github.com/conductor-sec/conductor/internal/telemetry"
)

// Error is an API error: the status and the stable snake_case code and
// public message a client sees, and the private cause only the log sees.
type Error struct {
	Status  int
	Code    string
	Message string
	Cause   error
}

// Error returns the public message and the cause, for logs and tests.
func (e *Error) Error() string {
	if e.Cause == nil {
		return e.Code + ": " + e.Message
	}
	return e.Code + ": " + e.Message + ": " + e.Cause.Error()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

func apiErr(status int, code, msg string, cause error) *Error {
	return &Error{Status: status, Code: code, Message: msg, Cause: cause}
}

func badRequest(code, format string, args ...any) *Error {
	return apiErr(http.StatusBadRequest, code, fmt.Sprintf(format, args...), nil)
}

// errorBody is the JSON every error response carries.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
}

// guardCodes maps the guard's approval codes to an HTTP status: the caller
// may not do this (403), or the approval is not in a state to be used (409).
var guardCodes = map[string]int{
	"self_approval": http.StatusForbidden,
	"wrong_role":    http.StatusForbidden,
	"out_of_scope":  http.StatusConflict,
	"expired":       http.StatusConflict,
	"already_used":  http.StatusConflict,
	"no_policy":     http.StatusServiceUnavailable,
}

var guardMessages = map[string]string{
	"self_approval": "an action cannot be approved by the principal who asked for it",
	"wrong_role":    "your role may not approve this action",
	"out_of_scope":  "the approval is for another call",
	"expired":       "the approval has expired; the action will not run",
	"already_used":  "the approval was already decided, used or voided",
	"no_policy":     "no valid policy is loaded; only read-only tools run",
}

// classify turns any error into an [*Error]: errors that already are one
// pass through, known sentinels get their status and code, and anything
// else is an internal error whose cause the client never sees.
func classify(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if code := guardrails.Code(err); code != "" {
		if st, ok := guardCodes[code]; ok {
			return apiErr(st, code, guardMessages[code], err)
		}
	}
	if e := classifySentinel(err); e != nil {
		return e
	}
	return apiErr(http.StatusInternalServerError, "internal",
		"internal error; the server log has the details under this request id", err)
}

func classifySentinel(err error) *Error {
	switch {
	case errors.Is(err, agent.ErrCaseClosed):
		return apiErr(http.StatusConflict, "case_closed", "the case is closed", err)
	case errors.Is(err, agent.ErrNotHeld):
		return apiErr(http.StatusConflict, "not_held",
			"the action is no longer waiting for approval", err)
	case errors.Is(err, agent.ErrDeniedNow):
		return apiErr(http.StatusConflict, "denied_now", "the policy in force now denies "+
			"the action: the approval is void; the case record gives the reasons", err)
	case errors.Is(err, agent.ErrBadVerdict):
		return apiErr(http.StatusBadRequest, "bad_verdict",
			"verdict must be malicious, suspicious, benign or inconclusive", err)
	case errors.Is(err, store.ErrNotFound):
		return apiErr(http.StatusNotFound, "not_found", "no such object", err)
	case errors.Is(err, store.ErrNotPending):
		return apiErr(http.StatusConflict, "already_used", guardMessages["already_used"], err)
	case errors.Is(err, store.ErrExpired):
		return apiErr(http.StatusConflict, "expired", guardMessages["expired"], err)
	case errors.Is(err, ingest.ErrTooLarge):
		return apiErr(http.StatusRequestEntityTooLarge, "too_large", "the upload is too large",
			err)
	case errors.Is(err, telemetry.ErrBadQuery):
		// The message is about the caller's own query text and says how to fix it.
		return apiErr(http.StatusBadRequest, "bad_query", err.Error(), err)
	case errors.Is(err, context.DeadlineExceeded):
		return apiErr(http.StatusServiceUnavailable, "timeout", "the request took too long", err)
	}
	return nil
}

// handlerFunc is a handler that returns its error for [renderErrors].
type handlerFunc func(c *gin.Context) error

// handle adapts a handlerFunc to gin.
func handle(h handlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			_ = c.Error(err)
			c.Abort()
		}
	}
}

// renderErrors is the one place errors become responses: it writes the
// public code and message and logs the private cause with the request id.
func (s *Server) renderErrors(c *gin.Context) {
	c.Next()

	if len(c.Errors) == 0 {
		return
	}
	e := classify(c.Errors.Last().Err)
	id := requestID(c)
	level := slog.LevelInfo
	if e.Status >= http.StatusInternalServerError {
		level = slog.LevelError
	}
	s.log.Log(c.Request.Context(), level, "request failed", "request_id", id,
		"route", routeOf(c), "status", e.Status, "code", e.Code, "error", e.Cause)

	if c.Writer.Written() {
		return
	}
	if e.Status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="conductor"`)
	}
	c.JSON(e.Status, errorBody{Error: errorDetail{Code: e.Code, Message: e.Message,
		RequestID: id}})
}
