package api

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/conductor-sec/conductor/internal/store"
)

// StepEvent is one audit step of a case as GET /cases/{id}/events streams
// it. Outputs of tools are left out: they can be large, and GET /cases/{id}
// has them.
type StepEvent struct {
	Seq           int64           `json:"seq"`
	Time          time.Time       `json:"time"`
	CaseID        string          `json:"case_id"`
	Actor         string          `json:"actor"`
	Kind          string          `json:"kind"`
	Ref           string          `json:"ref,omitempty"`
	Tool          string          `json:"tool,omitempty"`
	Args          json.RawMessage `json:"args,omitempty"`
	Decision      string          `json:"decision,omitempty"`
	Reasons       []string        `json:"reasons,omitempty"`
	PolicyVersion string          `json:"policy_version,omitempty"`
	Status        string          `json:"status,omitempty"`
	Summary       string          `json:"summary"`
	Hash          string          `json:"hash"`
}

func stepEvent(st store.Step) StepEvent {
	return StepEvent{
		Seq: st.Seq, Time: st.Time, CaseID: st.CaseID, Actor: st.Actor, Kind: st.Kind,
		Ref: st.Ref, Tool: st.Tool, Args: st.Args, Decision: st.Decision,
		Reasons: st.Reasons, PolicyVersion: st.PolicyVersion, Status: st.Status,
		Summary: st.Summary, Hash: st.Hash,
	}
}

// caseEvents streams a case's steps as Server-Sent Events: every step after
// ?after=SEQ (or the Last-Event-ID a reconnecting client sends; default 0,
// the whole timeline), then each new step as it is recorded. Each event is
// "event: step", "id: SEQ" and the [StepEvent] as data. The stream ends when
// the client goes away or the server shuts down.
func (s *Server) caseEvents(c *gin.Context) error {
	ctx, id := c.Request.Context(), c.Param("id")
	if _, err := s.app.Store.GetCase(ctx, id); err != nil {
		return err
	}
	after, err := resumeSeq(c)
	if err != nil {
		return err
	}

	h := c.Writer.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	c.Writer.WriteHeaderNow()
	c.Writer.Flush()

	s.stream(c, id, after)
	return nil
}

func resumeSeq(c *gin.Context) (int64, error) {
	v := c.Query("after")
	if v == "" {
		v = c.GetHeader("Last-Event-ID")
	}
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, badRequest("bad_after", "after must be a step sequence number")
	}
	return n, nil
}

// stream polls the case's steps and writes new ones until the client or the
// server goes away.
//
// TODO: every watcher polls; a notification from the store on append would
// spare the idle polls.
func (s *Server) stream(c *gin.Context, id string, after int64) {
	ctx := c.Request.Context()
	poll := time.NewTicker(s.cfg.PollInterval)
	defer poll.Stop()
	keep := time.NewTicker(s.cfg.KeepAlive)
	defer keep.Stop()

	for {
		var err error
		if after, err = s.sendNew(c, id, after); err != nil {
			s.log.Debug("event stream ended", "request_id", requestID(c), "error", err)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-s.done:
			return
		case <-keep.C:
			if _, err := io.WriteString(c.Writer, ": keep-alive\n\n"); err != nil {
				return
			}
			c.Writer.Flush()
		case <-poll.C:
		}
	}
}

// sendNew writes the steps after seq and returns the last seq written.
func (s *Server) sendNew(c *gin.Context, id string, after int64) (int64, error) {
	steps, err := s.app.Store.StepsAfter(c.Request.Context(), id, after)
	if err != nil {
		return after, fmt.Errorf("reading steps: %w", err)
	}
	sent := false
	for _, st := range steps {
		data, err := json.Marshal(stepEvent(st))
		if err != nil {
			return after, fmt.Errorf("encoding step %d: %w", st.Seq, err)
		}
		if _, err := fmt.Fprintf(c.Writer, "event: step\nid: %d\ndata: %s\n\n", st.Seq,
			data); err != nil {
			return after, fmt.Errorf("writing step %d: %w", st.Seq, err)
		}
		after, sent = st.Seq, true
	}
	if sent {
		c.Writer.Flush()
	}
	return after, nil
}
