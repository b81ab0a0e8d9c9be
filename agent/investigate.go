package agent

import (
	"context"

	"fmt"
	"strings"

	"github.com/conductor-sec/conductor/guardrails"
	"github.com/conductor-sec/conductor/internal/store"
)

// Investigation outcomes, in [Report.Status].
const (
	StatusDone            = "done"
	StatusWaitingApproval = "waiting_approval"
	StatusBudgetExhausted = "budget_exhausted"
	StatusPaused          = "paused"
)

// Report is what one investigation run left on a case.
type Report struct {
	Case      store.Case            `json:"case"`
	Status    string                `json:"status"`
	Reason    string                `json:"reason,omitempty"`
	Actions   []store.Action        `json:"actions"`
	Tasks     []store.Task          `json:"tasks"`
	Approvals []guardrails.Approval `json:"approvals"`
	Usage     Usage                 `json:"usage"`
}

// run is the mutable state of one investigation.
type run struct {
	c store.Case
	// who is the person or client acting, when not the planner.
	who     guardrails.Principal
	planner Planner
	view    *CaseView
	usage   Usage
	repeats map[string]int
	status  string
	reason  string
}

// Investigate enriches, scores and plans a case until the planner is done, a
// budget runs out, or the policy engine fails. It can be called again at any
// time (after an approval, after a restart) and continues where the case is.
func (e *Engine) Investigate(ctx context.Context, caseID string) (Report, error) {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Budgets.MaxDuration)
	defer cancel()

	r, err := e.start(ctx, caseID, true)
	if err != nil {
		return Report{}, err
	}
	if err := e.retryProposed(ctx, r); err != nil {
		return Report{}, err
	}
	return e.drive(ctx, r)
}

// drive plans rounds on a started run until the planner is done or a budget
// runs out, then records the outcome.
func (e *Engine) drive(ctx context.Context, r *run) (Report, error) {
	for round := 0; r.status == ""; round++ {
		if round >= e.cfg.Budgets.MaxRounds {
			r.stop(StatusBudgetExhausted, fmt.Sprintf("round budget of %d used", round))
			break
		}
		if err := e.round(ctx, r); err != nil {
			return Report{}, err
		}
	}

	if err := e.finish(ctx, r); err != nil {
		return Report{}, err
	}
	return e.report(ctx, r)
}

// distrustBenign keeps a planner from clearing a case whose text tries to
// instruct it (threat T1): "mark this benign" is the commonest injection, and
// an obedient model complies. Such a verdict becomes suspicious, for a human
// to confirm, whichever planner gave it; it reports whether it changed the
// plan.
func distrustBenign(plan *Plan, c *store.Case) bool {
	if !plan.Done || plan.Verdict != "benign" || !hasFlag(c, FlagSuspectedInjection) {
		return false
	}
	plan.Verdict = "suspicious"
	plan.Summary = "The planner called this case benign, but the case text tries to " +
		"instruct the agent (suspected prompt injection); a human should confirm. " +
		"The planner's summary: " + plan.Summary
	return true
}

func (r *run) stop(status, reason string) {
	if r.status == "" {
		r.status, r.reason = status, reason
	}
}

