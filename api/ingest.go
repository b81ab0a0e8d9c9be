package api

import (
	"fmt"
	"net/http"
	"path"
	"regexp"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/internal/casework"
	"github.com/conductor-sec/conductor/internal/ingest"
	"github.com/conductor-sec/conductor/internal/report"
)

// maxRecordErrors caps how many unparsable records an ingest response
// lists; the count is always complete.
const maxRecordErrors = 50

// ingestResponse is the body of POST /ingest.
type ingestResponse struct {
	Name     string `json:"name"`
	Findings int    `json:"findings"`
	// Skipped counts records of a known format that are not alerts.
	Skipped int `json:"skipped"`
	// Errors lists unparsable records (at most 50); ErrorCount counts them all.
	Errors     []string         `json:"errors"`
	ErrorCount int              `json:"error_count"`
	Placed     []agent.Ingested `json:"placed"`
	Cases      []report.Doc     `json:"cases"`
}

// ingestUpload parses an uploaded alert file or reported e-mail, correlates
// its findings into cases and investigates each case they touched.
//
// TODO: the response waits for every investigation; a webhook sender with a
// short timeout would want an asynchronous mode (202 with the case ids, then
// the event streams).
func (s *Server) ingestUpload(c *gin.Context) error {
	name := uploadName(c.Query("name"), c.ContentType())
	data, err := readCapped(c, s.cfg.MaxIngestBytes)
	if err != nil {
		return err
	}
	res, err := ingest.Parse(name, data, s.ingest)
	if err != nil {
		return err
	}
	out := ingestResponse{Name: name, Findings: len(res.Findings), Skipped: res.Skipped,
		Errors: recordErrors(res.Errors), ErrorCount: len(res.Errors),
		Placed: []agent.Ingested{}, Cases: []report.Doc{}}
	if len(res.Findings) == 0 {
		return apiErr(http.StatusUnprocessableEntity, "no_findings", noFindings(name, res),
			nil)
	}

	ctx := c.Request.Context()
	if out.Placed, err = s.app.Engine.Ingest(ctx, res.Findings); err != nil {
		return err
	}
	for _, id := range casework.Touched(out.Placed) {
		doc, err := s.investigateLocked(c, id)
		if err != nil {
			return err
		}
		out.Cases = append(out.Cases, doc)
	}
	c.JSON(http.StatusOK, out)
	return nil
}

func (s *Server) investigateLocked(c *gin.Context, id string) (report.Doc, error) {
	ctx := c.Request.Context()
	unlock, err := s.locks.Lock(ctx, id)
	if err != nil {
		return report.Doc{}, err
	}
	defer unlock()
	return casework.InvestigateTouched(ctx, s.app.Engine, s.app.Store, id)
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// uploadName is the file name the parsers see: the base of ?name= with
// anything but letters, digits, '.', '_' and '-' replaced, or a default
// that follows the content type. The parsers use it to recognise .eml files
// and in error messages.
func uploadName(name, contentType string) string {
	name = unsafeName.ReplaceAllString(path.Base(strings.ReplaceAll(name, `\`, "/")), "_")
	name = strings.TrimLeft(name, ".")
	if len(name) > 100 {
		name = name[len(name)-100:]
	}
	if name != "" && name != "_" {
		return name
	}
	if contentType == "message/rfc822" {
		return "upload.eml"
	}
	return "upload.json"
}

func recordErrors(errs []ingest.RecordError) []string {
	out := make([]string, 0, min(len(errs), maxRecordErrors))
	for i, e := range errs {
		if i == maxRecordErrors {
			break
		}
		out = append(out, e.Error())
	}
	return out
}

func noFindings(name string, res ingest.Result) string {
	msg := fmt.Sprintf("no alerts found in %s", name)
	if res.Skipped > 0 {
		msg += fmt.Sprintf("; %d records are not alerts", res.Skipped)
	}
	if len(res.Errors) > 0 {
		msg += fmt.Sprintf("; %d records could not be parsed, the first: %s",
			len(res.Errors), res.Errors[0].Error())
	}
	return msg
}
