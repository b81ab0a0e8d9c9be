package playbook

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/conductor-sec/conductor/agent"
)

// proposeGroup adds a group's proposals and tasks to the plan and reports
// whether any proposal is still unrecorded, which holds back later groups.
func (p *Planner) proposeGroup(r *evaluator, g []*flatStep, out *agent.Plan) bool {
	pending := false
	for _, f := range g {
		actions, tasks := p.expand(r, f)
		for _, a := range actions {
			if r.ix.status(a.Ref) == "" {
				out.Actions = append(out.Actions, a)
				pending = true
			}
		}
		for _, t := range tasks {
			if r.ix.status(t.Ref) == "" {
				out.Tasks = append(out.Tasks, t)
			}
		}
	}
	return pending
}

// loopItem is one element of a for_each, or the single run of a plain step.
type loopItem struct {
	ref   string
	value any
}

// expand turns a step into proposals or tasks. An expression that fails on
// this case becomes a task for a human rather than a silent skip.
func (p *Planner) expand(r *evaluator, f *flatStep) ([]agent.Proposal, []agent.Task) {
	ok, err := r.guardsPass(f)
	if err != nil {
		return nil, []agent.Task{p.failTask(r, f, f.ref, err)}
	}
	if !ok {
		return nil, nil
	}
	items, err := p.items(r, f)
	if err != nil {
		return nil, []agent.Task{p.failTask(r, f, f.ref, err)}
	}

	var actions []agent.Proposal
	var tasks []agent.Task
	for _, it := range items {
		a, t, err := r.expandItem(f, it)
		switch {
		case err != nil:
			tasks = append(tasks, p.failTask(r, f, it.ref, err))
		case a != nil:
			actions = append(actions, *a)
		case t != nil:
			tasks = append(tasks, *t)
		}
	}
	return actions, tasks
}

