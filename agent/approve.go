package agent

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/conductor-sec/conductor/guardrails"
	"github.com/conductor-sec/conductor/internal/store"
)

// ApprovalOutcome is what became of a human decision on a held action.
type ApprovalOutcome struct {
	Approval guardrails.Approval `json:"approval"`
	Action   store.Action        `json:"action"`
	// Report is the case after it resumed; empty when it could not resume.
	Report *Report `json:"report,omitempty"`
}

// Approve lets a held action run once, for exactly the call that was held, and
// resumes the case. Refusals (threats T8, T10) are recorded on the case and
// returned as errors wrapping the guardrails sentinel or [ErrCaseClosed] or
// [ErrNotHeld].
func (e *Engine) Approve(ctx context.Context, id string, who guardrails.Principal,
	note string) (ApprovalOutcome, error) {
	ap, a, err := e.loadHeld(ctx, id, who)
	if err != nil {
		return ApprovalOutcome{Approval: ap, Action: a}, err
	}

	now := e.now().UTC()
	permit, err := guardrails.CheckApproval(ap, who, a.Tool, a.Args, a.CaseID, now)
	if err != nil {
		if errors.Is(err, guardrails.ErrApprovalExpired) {
			if xerr := e.expire(ctx, &ap, &a); xerr == nil {
				err = errors.Join(err, e.settle(ctx, ap.CaseID))
			}
		}
		return ApprovalOutcome{Approval: ap, Action: a}, e.refusal(ctx, ap, who, err)
	}
	if err := e.recheck(ctx, &ap, &a, who); err != nil {
		if errors.Is(err, ErrDeniedNow) {
			err = errors.Join(err, e.settle(ctx, ap.CaseID))
		}
		return ApprovalOutcome{Approval: ap, Action: a}, e.refusal(ctx, ap, who, err)
	}
	now = e.now().UTC() // the re-decision took time
	if err := e.cfg.Store.DecideApproval(ctx, ap.ID, "approved", who.Name, note, now); err != nil {
		return ApprovalOutcome{Approval: ap, Action: a},
			e.refusal(ctx, ap, who, fmt.Errorf("approval %s: %w", ap.ID, err))
	}
	if err := e.cfg.Store.MarkApprovalUsed(ctx, ap.ID, now); err != nil {
		return ApprovalOutcome{Approval: ap, Action: a},
			e.refusal(ctx, ap, who, fmt.Errorf("approval %s: %w", ap.ID, err))
	}
	if err := e.record(ctx, &store.Step{
		CaseID: ap.CaseID, Actor: who.Name, Kind: "approval", Ref: a.Ref, Tool: a.Tool,
		Args: a.Args, Decision: "approved", Status: "approved", IdempotencyKey: a.IdempotencyKey,
		Summary: fmt.Sprintf("%s approved %s (%s): %s", who.Name, ap.ID, a.Tool, note),
	}); err != nil {
		return ApprovalOutcome{}, err
	}

	if err := e.execute(ctx, &a, permit); err != nil {
		return ApprovalOutcome{}, err
	}
	if spec, ok := e.cfg.Tools.Spec(a.Tool); ok && a.Status == ActionExecuted {
		// A person approved it: it stands like their own.
		if err := e.supersedeTimers(ctx, &a, spec, true); err != nil {
			return ApprovalOutcome{}, err
		}
	}
	return e.resume(ctx, ap, a)
}

// recheck decides a held action again with the policy and facts in force now,
// before an approval lets it run: a policy reloaded since the hold may deny
// it (a kill rule, an allow-list entry) or want a higher role. A deny voids
// the approval and the action; a higher role leaves it pending for someone
// who has it. The new decision is logged like any other.
func (e *Engine) recheck(ctx context.Context, ap *guardrails.Approval, a *store.Action,
	who guardrails.Principal) error {
	spec, ok := e.cfg.Tools.Spec(a.Tool)
	if !ok {
		return e.voidNow(ctx, ap, a, who, "no tool named "+a.Tool+" is registered now")
	}
	c, err := e.cfg.Store.GetCase(ctx, a.CaseID)
	if err != nil {
		return fmt.Errorf("loading case %s: %w", a.CaseID, err)
	}
	view, err := e.caseView(ctx, a.CaseID)
	if err != nil {
		return err
	}
	req, err := e.request(ctx, &c, view, a, spec, actorRole(a.Actor))
	if err != nil {
		return err
	}
	d := e.cfg.Guard.Decide(ctx, req)
	if err := e.logDecision(ctx, a, req, d); err != nil {
		return err
	}

	reasons := strings.Join(d.Reasons, "; ")
	switch {
	case policyFailed(d):
		// The engine failed, not the action: the approval may be tried again.
		return fmt.Errorf("approval %s: deciding %s again: %s: %w", ap.ID, a.ID, reasons,
			guardrails.ErrNoPolicy)
	case d.Outcome == guardrails.Deny:
		return e.voidNow(ctx, ap, a, who, reasons)
	case d.Outcome == guardrails.NeedsApproval &&
		guardrails.CheckRole(who, d.ApproverRole) != nil:
		why := fmt.Errorf("approval %s: the policy in force now needs the role %s (%s): %w",
			ap.ID, d.ApproverRole, reasons, guardrails.ErrApproverRole)
		if d.ExpiresAt.IsZero() {
			d.ExpiresAt = ap.ExpiresAt
		}
		if err := e.cfg.Store.RaiseApproverRole(ctx, ap.ID, d.ApproverRole, d.Reasons,
			d.ExpiresAt); err != nil {
			return errors.Join(why, err)
		}
		ap.ApproverRole, ap.Reasons, ap.ExpiresAt = d.ApproverRole, d.Reasons, d.ExpiresAt
		return why
	}
	return nil
}