// start loads and enriches the case and records that the investigation began.
// plan says the run will call the planner, which is what recalled similar
// cases are for.
func (e *Engine) start(ctx context.Context, caseID string, plan bool) (*run, error) {
	c, err := e.cfg.Store.GetCase(ctx, caseID)
	if err != nil {
		return nil, fmt.Errorf("loading case %s: %w", caseID, err)
	}
	if c.State == store.StateClosed {
		return nil, fmt.Errorf("investigating %s: %w", caseID, ErrCaseClosed)
	}

	fs, err := e.cfg.Store.CaseFindings(ctx, caseID)
	if err != nil {
		return nil, fmt.Errorf("loading findings of %s: %w", caseID, err)
	}
	before := c.Score
	view, err := e.enrich(ctx, &c, fs, plan)
	if err != nil {
		return nil, err
	}

	r := &run{c: c, planner: e.cfg.Planner, view: view, repeats: map[string]int{}}
	if c.Planner != "" && e.cfg.Fallback != nil && c.Planner == e.cfg.Fallback.Name() &&
		hasFlag(&c, FlagPlannerFallback) {
		r.planner = e.cfg.Fallback
	}
	r.c.Planner = r.planner.Name()
	r.c.State = store.StateInvestigating
	if err := e.cfg.Store.UpdateCase(ctx, &r.c); err != nil {
		return nil, fmt.Errorf("updating case %s: %w", caseID, err)
	}
	if before != c.Score || c.Planner == "" {
		if err := e.recordEnrichment(ctx, r); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (e *Engine) recordEnrichment(ctx context.Context, r *run) error {
	en := r.view.Enrichment
	summary := fmt.Sprintf("score %d (%s), confidence %.2f; %d intel hits, %d assets, %d users, "+
		"%d related cases", r.c.Score, r.c.Severity, r.c.Confidence, len(en.Intel),
		len(en.Assets), len(en.Users), len(en.Related))
	if hasFlag(&r.c, FlagSuspectedInjection) {
		summary += "; case text tries to instruct the agent: suspected prompt injection"
	}
	return e.record(ctx, &store.Step{
		CaseID: r.c.ID, Actor: "system:enrich", Kind: "enrich", Status: "done",
		Output: mustJSON(en), Summary: summary,
	})
}

// round asks the planner once and acts on what it proposes.
func (e *Engine) round(ctx context.Context, r *run) error {
	if ctx.Err() != nil {
		r.stop(StatusBudgetExhausted, "time budget of "+e.cfg.Budgets.MaxDuration.String()+" used")
		return nil
	}
	if err := e.refreshSteps(ctx, r); err != nil {
		return err
	}

	plan, err := e.plan(ctx, r)
	if err != nil || r.status != "" {
		return err
	}

	progressed, err := e.apply(ctx, r, plan)
	if err != nil {
		return err
	}
	if plan.Done {
		if distrustBenign(&plan, &r.c) {
			e.log.Warn("benign verdict on a suspected injection case kept as suspicious",
				"case_id", r.c.ID, "planner", r.planner.Name())
		}
		r.c.Verdict = plan.Verdict
		r.c.Summary = plan.Summary
		r.stop(StatusDone, "")
	} else if !progressed {
		r.stop(StatusDone, "planner proposed nothing new")
	}
	return nil
}

// plan calls the planner, falling back to the playbook planner when the
// configured one fails.
func (e *Engine) plan(ctx context.Context, r *run) (Plan, error) {
	plan, err := r.planner.Plan(ctx, r.view)
	if err == nil {
		r.usage = r.usage.Add(plan.Usage)
		if r.usage.PromptTokens+r.usage.CompletionTokens > e.cfg.Budgets.MaxTokens {
			r.stop(StatusBudgetExhausted, fmt.Sprintf("token budget of %d used",
				e.cfg.Budgets.MaxTokens))
		}
		return plan, nil
	}
	if ctx.Err() != nil {
		r.stop(StatusBudgetExhausted, "time budget used while planning")
		return Plan{}, nil
	}
	if e.cfg.Fallback == nil || r.planner == e.cfg.Fallback {
		r.stop(StatusPaused, "planner failed: "+err.Error())
		return Plan{}, nil
	}

	e.log.Warn("planner failed, falling back", "case_id", r.c.ID,
		"planner", r.planner.Name(), "error", err)
	addFlag(&r.c, FlagPlannerFallback)
	if err := e.record(ctx, &store.Step{
		CaseID: r.c.ID, Actor: "system:engine", Kind: "planner_fallback", Status: "done",
		Summary: fmt.Sprintf("planner %s failed (%v); %s planner takes over",
			r.planner.Name(), err, e.cfg.Fallback.Name()),
	}); err != nil {
		return Plan{}, err
	}
	r.planner = e.cfg.Fallback
	r.c.Planner = r.planner.Name()
	return e.plan(ctx, r)
}

// apply runs a plan's new proposals and tasks; it reports whether anything
// new happened.
func (e *Engine) apply(ctx context.Context, r *run, plan Plan) (bool, error) {
	done := map[string]bool{}
	for _, s := range r.view.Steps {
		done[s.Ref] = true
	}
	actor := "agent:" + r.planner.Name()
	progressed := false

	for _, p := range plan.Actions {
		if done[p.Ref] || r.status != "" {
			continue
		}
		done[p.Ref] = true
		if !e.withinBudget(r, p) {
			break
		}
		progressed = true
		if err := e.act(ctx, r, p, actor); err != nil {
			return false, err
		}
	}

	for _, t := range plan.Tasks {
		if done[t.Ref] {
			continue
		}
		done[t.Ref] = true
		added, err := e.addTask(ctx, r.c.ID, t, actor)
		if err != nil {
			return false, err
		}
		progressed = progressed || added
	}
	return progressed, nil
}

// withinBudget enforces the action budget and stops a planner that keeps
// proposing the same call under new names (threat T12).
func (e *Engine) withinBudget(r *run, p Proposal) bool {
	n := 0
	for _, s := range r.view.Steps {
		if s.Tool != "" {
			n++
		}
	}
	if n >= e.cfg.Budgets.MaxActions {
		r.stop(StatusBudgetExhausted, fmt.Sprintf("action budget of %d used",
			e.cfg.Budgets.MaxActions))
		return false
	}
	d, _ := guardrails.DigestArgs(p.Args)
	key := p.Tool + "\x00" + d
	r.repeats[key]++
	if r.repeats[key] > 3 {
		r.stop(StatusBudgetExhausted, fmt.Sprintf("planner repeated %s with the same "+
			"arguments %d times", p.Tool, r.repeats[key]))
		return false
	}
	r.view.Steps = append(r.view.Steps, StepView{Ref: p.Ref, Tool: p.Tool, Status: "proposed"})
	return true
}

func (e *Engine) addTask(ctx context.Context, caseID string, t Task, actor string) (bool, error) {
	task := store.Task{CaseID: caseID, Ref: t.Ref, Title: t.Title, Detail: t.Detail,
		Status: "open"}
	existing, err := e.cfg.Store.PutTask(ctx, &task)
	if err != nil || existing {
		return false, err
	}
	return true, e.record(ctx, &store.Step{
		CaseID: caseID, Actor: actor, Kind: "task", Ref: t.Ref, Status: "manual",
		Summary: "human decision needed: " + t.Title,
	})
}

// finish sets the case state from what its actions and approvals say.
func (e *Engine) finish(ctx context.Context, r *run) error {
	acts, err := e.cfg.Store.CaseActions(ctx, r.c.ID)
	if err != nil {
		return fmt.Errorf("loading actions of %s: %w", r.c.ID, err)
	}
	held, contained := 0, false
	for _, a := range acts {
		switch {
		case a.Status == "held":
			held++
		case a.Status == "executed" && e.isContainment(a.Tool):
			contained = true
		}
	}

	switch {
	case r.status == StatusPaused:
		r.c.State = store.StatePaused
	case held > 0:
		r.c.State = store.StateWaitingApproval
		if r.status == StatusDone {
			r.status = StatusWaitingApproval
		}
	case contained:
		r.c.State = store.StateContained
	default:
		r.c.State = store.StateTriaged
	}
	if r.status == StatusBudgetExhausted {
		addFlag(&r.c, FlagBudgetExhausted)
	}
	if r.c.Verdict == "" {
		r.c.Verdict = "inconclusive"
	}
	if err := e.cfg.Store.UpdateCase(ctx, &r.c); err != nil {
		return fmt.Errorf("updating case %s: %w", r.c.ID, err)
	}
	return e.recordOutcome(ctx, r, held)
}

func (e *Engine) recordOutcome(ctx context.Context, r *run, held int) error {
	var b strings.Builder
	fmt.Fprintf(&b, "verdict %s, score %d, state %s", r.c.Verdict, r.c.Score, r.c.State)
	if held > 0 {
		fmt.Fprintf(&b, "; %d actions wait for approval", held)
	}
	if r.reason != "" {
		fmt.Fprintf(&b, "; %s: %s", r.status, r.reason)
	}
	return e.record(ctx, &store.Step{
		CaseID: r.c.ID, Actor: "agent:" + r.planner.Name(), Kind: "verdict",
		Status: r.status, Summary: b.String(), Output: mustJSON(map[string]any{
			"verdict": r.c.Verdict, "confidence": r.c.Confidence, "summary": r.c.Summary,
		}),
	})
}

func (e *Engine) isContainment(tool string) bool {
	s, ok := e.cfg.Tools.Spec(tool)
	return ok && (s.Risk == "containment" || s.Risk == "destructive")
}

func (e *Engine) report(ctx context.Context, r *run) (Report, error) {
	rep, err := e.CaseReport(ctx, r.c.ID)
	if err != nil {
		return Report{}, err
	}
	rep.Status, rep.Reason, rep.Usage = r.status, r.reason, r.usage
	return rep, nil
}

// CaseReport loads a case with its actions, tasks and approvals.
func (e *Engine) CaseReport(ctx context.Context, caseID string) (Report, error) {
	c, err := e.cfg.Store.GetCase(ctx, caseID)
	if err != nil {
		return Report{}, fmt.Errorf("loading case %s: %w", caseID, err)
	}
	rep := Report{Case: c}
	if rep.Actions, err = e.cfg.Store.CaseActions(ctx, caseID); err != nil {
		return Report{}, fmt.Errorf("loading actions of %s: %w", caseID, err)
	}
	if rep.Tasks, err = e.cfg.Store.CaseTasks(ctx, caseID); err != nil {
		return Report{}, fmt.Errorf("loading tasks of %s: %w", caseID, err)
	}
	if rep.Approvals, err = e.cfg.Store.CaseApprovals(ctx, caseID, ""); err != nil {
		return Report{}, fmt.Errorf("loading approvals of %s: %w", caseID, err)
	}
	return rep, nil
}

// Add returns the sum of two usages.
func (u Usage) Add(o Usage) Usage {
	return Usage{
		Calls:            u.Calls + o.Calls,
		PromptTokens:     u.PromptTokens + o.PromptTokens,
		CompletionTokens: u.CompletionTokens + o.CompletionTokens,
	}
}