// guardsPass evaluates the when of every call that led to this step.
func (r *evaluator) guardsPass(f *flatStep) (bool, error) {
	for _, g := range f.guards {
		r.scope(g.owner, nil)
		ok, err := r.bool(g.when)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// items expands a for_each into distinct, non-empty items with their refs.
func (p *Planner) items(r *evaluator, f *flatStep) ([]loopItem, error) {
	if f.forEach == nil {
		return []loopItem{{ref: f.ref}}, nil
	}
	r.scope(f.owner, nil)
	vals, err := r.list(f.forEach)
	if err != nil {
		return nil, fmt.Errorf("for_each: %w", err)
	}

	var out []loopItem
	seen := map[string]bool{}
	for _, v := range vals {
		s := itemString(v)
		ref := f.ref + "/" + refPart(s)
		if s == "" || seen[ref] {
			continue
		}
		seen[ref] = true
		out = append(out, loopItem{ref: ref, value: v})
	}
	if len(out) > maxItems {
		p.log.Warn("for_each cut", "case_id", r.ix.view.Case.ID, "step", f.ref,
			"items", len(out), "limit", maxItems)
		out = out[:maxItems]
	}
	return out, nil
}

// expandItem evaluates when, then builds the proposal or task for one item.
func (r *evaluator) expandItem(f *flatStep, it loopItem) (*agent.Proposal, *agent.Task,
	error) {
	r.scope(f.owner, it.value)
	if f.when != nil {
		ok, err := r.bool(f.when)
		if err != nil || !ok {
			return nil, nil, err
		}
	}
	if f.kind == decisionStep {
		t, err := r.decision(f, it)
		return nil, t, err
	}
	return r.proposal(f, it)
}

func (r *evaluator) decision(f *flatStep, it loopItem) (*agent.Task, error) {
	title, err := r.text(f.decision)
	if err != nil {
		return nil, fmt.Errorf("decision: %w", err)
	}
	detail, err := r.text(f.detail)
	if err != nil {
		return nil, fmt.Errorf("detail: %w", err)
	}
	return &agent.Task{Ref: it.ref, Title: title, Detail: detail}, nil
}

// proposal builds a tool call. A tool the engine did not list becomes a task
// to do it by hand, with the arguments, instead of a call that cannot run.
func (r *evaluator) proposal(f *flatStep, it loopItem) (*agent.Proposal, *agent.Task,
	error) {
	args, err := r.args(f)
	if err != nil {
		return nil, nil, err
	}
	reason, err := r.text(f.reason)
	if err != nil {
		return nil, nil, fmt.Errorf("reason: %w", err)
	}
	if reason == "" {
		reason = fmt.Sprintf("playbook %s, step %s", f.owner.name, f.id)
	}
	if !r.ix.hasTool(f.tool) {
		return nil, &agent.Task{
			Ref:    it.ref,
			Title:  fmt.Sprintf("Run %s by hand: the tool is not available", f.tool),
			Detail: fmt.Sprintf("%s Arguments: %s", reason, args),
		}, nil
	}
	return &agent.Proposal{Ref: it.ref, Tool: f.tool, Args: args, Reason: reason}, nil, nil
}

func (r *evaluator) args(f *flatStep) (json.RawMessage, error) {
	if f.args == nil {
		return json.RawMessage(`{}`), nil
	}
	v, err := f.args.eval(r)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding args: %w", err)
	}
	return b, nil
}

// failTask turns a failed expression into a task; it is logged until the
// task is recorded, not on every later round.
func (p *Planner) failTask(r *evaluator, f *flatStep, ref string, err error) agent.Task {
	if r.ix.status(ref) == "" {
		p.log.Warn("step expression failed", "case_id", r.ix.view.Case.ID,
			"playbook", f.owner.name, "step", ref, "error", err)
	}
	return agent.Task{
		Ref:    ref,
		Title:  fmt.Sprintf("Check step %s by hand: the playbook could not evaluate it", ref),
		Detail: fmt.Sprintf("%s (%s:%d): %v", f.owner.name, f.owner.file, f.line, err),
	}
}

// finish ends the case: the verdict from the first matching rule, the summary,
// and the steps still waiting for a human.
func (p *Planner) finish(r *evaluator, pb *playbook, out *agent.Plan) {
	out.Done = true
	out.Verdict, out.Confidence = p.verdict(r, pb)

	out.Summary = joinSentences(p.summary(r, pb, out.Verdict), r.waiting(out.Tasks))
}

// summary is pb's summary of the case under verdict, or a default one when
// the playbook has none or it fails.
func (p *Planner) summary(r *evaluator, pb *playbook, verdict string) string {
	r.scope(pb, nil)
	r.cur.Verdict = verdict
	s, err := r.text(pb.summary)
	if err != nil {
		p.log.Warn("summary failed", "case_id", r.ix.view.Case.ID, "playbook", pb.name,
			"error", err)
	}
	if s == "" {
		s = r.defaultSummary(pb, verdict)
	}
	return s
}

// verdict returns the first matching rule's verdict. A rule that fails ends
// the search with inconclusive: passing over it could fall through to a
// benign catch-all on a case the failed rule would have called malicious.
func (p *Planner) verdict(r *evaluator, pb *playbook) (string, float64) {
	r.scope(pb, nil)
	for _, rule := range pb.verdicts {
		ok := true
		if rule.when != nil {
			var err error
			if ok, err = r.bool(rule.when); err != nil {
				p.log.Warn("verdict rule failed", "case_id", r.ix.view.Case.ID,
					"playbook", pb.name, "error", err)
				break
			}
		}
		if ok {
			return rule.verdict, p.confidence(r, pb, rule)
		}
	}
	return "inconclusive", r.ix.view.Case.Confidence
}

// confidence is the rule's, when it sets one, else the case's.
func (p *Planner) confidence(r *evaluator, pb *playbook, rule verdictRule) float64 {
	c := r.ix.view.Case.Confidence
	switch {
	case rule.fixed != nil:
		c = *rule.fixed
	case rule.confidence != nil:
		f, err := r.float(rule.confidence)
		if err != nil {
			p.log.Warn("confidence failed", "case_id", r.ix.view.Case.ID,
				"playbook", pb.name, "error", err)
			break
		}
		c = f
	}
	return min(max(c, 0), 1)
}

func (r *evaluator) defaultSummary(pb *playbook, verdict string) string {
	counts := map[string]int{}
	for _, st := range r.ix.steps {
		counts[st.Status]++
	}
	return fmt.Sprintf("Playbook %s finished with verdict %s at score %d: %d actions "+
		"executed, %d held, %d denied, %d failed.", pb.name, verdict, r.ix.view.Case.Score,
		counts[statusExecuted], counts[statusHeld], counts[statusDenied], counts[statusFailed])
}

// waiting lists what a human still has to do: held actions, manual steps and
// the tasks of this plan.
func (r *evaluator) waiting(tasks []agent.Task) string {
	var refs []string
	for i := range r.ix.view.Steps {
		st := &r.ix.view.Steps[i]
		if r.ix.steps[st.Ref] == st && isWaiting(st) {
			refs = append(refs, fmt.Sprintf("%s (%s)", st.Ref, st.Status))
		}
	}
	for _, t := range tasks {
		refs = append(refs, t.Ref+" (task)")
	}
	if len(refs) == 0 {
		return ""
	}
	return "Waiting for a human: " + strings.Join(refs, ", ") + "."
}

func joinSentences(a, b string) string {
	a = strings.TrimSpace(a)
	if b == "" {
		return a
	}
	return a + " " + b
}