// voidNow voids an approval whose action the policy in force denies, and
// denies the action, for reasons.
func (e *Engine) voidNow(ctx context.Context, ap *guardrails.Approval, a *store.Action,
	who guardrails.Principal, reasons string) error {
	why := fmt.Errorf("approval %s: %w: %s", ap.ID, ErrDeniedNow, reasons)
	if err := e.cfg.Store.DecideApproval(ctx, ap.ID, "void", who.Name, why.Error(),
		e.now().UTC()); err != nil {
		return errors.Join(why, err)
	}
	ap.Status = "void"
	a.Status, a.Error = ActionDenied, reasons
	if err := e.cfg.Store.UpdateAction(ctx, a); err != nil {
		return errors.Join(why, fmt.Errorf("updating action %s: %w", a.ID, err))
	}
	return errors.Join(why, e.undoLost(ctx, *a, "the policy in force denies it: "+reasons))
}

// undoLost opens a manual task when a time limit's undo a did not run and
// will not (it was denied or failed, or its approval expired or is void):
// the containment still stands, and a person must lift it or decide that it
// stays. Other actions than the timer's are left alone.
func (e *Engine) undoLost(ctx context.Context, a store.Action, why string) error {
	if a.Actor != timerActor {
		return nil
	}
	_, err := e.addTask(ctx, a.CaseID, Task{Ref: "manual/" + a.Ref,
		Title: fmt.Sprintf("Run %s by hand, or decide the containment stays: the time "+
			"limit's undo did not run, %s", a.Tool, why),
		Detail: fmt.Sprintf("undo %s %s", a.Tool, a.Args)}, timerActor)
	return err
}

// Reject refuses a held action; it never runs, and the case resumes without it.
func (e *Engine) Reject(ctx context.Context, id string, who guardrails.Principal,
	note string) (ApprovalOutcome, error) {
	ap, a, err := e.loadHeld(ctx, id, who)
	if err != nil {
		return ApprovalOutcome{Approval: ap, Action: a}, err
	}
	if err := guardrails.CheckRejection(ap, who); err != nil {
		return ApprovalOutcome{Approval: ap, Action: a}, e.refusal(ctx, ap, who, err)
	}
	now := e.now().UTC()
	if err := e.cfg.Store.DecideApproval(ctx, ap.ID, "rejected", who.Name, note, now); err != nil {
		return ApprovalOutcome{Approval: ap, Action: a},
			e.refusal(ctx, ap, who, fmt.Errorf("approval %s: %w", ap.ID, err))
	}
	a.Status, a.Error = ActionRejected, "rejected by "+who.Name+": "+note
	if err := e.cfg.Store.UpdateAction(ctx, &a); err != nil {
		return ApprovalOutcome{}, fmt.Errorf("updating action %s: %w", a.ID, err)
	}
	if err := e.record(ctx, &store.Step{
		CaseID: ap.CaseID, Actor: who.Name, Kind: "approval", Ref: a.Ref, Tool: a.Tool,
		Args: a.Args, Decision: "rejected", Status: ActionRejected,
		IdempotencyKey: a.IdempotencyKey,
		Summary:        fmt.Sprintf("%s rejected %s (%s): %s", who.Name, ap.ID, a.Tool, note),
	}); err != nil {
		return ApprovalOutcome{}, err
	}
	return e.resume(ctx, ap, a)
}

