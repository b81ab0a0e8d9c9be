package agent

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/conductor-sec/conductor/guardrails"
	"github.com/conductor-sec/conductor/internal/store"
)

// ErrNoActor is returned when a proposal names nobody.
var ErrNoActor = errors.New("a proposal needs an actor such as analyst:NAME or mcp:CLIENT")

// Propose runs one action that a person or an outside agent asks for on a
// case, through the same guard, approvals and record as the planner's own.
// The principal's name is the actor ("analyst:lee", "mcp:triage-bot"); an
// action it asks for can never be approved by the same principal.
func (e *Engine) Propose(ctx context.Context, caseID string, p Proposal,
	who guardrails.Principal) (store.Action, error) {
	if !strings.Contains(who.Name, ":") {
		return store.Action{}, fmt.Errorf("proposing %s: %w", p.Tool, ErrNoActor)
	}
	r, err := e.start(ctx, caseID, false)
	if err != nil {
		return store.Action{}, err
	}
	r.who = who
	if err := e.refreshSteps(ctx, r); err != nil {
		return store.Action{}, err
	}
	if p.Ref == "" {
		p.Ref = fmt.Sprintf("%s/%s/%d", who.Name, p.Tool, len(r.view.Steps)+1)
	}

	if err := e.act(ctx, r, p, who.Name); err != nil {
		return store.Action{}, err
	}
	r.stop(StatusDone, "")
	if err := e.finish(ctx, r); err != nil {
		return store.Action{}, err
	}
	acts, err := e.cfg.Store.CaseActions(ctx, caseID)
	if err != nil {
		return store.Action{}, fmt.Errorf("loading actions of %s: %w", caseID, err)
	}
	for _, a := range acts {
		if a.Ref == p.Ref {
			return a, nil
		}
	}
	return store.Action{}, fmt.Errorf("proposal %s was not recorded", p.Ref)
}
