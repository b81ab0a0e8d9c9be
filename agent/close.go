package agent

import (
	"context"
	"fmt"
	"slices"

	"github.com/conductor-sec/conductor/guardrails"
	"github.com/conductor-sec/conductor/internal/store"
)

// Verdicts a case can end with.
var Verdicts = []string{"malicious", "suspicious", "benign", "inconclusive"}

// ErrBadVerdict is returned for a verdict outside [Verdicts].
var ErrBadVerdict = fmt.Errorf("verdict must be one of %v", Verdicts)

// Close records an analyst's final word on a case, kept beside the planner's
// verdict, and closes it. Pending approvals of the case become void: their
// actions never run (threat T10).
func (e *Engine) Close(ctx context.Context, caseID, verdict, note string,
	who guardrails.Principal) (store.Case, error) {
	if !slices.Contains(Verdicts, verdict) {
		return store.Case{}, fmt.Errorf("closing %s with %q: %w", caseID, verdict, ErrBadVerdict)
	}
	c, err := e.cfg.Store.GetCase(ctx, caseID)
	if err != nil {
		return store.Case{}, fmt.Errorf("loading case %s: %w", caseID, err)
	}
	if c.State == store.StateClosed {
		return c, fmt.Errorf("closing %s: %w", caseID, ErrCaseClosed)
	}

	now := e.now().UTC()
	c.State, c.ClosedAt = store.StateClosed, now
	c.AnalystVerdict, c.AnalystNote, c.AnalystName = verdict, note, who.Name
	if err := e.cfg.Store.UpdateCase(ctx, &c); err != nil {
		return store.Case{}, fmt.Errorf("closing case %s: %w", caseID, err)
	}
	voided, err := e.voidApprovals(ctx, caseID, who)
	if err != nil {
		return store.Case{}, err
	}

	summary := fmt.Sprintf("%s closed the case as %s (planner said %s): %s",
		who.Name, verdict, c.Verdict, note)
	if voided > 0 {
		summary += fmt.Sprintf("; %d pending approvals voided", voided)
	}
	err = e.record(ctx, &store.Step{
		CaseID: caseID, Actor: who.Name, Kind: "close", Status: store.StateClosed,
		Decision: verdict, Summary: summary,
	})
	if err == nil {
		e.rememberClosed(ctx, caseID)
	}
	return c, err
}

func (e *Engine) voidApprovals(ctx context.Context, caseID string,
	who guardrails.Principal) (int, error) {
	pending, err := e.cfg.Store.CaseApprovals(ctx, caseID, "pending")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, ap := range pending {
		err := e.cfg.Store.DecideApproval(ctx, ap.ID, "void", who.Name, "case closed",
			e.now().UTC())
		if err != nil {
			return n, fmt.Errorf("voiding approval %s: %w", ap.ID, err)
		}
		a, err := e.cfg.Store.GetAction(ctx, ap.ActionID)
		if err != nil {
			return n, fmt.Errorf("loading action %s: %w", ap.ActionID, err)
		}
		a.Status, a.Error = "superseded", "case closed before approval"
		if err := e.cfg.Store.UpdateAction(ctx, &a); err != nil {
			return n, fmt.Errorf("updating action %s: %w", a.ID, err)
		}
		n++
	}
	return n, nil
}
