package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/conductor-sec/conductor/guardrails"
	"github.com/conductor-sec/conductor/internal/store"
	"github.com/conductor-sec/conductor/tools"
)

// Action statuses the engine writes.
const (
	ActionProposed = "proposed"
	ActionHeld     = "held"
	ActionRunning  = "running"
	ActionExecuted = "executed"
	ActionDenied   = "denied"
	ActionFailed   = "failed"
	ActionRejected = "rejected"
	ActionExpired  = "expired"
)

// terminal reports whether an action will not change again on its own.
func terminal(status string) bool {
	switch status {
	case ActionExecuted, ActionDenied, ActionFailed, ActionRejected, ActionExpired,
		"superseded":
		return true
	}
	return false
}

// idempotencyKey is stable for the same logical step of the same case with
// the same arguments, across retries and restarts.
func idempotencyKey(caseID, ref, tool, argsDigest string) string {
	sum := sha256.Sum256([]byte(caseID + "\x00" + ref + "\x00" + tool + "\x00" + argsDigest))
	return "idem-" + hex.EncodeToString(sum[:16])
}

// act takes one proposal through validation, the guard and, when allowed, the
// tool. Every outcome is recorded.
func (e *Engine) act(ctx context.Context, r *run, p Proposal, actor string) error {
	if len(p.Args) == 0 {
		p.Args = json.RawMessage(`{}`)
	}
	digest, derr := guardrails.DigestArgs(p.Args)
	a := store.Action{
		CaseID: r.c.ID, Ref: p.Ref, Tool: p.Tool, Args: p.Args, Actor: actor,
		Status: ActionProposed, Reason: p.Reason,
		IdempotencyKey: idempotencyKey(r.c.ID, p.Ref, p.Tool, digest),
	}
	existing, err := e.cfg.Store.PutAction(ctx, &a)
	if err != nil {
		return fmt.Errorf("recording action %s: %w", p.Ref, err)
	}
	if existing && (terminal(a.Status) || a.Status == ActionHeld) {
		return nil
	}

	spec, ok := e.cfg.Tools.Spec(p.Tool)
	switch {
	case !ok:
		return e.refuse(ctx, &a, "unknown_tool: no tool named "+p.Tool)
	case derr != nil:
		return e.refuse(ctx, &a, "invalid_arguments: arguments are not valid JSON")
	}
	if err := e.cfg.Tools.Validate(p.Tool, p.Args); err != nil {
		return e.refuse(ctx, &a, "invalid_arguments: "+err.Error())
	}
	return e.decideAndRun(ctx, r, &a, spec)
}

// decideAndRun asks the guard about a valid action and follows its decision.
func (e *Engine) decideAndRun(ctx context.Context, r *run, a *store.Action, spec tools.Spec) error {
	role := actorRole(a.Actor)
	if r.who.Name != "" && r.who.Name == a.Actor {
		role = r.who.Role
	}
	req, err := e.request(ctx, &r.c, r.view, a, spec, role)
	if err != nil {
		return err
	}
	d := e.cfg.Guard.Decide(ctx, req)
	if err := e.logDecision(ctx, a, req, d); err != nil {
		return err
	}

	switch d.Outcome {
	case guardrails.Allow:
		if err := e.execute(ctx, a, d.Permit); err != nil || a.Status != ActionExecuted {
			return err
		}
		if err := e.supersedeTimers(ctx, a, spec,
			strings.HasPrefix(a.Actor, "analyst:")); err != nil {
			return err
		}
		return e.armTimer(ctx, a, spec, d)
	case guardrails.NeedsApproval:
		return e.hold(ctx, a, d)
	}
	a.Status, a.Error = ActionDenied, strings.Join(d.Reasons, "; ")
	if policyFailed(d) {
		// The engine failed, not the action: it stays proposed, and the next
		// run (a resume, a re-investigation once a policy loads) decides it
		// again instead of treating the failure as the policy's answer.
		a.Status = ActionProposed
		addFlag(&r.c, FlagPolicyError)
		e.log.Error("policy engine failed; case paused", "case_id", r.c.ID,
			"action_id", a.ID, "reasons", d.Reasons)
		r.stop(StatusPaused, "policy engine failed: "+strings.Join(d.Reasons, "; "))
	}
	if err := e.cfg.Store.UpdateAction(ctx, a); err != nil {
		return fmt.Errorf("updating action %s: %w", a.ID, err)
	}
	return nil
}

