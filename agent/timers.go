package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/conductor-sec/conductor/guardrails"
	"github.com/conductor-sec/conductor/internal/store"
	"github.com/conductor-sec/conductor/tools"
)

// timerActor proposes the undo of a time-limited action that nobody confirmed.
const timerActor = "agent:timer"

// ErrNoTimer is returned when a confirmation names an action without a
// pending time limit.
var ErrNoTimer = errors.New("the action has no pending time limit")

// armTimer gives an allowed reversible action the time limit its decision
// set: when it is due, the undo runs unless a human confirmed the action.
func (e *Engine) armTimer(ctx context.Context, a *store.Action, spec tools.Spec,
	d guardrails.Decision) error {
	// An undo the timer ran is final: were it time-limited too, its own undo
	// would redo the containment, and so on for ever.
	if d.UndoAfter <= 0 || !spec.Reversible || spec.Undo == "" || a.Actor == timerActor {
		return nil
	}
	var args map[string]any
	if err := json.Unmarshal(a.Args, &args); err != nil {
		return fmt.Errorf("arming timer of %s: %w", a.ID, err)
	}
	t := store.Timer{
		ActionID: a.ID, CaseID: a.CaseID, Tool: spec.Undo,
		Args: mustJSON(undoArgs(spec, args)),
		Due:  e.now().UTC().Add(d.UndoAfter),
	}
	// A human already said this containment stands: an agent repeating it
	// must not arm an undo that would lift it.
	kept, err := e.cfg.Store.TimersFor(ctx, t.Tool, t.Args, store.TimerConfirmed)
	if err != nil {
		return fmt.Errorf("arming timer of %s: %w", a.ID, err)
	}
	if len(kept) > 0 {
		return nil
	}
	if _, err := e.cfg.Store.PutTimer(ctx, &t); err != nil {
		return fmt.Errorf("arming timer of %s: %w", a.ID, err)
	}
	return e.record(ctx, &store.Step{
		CaseID: a.CaseID, Actor: timerActor, Kind: "timer", Ref: a.Ref, Tool: spec.Undo,
		Args: t.Args, Status: store.TimerPending,
		Summary: fmt.Sprintf("%s stands until %s; then %s runs unless a human confirms %s",
			a.Tool, t.Due.Format(time.RFC3339), spec.Undo, a.ID),
	})
}

// supersedeTimers cancels the pending time limits an executed containment
// makes moot: a lift (a release, an unblock) ends what they would undo, and a
// containment a human applied or approved stands, so an older agent's timer
// must not lift it later.
func (e *Engine) supersedeTimers(ctx context.Context, a *store.Action, spec tools.Spec,
	human bool) error {
	if spec.Risk != tools.RiskContain || (!spec.Lifts && !human) || spec.Undo == "" {
		return nil
	}
	var args map[string]any
	if err := json.Unmarshal(a.Args, &args); err != nil {
		return fmt.Errorf("superseding timers of %s: %w", a.ID, err)
	}
	undoTool, why := spec.Undo, "applied again by "+a.Actor+" in "+a.ID
	if spec.Lifts {
		undoTool, why = a.Tool, "lifted by "+a.ID
	}
	ts, err := e.cfg.Store.TimersFor(ctx, undoTool, mustJSON(undoArgs(spec, args)),
		store.TimerPending)
	if err != nil {
		return fmt.Errorf("superseding timers of %s: %w", a.ID, err)
	}
	for _, t := range ts {
		err := e.cfg.Store.SettleTimer(ctx, t.ID, store.TimerSuperseded, why)
		if errors.Is(err, store.ErrNotPending) {
			continue
		}
		if err != nil {
			return err
		}
		if err := e.record(ctx, &store.Step{
			CaseID: t.CaseID, Actor: timerActor, Kind: "timer", Tool: t.Tool, Args: t.Args,
			Status:  store.TimerSuperseded,
			Summary: fmt.Sprintf("time limit of %s will not run: %s", t.ActionID, why),
		}); err != nil {
			return err
		}
	}
	return nil
}

