// Package casework holds the case operations that the CLI and the API server
// both perform: investigating the cases that freshly ingested findings
// touched, and assembling one case's report document with its timeline.
// Keeping them here means neither front end holds logic the other lacks.
package casework

import (
	"context"
	"errors"
	"fmt"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/internal/finding"
	"github.com/conductor-sec/conductor/internal/report"
	"github.com/conductor-sec/conductor/internal/store"
)

// Engine is the part of [agent.Engine] casework drives.
type Engine interface {
	Ingest(ctx context.Context, fs []finding.Finding) ([]agent.Ingested, error)
	Investigate(ctx context.Context, caseID string) (agent.Report, error)
	CaseReport(ctx context.Context, caseID string) (agent.Report, error)
}

// Steps reads a case's audit steps; [store.Store] is one.
type Steps interface {
	Steps(ctx context.Context, caseID string) ([]store.Step, error)
}

var (
	_ Engine = (*agent.Engine)(nil)
	_ Steps  = (*store.Store)(nil)
)

// Touched returns the ids of the cases findings were placed in, in the order
// each case was first touched, without repeats.
func Touched(placed []agent.Ingested) []string {
	var order []string
	seen := map[string]bool{}
	for _, p := range placed {
		if !seen[p.CaseID] {
			seen[p.CaseID] = true
			order = append(order, p.CaseID)
		}
	}
	return order
}

// Investigate runs one investigation of a case and returns its document with
// the full timeline.
func Investigate(ctx context.Context, e Engine, st Steps, caseID string) (report.Doc, error) {
	rep, err := e.Investigate(ctx, caseID)
	if err != nil {
		return report.Doc{}, err
	}
	return withTimeline(ctx, st, rep)
}

// InvestigateTouched investigates a case new findings were placed in. A
// closed case is not reopened by a repeat sighting of one of its alerts: it
// is returned as it stands, the sighting recorded on it, instead of failing
// the whole upload.
func InvestigateTouched(ctx context.Context, e Engine, st Steps, caseID string) (report.Doc,
	error) {
	d, err := Investigate(ctx, e, st, caseID)
	if errors.Is(err, agent.ErrCaseClosed) {
		return Doc(ctx, e, st, caseID)
	}
	return d, err
}

// Doc returns the document of a case as it stands, with its timeline.
func Doc(ctx context.Context, e Engine, st Steps, caseID string) (report.Doc, error) {
	rep, err := e.CaseReport(ctx, caseID)
	if err != nil {
		return report.Doc{}, err
	}
	return withTimeline(ctx, st, rep)
}

func withTimeline(ctx context.Context, st Steps, rep agent.Report) (report.Doc, error) {
	chain, err := st.Steps(ctx, rep.Case.ID)
	if err != nil {
		return report.Doc{}, fmt.Errorf("loading steps of %s: %w", rep.Case.ID, err)
	}
	return report.Build(rep, chain), nil
}

// IngestAndInvestigate stores findings, correlates them into cases and
// investigates each case they touched, in the order the cases were first
// touched. On error it returns the documents finished so far.
func IngestAndInvestigate(ctx context.Context, e Engine, st Steps,
	fs []finding.Finding) ([]report.Doc, error) {
	placed, err := e.Ingest(ctx, fs)
	if err != nil {
		return nil, err
	}

	ids := Touched(placed)
	docs := make([]report.Doc, 0, len(ids))
	for _, id := range ids {
		d, err := InvestigateTouched(ctx, e, st, id)
		if err != nil {
			return docs, err
		}
		docs = append(docs, d)
	}
	return docs, nil
}