func policyFailed(d guardrails.Decision) bool {
	for _, r := range d.Reasons {
		if strings.HasPrefix(r, "policy_error") {
			return true
		}
	}
	return false
}

// refuse records an action that never reached the guard because it is not a
// well-formed call (threat T3): it is denied, and no connector is called.
func (e *Engine) refuse(ctx context.Context, a *store.Action, reason string) error {
	a.Status, a.Error = ActionDenied, reason
	if err := e.cfg.Store.UpdateAction(ctx, a); err != nil {
		return fmt.Errorf("updating action %s: %w", a.ID, err)
	}
	return e.record(ctx, &store.Step{
		CaseID: a.CaseID, Actor: a.Actor, Kind: "decision", Ref: a.Ref, Tool: a.Tool,
		Args: a.Args, Decision: string(guardrails.Deny), Reasons: []string{reason},
		Status: ActionDenied, IdempotencyKey: a.IdempotencyKey,
		Summary: a.Tool + " refused before policy: " + reason,
	})
}

// logDecision writes the decision log row and the decision step: the record
// written before the action runs.
func (e *Engine) logDecision(ctx context.Context, a *store.Action, req guardrails.Request,
	d guardrails.Decision) error {
	a.Decision = mustJSON(d)
	if err := e.cfg.Store.PutDecision(ctx, store.DecisionRecord{
		ID: d.ID, ActionID: a.ID, CaseID: a.CaseID, Tool: a.Tool, Time: d.Time,
		Input: mustJSON(req), InputDigest: d.InputDigest, Outcome: string(d.Outcome),
		Reasons: d.Reasons, PolicyVersion: d.PolicyVersion,
	}); err != nil {
		return fmt.Errorf("logging decision for %s: %w", a.ID, err)
	}
	status := map[guardrails.Outcome]string{
		guardrails.Allow: "allowed", guardrails.NeedsApproval: ActionHeld,
	}[d.Outcome]
	if status == "" {
		status = ActionDenied
	}
	return e.record(ctx, &store.Step{
		CaseID: a.CaseID, Actor: a.Actor, Kind: "decision", Ref: a.Ref, Tool: a.Tool,
		Args: a.Args, Decision: string(d.Outcome), Reasons: d.Reasons,
		PolicyVersion: d.PolicyVersion, Status: status, IdempotencyKey: a.IdempotencyKey,
		Summary: fmt.Sprintf("%s %s: %s", a.Tool, d.Outcome, strings.Join(d.Reasons, "; ")),
	})
}

// hold turns a needs_approval decision into a pending approval.
func (e *Engine) hold(ctx context.Context, a *store.Action, d guardrails.Decision) error {
	digest, err := guardrails.DigestArgs(a.Args)
	if err != nil {
		return fmt.Errorf("holding action %s: %w", a.ID, err)
	}
	now := e.now().UTC()
	exp := d.ExpiresAt
	if exp.IsZero() {
		exp = now.Add(24 * time.Hour)
	}
	role := d.ApproverRole
	if role == "" {
		role = "lead"
	}
	ap := guardrails.Approval{
		ActionID: a.ID, CaseID: a.CaseID, Tool: a.Tool, Args: a.Args, ArgsDigest: digest,
		RequestedBy: a.Actor, ApproverRole: role, Reasons: d.Reasons, CreatedAt: now,
		ExpiresAt: exp, Status: "pending",
	}
	if err := e.cfg.Store.PutApproval(ctx, &ap); err != nil {
		return fmt.Errorf("storing approval for %s: %w", a.ID, err)
	}
	a.Status, a.ApprovalID = ActionHeld, ap.ID
	if err := e.cfg.Store.UpdateAction(ctx, a); err != nil {
		return fmt.Errorf("updating action %s: %w", a.ID, err)
	}
	return nil
}

