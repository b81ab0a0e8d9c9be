package agent

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/conductor-sec/conductor/internal/finding"
	"github.com/conductor-sec/conductor/internal/store"
	"github.com/conductor-sec/conductor/memory"
)

// Memory remembers closed cases and recalls the ones most like a case at
// hand; [memory.Memory] implements it. Recalled cases are hints for the
// planner and the analyst: a case's text is partly written by whoever sent
// the alert, so similarity alone never raises a score.
type Memory interface {
	Remember(ctx context.Context, doc memory.CaseDoc) error
	Recall(ctx context.Context, doc memory.CaseDoc, k int) ([]memory.Hit, error)
}

var _ Memory = (*memory.Memory)(nil)

// recallLimit is how many similar closed cases enrichment adds.
const recallLimit = 3

// Remember puts a closed case into memory, replacing what memory held of it.
// Close calls it; it is exported for rebuilding memory from the case store.
// Without a configured memory it does nothing.
func (e *Engine) Remember(ctx context.Context, caseID string) error {
	if e.cfg.Memory == nil {
		return nil
	}
	c, err := e.cfg.Store.GetCase(ctx, caseID)
	if err != nil {
		return fmt.Errorf("loading case %s: %w", caseID, err)
	}
	if c.State != store.StateClosed {
		return fmt.Errorf("remembering %s: the case is %s, not closed", caseID, c.State)
	}
	keys, err := e.cfg.Store.CaseKeys(ctx, caseID)
	if err != nil {
		return fmt.Errorf("remembering %s: %w", caseID, err)
	}
	return e.cfg.Memory.Remember(ctx, closedDoc(&c, keys))
}

// rememberClosed remembers a case Close has just closed. A failure is logged,
// not returned: the case is closed and recorded either way, and memory can be
// rebuilt from the case store.
func (e *Engine) rememberClosed(ctx context.Context, caseID string) {
	if err := e.Remember(ctx, caseID); err != nil {
		e.log.Warn("case not remembered", "case_id", caseID, "error", err)
	}
}

// closedDoc is what memory keeps of a closed case: its indexed entity keys
// (structured fields only, as correlation uses them), the analyst's verdict
// over the planner's, and both summaries.
func closedDoc(c *store.Case, keys []string) memory.CaseDoc {
	verdict := c.AnalystVerdict
	if verdict == "" {
		verdict = c.Verdict
	}
	summary := strings.TrimSpace(c.Summary + " " + c.AnalystNote)
	return memory.CaseDoc{
		CaseID: c.ID, Title: c.Title, Verdict: verdict, Techniques: c.Techniques,
		Entities: keys, Summary: summary, ClosedAt: c.ClosedAt,
	}
}

// recallSimilar adds the closed cases most like this one to the related
// cases. A failing memory costs the hint, not the investigation.
func (e *Engine) recallSimilar(ctx context.Context, c *store.Case, fs []finding.Finding,
	v *CaseView) {
	if e.cfg.Memory == nil {
		return
	}
	keys := e.correlationKeys(&finding.Finding{Observables: v.Entities})
	hits, err := e.cfg.Memory.Recall(ctx, openDoc(c, fs, keys), recallLimit)
	if err != nil {
		e.log.Warn("similar cases not recalled", "case_id", c.ID, "error", err)
		return
	}
	mergeRecalled(&v.Enrichment, hits)
}

// openDoc describes a case under investigation the way [closedDoc] describes
// a closed one, from its findings. It carries no verdict: recall asks what
// happened before, not what was concluded, and a verdict from an earlier run
// would only pull in cases that agree with it.
func openDoc(c *store.Case, fs []finding.Finding, keys []string) memory.CaseDoc {
	var techs, titles []string
	for _, f := range fs {
		techs = append(techs, f.Techniques...)
		if f.Title != c.Title && !slices.Contains(titles, f.Title) {
			titles = append(titles, f.Title)
		}
	}
	return memory.CaseDoc{
		CaseID: c.ID, Title: c.Title, Techniques: techs, Entities: keys,
		Summary: strings.Join(titles, "; "),
	}
}

// mergeRecalled adds recalled cases to the related ones. A case already
// related through shared entities gets its similarity, not a second entry.
func mergeRecalled(en *Enrichment, hits []memory.Hit) {
	for _, h := range hits {
		id := h.Payload.CaseID
		if id == "" {
			id = h.ID
		}
		sim := math.Round(float64(h.Score)*1000) / 1000
		i := slices.IndexFunc(en.Related, func(r RelatedCase) bool { return r.ID == id })
		if i >= 0 {
			en.Related[i].Similarity = sim
			continue
		}
		en.Related = append(en.Related, RelatedCase{
			ID: id, Title: h.Payload.Title, Verdict: h.Payload.Verdict, Shared: []string{},
			Similarity: sim,
		})
	}
}
