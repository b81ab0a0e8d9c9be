package agent

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/conductor-sec/conductor/internal/finding"
	"github.com/conductor-sec/conductor/internal/store"
)

// Ingested says where one finding went.
type Ingested struct {
	FindingID string `json:"finding_id"`
	CaseID    string `json:"case_id"`
	NewCase   bool   `json:"new_case"`
	Duplicate bool   `json:"duplicate"`
	Count     int    `json:"count"`
}

// correlationKinds are the entity kinds that join findings into one case.
// Processes and file names are too common across unrelated incidents.
var correlationKinds = map[finding.Kind]bool{
	finding.KindIP: true, finding.KindDomain: true, finding.KindURL: true,
	finding.KindHash: true, finding.KindEmail: true, finding.KindUser: true,
	finding.KindHost: true,
}

// ingestBatch is how many findings one durable transaction takes.
const ingestBatch = 5000

// Ingest stores findings and correlates them into cases in durable batches:
// exact duplicates raise a count, findings sharing an entity with an open case
// within the window join it, the rest open new cases. Large inputs go in
// batches of [ingestBatch] on two workers, so one batch is encoded while
// another commits; results keep the order of fs.
func (e *Engine) Ingest(ctx context.Context, fs []finding.Finding) ([]Ingested, error) {
	res := make([]Ingested, len(fs))
	if len(fs) <= ingestBatch {
		return res, e.ingest(ctx, fs, res)
	}

	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(2)
	for lo := 0; lo < len(fs); lo += ingestBatch {
		hi := min(lo+ingestBatch, len(fs))
		g.Go(func() error { return e.ingest(gctx, fs[lo:hi], res[lo:hi]) })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return res, nil
}

// ingest correlates one batch, writing its results into out.
func (e *Engine) ingest(ctx context.Context, fs []finding.Finding, out []Ingested) error {
	items := make([]store.CorrelateItem, len(fs))
	for i := range fs {
		items[i] = store.CorrelateItem{Finding: fs[i], Keys: e.correlationKeys(&fs[i])}
	}

	placed, err := e.cfg.Store.Correlate(ctx, items, store.CorrelateOptions{
		Window: e.cfg.Window,
		Now:    e.now().UTC(),
		Actor:  "system:ingest",
	})
	if err != nil {
		return fmt.Errorf("ingesting %d findings: %w", len(fs), err)
	}

	for i, a := range placed {
		out[i] = Ingested{
			FindingID: a.FindingID, CaseID: a.CaseID, NewCase: a.NewCase,
			Duplicate: a.Duplicate, Count: a.Count,
		}
	}
	return nil
}

// correlationKeys picks the entities that may join this finding to a case.
// Recipients, reporters and the organisation's own domains are left out: many
// e-mails share them, so they would glue unrelated cases together. So are values
// merely mentioned in free text, which an attacker writes: only a structured
// field, or a link the e-mail parser extracted, may join cases.
func (e *Engine) correlationKeys(f *finding.Finding) []string {
	var keys []string
	seen := map[string]bool{}
	for _, o := range f.Observables {
		if !correlationKinds[o.Kind] || o.Role == "recipient" || o.Role == "reporter" {
			continue
		}
		if o.Origin == finding.OriginText && o.Role != "link" {
			continue
		}
		if o.Kind == finding.KindDomain && e.internalDomain(o.Value) {
			continue
		}
		k := string(o.Kind) + ":" + strings.ToLower(o.Value)
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys
}

func (e *Engine) internalDomain(d string) bool {
	return e.cfg.Directory != nil && e.cfg.Directory.IsInternalDomain(d)
}