// execute runs an allowed action. The action is durably marked running with
// its idempotency key before the tool is called, so a restart retries it with
// the same key and the tool acts once (threat T9).
func (e *Engine) execute(ctx context.Context, a *store.Action, p guardrails.Permit) error {
	a.Status = ActionRunning
	if err := e.cfg.Store.UpdateAction(ctx, a); err != nil {
		return fmt.Errorf("marking action %s running: %w", a.ID, err)
	}

	res, attempts, err := e.cfg.Tools.Invoke(ctx, p, tools.Call{
		Tool: a.Tool, Args: a.Args, IdempotencyKey: a.IdempotencyKey,
		CaseID: a.CaseID, Actor: a.Actor,
	})
	a.Attempts += attempts
	if err != nil {
		return e.fail(ctx, a, err)
	}

	a.Status, a.Result, a.Error = ActionExecuted, res.Output, ""
	if err := e.cfg.Store.UpdateAction(ctx, a); err != nil {
		return fmt.Errorf("updating action %s: %w", a.ID, err)
	}
	summary := res.Summary
	if res.Replayed {
		summary += " (already done under this idempotency key; not repeated)"
	}
	return e.record(ctx, &store.Step{
		CaseID: a.CaseID, Actor: a.Actor, Kind: "result", Ref: a.Ref, Tool: a.Tool,
		Args: a.Args, Status: ActionExecuted, Output: res.Output, Summary: summary,
		IdempotencyKey: a.IdempotencyKey,
	})
}

// fail records a tool error that outlasted the retries and turns the step into
// manual work, so nothing is silently skipped.
func (e *Engine) fail(ctx context.Context, a *store.Action, cause error) error {
	a.Status, a.Error = ActionFailed, cause.Error()
	if err := e.cfg.Store.UpdateAction(ctx, a); err != nil {
		return fmt.Errorf("updating action %s: %w", a.ID, err)
	}
	e.log.Warn("tool failed after retries", "case_id", a.CaseID, "action_id", a.ID,
		"tool", a.Tool, "attempts", a.Attempts, "error", cause)

	task := store.Task{
		CaseID: a.CaseID, Ref: "manual/" + a.Ref, Status: "open",
		Title:  fmt.Sprintf("Run %s by hand: the tool failed after %d attempts", a.Tool, a.Attempts),
		Detail: fmt.Sprintf("arguments %s; last error: %v", a.Args, cause),
	}
	if _, err := e.cfg.Store.PutTask(ctx, &task); err != nil {
		return fmt.Errorf("adding manual task for %s: %w", a.ID, err)
	}
	return e.record(ctx, &store.Step{
		CaseID: a.CaseID, Actor: a.Actor, Kind: "result", Ref: a.Ref, Tool: a.Tool,
		Args: a.Args, Status: ActionFailed, IdempotencyKey: a.IdempotencyKey,
		Summary: fmt.Sprintf("%s failed after %d attempts: %v; manual task %s opened",
			a.Tool, a.Attempts, cause, task.ID),
	})
}

// refreshSteps reloads the recorded actions and tasks into the view.
func (e *Engine) refreshSteps(ctx context.Context, r *run) error {
	acts, err := e.cfg.Store.CaseActions(ctx, r.c.ID)
	if err != nil {
		return fmt.Errorf("loading actions of %s: %w", r.c.ID, err)
	}
	tasks, err := e.cfg.Store.CaseTasks(ctx, r.c.ID)
	if err != nil {
		return fmt.Errorf("loading tasks of %s: %w", r.c.ID, err)
	}

	steps := make([]StepView, 0, len(acts)+len(tasks))
	for _, a := range acts {
		steps = append(steps, stepView(a))
	}
	for _, t := range tasks {
		steps = append(steps, StepView{Ref: t.Ref, Status: "manual", Summary: t.Title})
	}
	r.view.Steps = steps
	r.view.Case = caseInfo(&r.c)
	return nil
}

func stepView(a store.Action) StepView {
	v := StepView{Ref: a.Ref, Tool: a.Tool, Args: a.Args, Status: a.Status, Output: a.Result}
	var d guardrails.Decision
	if json.Unmarshal(a.Decision, &d) == nil {
		v.Decision, v.Reasons = string(d.Outcome), d.Reasons
	}
	if a.Error != "" {
		v.Summary = a.Error
	}
	return v
}
