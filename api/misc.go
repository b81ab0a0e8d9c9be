package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/conductor-sec/conductor/internal/telemetry"
)

// auditReport is the body of GET /audit/verify.
type auditReport struct {
	OK bool `json:"ok"`
	// Checked counts the steps verified before the first broken link.
	Checked int `json:"checked"`
	// BrokenSeq is the first broken step, 0 when OK.
	BrokenSeq int64  `json:"broken_seq,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

func (s *Server) verifyAudit(c *gin.Context) error {
	rep, err := s.app.Store.VerifyChain(c.Request.Context())
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, auditReport{OK: rep.OK, Checked: rep.Checked,
		BrokenSeq: rep.BrokenSeq, Reason: rep.Reason})
	return nil
}

// logEvent is one telemetry event in GET /logs/search.
type logEvent struct {
	ID      int64           `json:"id"`
	Time    time.Time       `json:"time,omitzero"`
	Host    string          `json:"host,omitempty"`
	Source  string          `json:"source,omitempty"`
	EventID string          `json:"event_id,omitempty"`
	Raw     json.RawMessage `json:"raw"`
}

// logResult is the body of GET /logs/search.
type logResult struct {
	Total  int        `json:"total"`
	Events []logEvent `json:"events"`
}

func (s *Server) searchLogs(c *gin.Context) error {
	q := telemetry.Query{Text: c.Query("q")}
	var err error
	if q.Limit, err = intQuery(c, "limit", 20, 1, 1000); err != nil {
		return err
	}
	if q.Since, err = timeQuery(c, "since"); err != nil {
		return err
	}
	if q.Until, err = timeQuery(c, "until"); err != nil {
		return err
	}

	res, err := s.app.Telemetry.Search(c.Request.Context(), q)
	if err != nil {
		return err
	}
	out := logResult{Total: res.Total, Events: make([]logEvent, len(res.Events))}
	for i, e := range res.Events {
		out.Events[i] = logEvent{ID: e.ID, Time: e.Time, Host: e.Host, Source: e.Source,
			EventID: e.EventID, Raw: rawJSON(e.Raw)}
	}
	c.JSON(http.StatusOK, out)
	return nil
}

func (s *Server) policyStatus(c *gin.Context) error {
	if s.app.Guard == nil {
		return apiErr(http.StatusServiceUnavailable, "no_policy", guardMessages["no_policy"],
			nil)
	}
	c.JSON(http.StatusOK, s.app.Guard.Status())
	return nil
}

// rawJSON returns raw when it is valid JSON and raw as a JSON string
// otherwise, so one odd event cannot break the response.
func rawJSON(raw []byte) json.RawMessage {
	if json.Valid(raw) {
		return raw
	}
	b, _ := json.Marshal(string(raw))
	return b
}