// loadHeld loads an approval and its action and checks that the case is open
// and the action still waits (threat T10). A refusal is recorded.
func (e *Engine) loadHeld(ctx context.Context, id string,
	who guardrails.Principal) (guardrails.Approval, store.Action, error) {
	ap, err := e.cfg.Store.GetApproval(ctx, id)
	if err != nil {
		return ap, store.Action{}, fmt.Errorf("loading approval %s: %w", id, err)
	}
	a, err := e.cfg.Store.GetAction(ctx, ap.ActionID)
	if err != nil {
		return ap, a, fmt.Errorf("loading action %s: %w", ap.ActionID, err)
	}
	c, err := e.cfg.Store.GetCase(ctx, ap.CaseID)
	if err != nil {
		return ap, a, fmt.Errorf("loading case %s: %w", ap.CaseID, err)
	}

	var why error
	switch {
	case c.State == store.StateClosed:
		why = fmt.Errorf("case %s: %w", c.ID, ErrCaseClosed)
	case a.Status != ActionHeld:
		why = fmt.Errorf("action %s is %s: %w", a.ID, a.Status, ErrNotHeld)
	}
	if why != nil {
		if ap.Status == "pending" {
			if e.cfg.Store.DecideApproval(ctx, ap.ID, "void", who.Name, why.Error(),
				e.now().UTC()) == nil {
				why = errors.Join(why, e.undoLost(ctx, a, "its approval is void: "+why.Error()))
			}
		}
		return ap, a, e.refusal(ctx, ap, who, why)
	}
	return ap, a, nil
}

// refusal records a refused approval attempt and returns the cause.
func (e *Engine) refusal(ctx context.Context, ap guardrails.Approval, who guardrails.Principal,
	cause error) error {
	if err := e.record(ctx, &store.Step{
		CaseID: ap.CaseID, Actor: who.Name, Kind: "approval_refused", Tool: ap.Tool,
		Args: ap.Args, Decision: "refused", Status: "refused",
		Summary: fmt.Sprintf("approval %s by %s refused: %v", ap.ID, who.Name, cause),
	}); err != nil {
		return errors.Join(cause, err)
	}
	return cause
}

// expire marks a lapsed approval expired and its action with it; it is
// store.ErrNotPending when someone decided the approval meanwhile.
func (e *Engine) expire(ctx context.Context, ap *guardrails.Approval, a *store.Action) error {
	now := e.now().UTC()
	if err := e.cfg.Store.DecideApproval(ctx, ap.ID, "expired", "system", "expired",
		now); err != nil {
		return err
	}
	ap.Status = "expired"
	a.Status, a.Error = ActionExpired, "approval expired at "+ap.ExpiresAt.String()
	if err := e.cfg.Store.UpdateAction(ctx, a); err != nil {
		return fmt.Errorf("marking action %s expired: %w", a.ID, err)
	}
	return nil
}

func (e *Engine) resume(ctx context.Context, ap guardrails.Approval,
	a store.Action) (ApprovalOutcome, error) {
	out := ApprovalOutcome{Approval: ap, Action: a}
	if fresh, err := e.cfg.Store.GetApproval(ctx, ap.ID); err == nil {
		out.Approval = fresh
	}
	rep, err := e.Investigate(ctx, a.CaseID)
	if err != nil {
		return out, fmt.Errorf("resuming case %s: %w", a.CaseID, err)
	}
	out.Report = &rep
	return out, nil
}

// ExpireApprovals marks every pending approval past its expiry as expired;
// its action never runs, and a case left waiting for nothing settles on what
// it has (without planning again). Each case is handled under its lock. It
// returns how many expired.
func (e *Engine) ExpireApprovals(ctx context.Context) (int, error) {
	pending, err := e.cfg.Store.ListApprovals(ctx, "pending")
	if err != nil {
		return 0, fmt.Errorf("listing approvals: %w", err)
	}
	now, n := e.now().UTC(), 0
	for _, ap := range pending {
		if now.Before(ap.ExpiresAt) {
			continue
		}
		expired, err := e.expireLocked(ctx, ap)
		if err != nil {
			return n, err
		}
		if expired {
			n++
		}
	}
	return n, nil
}