// Confirm keeps a time-limited action in force: its timer is cancelled and
// the undo never runs.
func (e *Engine) Confirm(ctx context.Context, actionID string, who guardrails.Principal,
	note string) (store.Timer, error) {
	if err := guardrails.CheckHuman("confirmer", who); err != nil {
		return store.Timer{}, fmt.Errorf("confirming %s: %w", actionID, err)
	}
	t, err := e.cfg.Store.TimerOf(ctx, actionID)
	if errors.Is(err, store.ErrNotFound) {
		if _, aerr := e.cfg.Store.GetAction(ctx, actionID); aerr != nil {
			return t, fmt.Errorf("confirming %s: %w", actionID, aerr)
		}
		return t, fmt.Errorf("confirming %s: %w", actionID, ErrNoTimer)
	}
	if err != nil {
		return t, fmt.Errorf("confirming %s: %w", actionID, err)
	}
	if err := e.cfg.Store.SettleTimer(ctx, t.ID, store.TimerConfirmed,
		who.Name+": "+note); err != nil {
		return t, fmt.Errorf("confirming %s: %w", actionID, ErrNoTimer)
	}
	t.Status = store.TimerConfirmed
	return t, e.record(ctx, &store.Step{
		CaseID: t.CaseID, Actor: who.Name, Kind: "timer", Tool: t.Tool, Args: t.Args,
		Status: store.TimerConfirmed,
		Summary: fmt.Sprintf("%s confirmed %s: it stands; %s will not run (%s)", who.Name,
			actionID, t.Tool, note),
	})
}

// caseView is what the engine knows of a case's findings and entities, for
// deciding an action outside an investigation run.
func (e *Engine) caseView(ctx context.Context, caseID string) (*CaseView, error) {
	fs, err := e.cfg.Store.CaseFindings(ctx, caseID)
	if err != nil {
		return nil, fmt.Errorf("loading findings of %s: %w", caseID, err)
	}
	v := &CaseView{Findings: fs, Entities: mergeEntities(fs)}
	e.resolveHosts(v)
	return v, nil
}

// RunTimers undoes every time-limited action that is due and unconfirmed.
// The undo is an action like any other: proposed by agent:timer, decided by
// the guard and recorded. An undo that does not run (denied, failed, or the
// policy engine down) opens a manual task, so an unconfirmed containment is
// never left standing unnoticed. It returns the timers that fired.
func (e *Engine) RunTimers(ctx context.Context) ([]store.Timer, error) {
	due, err := e.cfg.Store.DueTimers(ctx, e.now().UTC())
	if err != nil {
		return nil, err
	}
	var fired []store.Timer
	for _, t := range due {
		ok, err := e.fireLocked(ctx, t)
		if err != nil {
			return fired, err
		}
		if ok {
			fired = append(fired, t)
		}
	}
	return fired, nil
}

// fireLocked fires one timer under its case's lock; it reports false when
// someone confirmed it meanwhile.
func (e *Engine) fireLocked(ctx context.Context, t store.Timer) (bool, error) {
	unlock, err := e.locks.Lock(ctx, t.CaseID)
	if err != nil {
		return false, err
	}
	defer unlock()

	if err := e.cfg.Store.SettleTimer(ctx, t.ID, store.TimerFired, "due"); err != nil {
		if errors.Is(err, store.ErrNotPending) {
			return false, nil // confirmed meanwhile
		}
		return false, err
	}
	undo, ferr := e.fire(ctx, t)
	if ferr == nil && (undo.Status == ActionExecuted || undo.Status == ActionHeld) {
		return true, nil
	}

	why := fmt.Sprintf("it is %s: %s", undo.Status, undo.Error)
	if ferr != nil {
		why = "it could not be proposed: " + ferr.Error()
		undo = store.Action{CaseID: t.CaseID, Ref: undoRef(t), Tool: t.Tool, Args: t.Args,
			Actor: timerActor}
	}
	return true, errors.Join(ferr, e.undoLost(ctx, undo, why))
}

// undoRef is the step ref of a timer's undo on its case.
func undoRef(t store.Timer) string { return "undo/" + t.ActionID }

// fire proposes the undo of one timer on its case, closed or not: a closed
// case may still hold a containment nobody confirmed. It returns the undo
// action as recorded.
func (e *Engine) fire(ctx context.Context, t store.Timer) (store.Action, error) {
	c, err := e.cfg.Store.GetCase(ctx, t.CaseID)
	if err != nil {
		return store.Action{}, fmt.Errorf("loading case %s: %w", t.CaseID, err)
	}
	r := &run{c: c, planner: e.cfg.Planner, repeats: map[string]int{}}
	if r.view, err = e.caseView(ctx, t.CaseID); err != nil {
		return store.Action{}, err
	}
	if err := e.refreshSteps(ctx, r); err != nil {
		return store.Action{}, err
	}
	p := Proposal{Ref: undoRef(t), Tool: t.Tool, Args: t.Args,
		Reason: "time limit of " + t.ActionID + " reached without confirmation"}
	if err := e.act(ctx, r, p, timerActor); err != nil {
		return store.Action{}, err
	}
	digest, err := guardrails.DigestArgs(p.Args)
	if err != nil {
		return store.Action{}, err
	}
	return e.cfg.Store.ActionByKey(ctx, idempotencyKey(c.ID, p.Ref, p.Tool, digest))
}