// expireLocked expires one approval under its case's lock; it reports false
// when someone decided it first.
func (e *Engine) expireLocked(ctx context.Context, ap guardrails.Approval) (bool, error) {
	unlock, err := e.locks.Lock(ctx, ap.CaseID)
	if err != nil {
		return false, err
	}
	defer unlock()

	a, err := e.cfg.Store.GetAction(ctx, ap.ActionID)
	if err != nil {
		return false, fmt.Errorf("loading action %s: %w", ap.ActionID, err)
	}
	if err := e.expire(ctx, &ap, &a); errors.Is(err, store.ErrNotPending) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if err := e.record(ctx, &store.Step{
		CaseID: ap.CaseID, Actor: "system:expiry", Kind: "approval", Ref: a.Ref,
		Tool: a.Tool, Decision: "expired", Status: ActionExpired,
		Summary: fmt.Sprintf("approval %s for %s expired; the action will not run",
			ap.ID, a.Tool),
	}); err != nil {
		return true, err
	}
	if err := e.undoLost(ctx, a, "its approval expired"); err != nil {
		return true, err
	}
	return true, e.settle(ctx, ap.CaseID)
}

// settle gives a case that waits for approval the state its actions now
// warrant, without planning: after the last of its approvals expired or was
// voided, it no longer waits for anybody.
func (e *Engine) settle(ctx context.Context, caseID string) error {
	c, err := e.cfg.Store.GetCase(ctx, caseID)
	if err != nil {
		return fmt.Errorf("loading case %s: %w", caseID, err)
	}
	if c.State != store.StateWaitingApproval {
		return nil
	}
	return e.finish(ctx, &run{c: c, planner: e.cfg.Planner, status: StatusDone})
}

// Resume finishes work a previous process left: actions marked running (the
// process died between the tool call and its record) are decided again and
// retried with their idempotency key, so the tool acts once (threat T9); cases
// left investigating are investigated again. It returns the cases touched.
func (e *Engine) Resume(ctx context.Context) ([]string, error) {
	running, err := e.cfg.Store.ActionsByStatus(ctx, ActionRunning, ActionProposed)
	if err != nil {
		return nil, fmt.Errorf("listing unfinished actions: %w", err)
	}
	cases := map[string]bool{}
	for _, a := range running {
		a.Status = ActionProposed
		if err := e.cfg.Store.UpdateAction(ctx, &a); err != nil {
			return nil, fmt.Errorf("resetting action %s: %w", a.ID, err)
		}
		cases[a.CaseID] = true
	}
	open, err := e.cfg.Store.ListCases(ctx, store.CaseFilter{State: store.StateInvestigating})
	if err != nil {
		return nil, fmt.Errorf("listing open cases: %w", err)
	}
	for _, c := range open {
		cases[c.ID] = true
	}

	ids := sortedKeys(cases)
	for _, id := range ids {
		if _, err := e.Investigate(ctx, id); err != nil {
			return ids, err
		}
	}
	return ids, nil
}

// ResumePaused investigates again, each under its lock, the cases a policy
// engine failure paused: their actions left proposed are decided again. Call
// it once a policy is in force (the server does on every timer tick); it
// returns the cases it resumed.
func (e *Engine) ResumePaused(ctx context.Context) ([]string, error) {
	paused, err := e.cfg.Store.ListCases(ctx, store.CaseFilter{State: store.StatePaused})
	if err != nil {
		return nil, fmt.Errorf("listing paused cases: %w", err)
	}
	var ids []string
	for _, c := range paused {
		if !hasFlag(&c, FlagPolicyError) {
			continue // paused for another reason (the planner failed): a human decides
		}
		unlock, err := e.locks.Lock(ctx, c.ID)
		if err != nil {
			return ids, err
		}
		_, err = e.Investigate(ctx, c.ID)
		unlock()
		if err != nil {
			return ids, fmt.Errorf("resuming %s: %w", c.ID, err)
		}
		ids = append(ids, c.ID)
	}
	return ids, nil
}

// retryProposed decides again, and runs when allowed, the case's actions
// left proposed: the process died before their decision, or the policy
// engine failed (no valid policy), and a planner that sees them recorded
// would not propose them again.
func (e *Engine) retryProposed(ctx context.Context, r *run) error {
	if err := e.refreshSteps(ctx, r); err != nil {
		return err
	}
	acts, err := e.cfg.Store.CaseActions(ctx, r.c.ID)
	if err != nil {
		return fmt.Errorf("loading actions of %s: %w", r.c.ID, err)
	}
	for _, a := range acts {
		if a.Status != ActionProposed {
			continue
		}
		spec, ok := e.cfg.Tools.Spec(a.Tool)
		if !ok {
			if err := e.refuse(ctx, &a, "unknown_tool: no tool named "+a.Tool); err != nil {
				return err
			}
			continue
		}
		if err := e.decideAndRun(ctx, r, &a, spec); err != nil {
			return err
		}
		if r.status != "" {
			break // the policy engine failed again: the case pauses
		}
	}
	return nil
}
