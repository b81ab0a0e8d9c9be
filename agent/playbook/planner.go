// Package playbook is the default planner: deterministic playbooks written in
// YAML, with conditions and arguments as expr-lang expressions.
//
// A playbook names a trigger, an ordered list of steps (tool calls, human
// decision points, calls of other playbooks) and the rules that give a
// verdict. The planner picks the highest-priority playbook whose trigger
// matches the case and, each time the engine asks, proposes the next steps
// whose earlier steps are all recorded. Every expression is compiled once at
// load against a typed environment, so a typo fails at start-up, naming the
// file, line, playbook and step. The format is documented in
// docs/playbooks.md.
//
// Expressions only read the case view; they never run a tool. Values taken
// from case data (entities, step outputs) are data: they become arguments, and
// the guard decides what runs.
package playbook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/tools"
)

// Config configures a [Planner].
type Config struct {
	// Dir is a folder of *.yaml playbooks that replace embedded playbooks of
	// the same name and add new ones; empty means the embedded playbooks only.
	Dir string
	// Logger receives warnings about expressions that fail on a case; nil
	// discards them.
	Logger *slog.Logger
}

// Planner proposes steps from playbooks. It keeps no state between calls: every
// Plan call works from the case view alone, so it is safe for concurrent use
// and survives restarts.
type Planner struct {
	set *Set
	log *slog.Logger
}

var _ agent.Planner = (*Planner)(nil)

// New loads the playbooks and returns a planner.
func New(cfg Config) (*Planner, error) {
	set, err := Load(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("loading playbooks: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "playbook")
	log.Debug("playbooks loaded", "count", len(set.ordered), "dir", cfg.Dir)
	return &Planner{set: set, log: log}, nil
}

// Name returns "playbook".
func (p *Planner) Name() string { return "playbook" }

// Playbooks lists the loaded playbooks, highest priority first.
func (p *Planner) Playbooks() []Info { return p.set.Playbooks() }

// Source returns the YAML of the named playbook.
func (p *Planner) Source(name string) ([]byte, bool) { return p.set.Source(name) }

// Validate checks every tool step against the tools the engine offers: the
// tool must exist and each argument must be in its schema. Run it at start-up
// with the registry's specs.
func (p *Planner) Validate(specs []tools.Spec) error { return p.set.Validate(specs) }

// Plan proposes the next steps of the playbook chosen for the case. Steps run
// in the order written: a step is proposed once every step before it is
// recorded (any status), except that parallel steps go out with the step
// before them. Decision points become tasks and do not hold up later steps.
// When nothing is left to propose, the plan is Done with the verdict.
func (p *Planner) Plan(ctx context.Context, view *agent.CaseView) (agent.Plan, error) {
	if view == nil {
		return agent.Plan{}, errors.New("planning: no case view")
	}
	r := newEvaluator(view)
	pbs := p.chooseAll(r)
	if len(pbs) == 0 {
		return r.noPlaybook(), nil
	}

	out := agent.Plan{}
	for i, pb := range pbs {
		for _, name := range append([]string{pb.name}, pb.calls...) {
			if !slices.Contains(out.Playbooks, name) {
				out.Playbooks = append(out.Playbooks, name)
			}
		}
		groups := pb.groups
		if i > 0 {
			groups = withoutCalls(pb.alsoGroups, pb, pbs[0].calls)
		}
		for _, g := range groups {
			if err := ctx.Err(); err != nil {
				return agent.Plan{}, fmt.Errorf("planning case %s: %w", view.Case.ID, err)
			}
			if p.proposeGroup(r, g, &out) {
				p.logRound(view, &out)
				return out, nil
			}
		}
	}
	p.finishAll(r, pbs, &out)
	p.logRound(view, &out)
	return out, nil
}

// withoutCalls drops the steps of playbooks that the chosen playbook already
// calls (notify-soc, say), so a case gets one ticket and one notification.
func withoutCalls(groups [][]*flatStep, pb *playbook, called []string) [][]*flatStep {
	var out [][]*flatStep
	for _, g := range groups {
		var keep []*flatStep
		for _, f := range g {
			if f.owner == pb || !slices.Contains(called, f.owner.name) {
				keep = append(keep, f)
			}
		}
		if len(keep) > 0 {
			out = append(out, keep)
		}
	}
	return out
}

// maxAlso caps the playbooks that run after the chosen one on one case.
const maxAlso = 2

// chooseAll returns the highest-priority playbook whose trigger matches,
// followed by every other specific playbook whose trigger matches: a case
// that correlates a reported phish with the sign-in it led to needs both
// responses. Fallback playbooks (priority 0) and those the first one already
// calls do not run again. generic-triage (priority 0, trigger true) is the
// fallback by its own definition, so an override can narrow or disable it. A
// trigger that fails on this case counts as not matching; each trigger is
// evaluated once.
func (p *Planner) chooseAll(r *evaluator) []*playbook {
	var out []*playbook
	for _, pb := range p.set.ordered {
		if len(out) > maxAlso {
			break
		}
		if pb.trigger == nil {
			continue
		}
		if len(out) > 0 && (pb.priority <= 0 || slices.Contains(out[0].calls, pb.name)) {
			continue
		}
		ok, err := r.trigger(pb)
		if err != nil {
			p.log.Warn("trigger failed", "case_id", r.ix.view.Case.ID, "playbook", pb.name,
				"error", err)
		}
		if ok {
			out = append(out, pb)
		}
	}
	return out
}

// finishAll ends the plan with the first playbook's verdict and summary, made
// graver by any later playbook that found worse.
func (p *Planner) finishAll(r *evaluator, pbs []*playbook, out *agent.Plan) {
	p.finish(r, pbs[0], out)
	for _, pb := range pbs[1:] {
		v, c := p.verdict(r, pb)
		if verdictRank[v] > verdictRank[out.Verdict] {
			out.Verdict, out.Confidence = v, c
		}
		out.Summary = joinSentences(out.Summary, p.summary(r, pb, v))
	}
}

// verdictRank orders verdicts from the mildest: a later playbook may only
// make the case graver.
var verdictRank = map[string]int{"benign": 0, "inconclusive": 1, "suspicious": 2,
	"malicious": 3}

func (r *evaluator) trigger(pb *playbook) (bool, error) {
	r.scope(pb, nil)
	return r.bool(pb.trigger)
}

func (p *Planner) logRound(view *agent.CaseView, out *agent.Plan) {
	p.log.Debug("plan round", "case_id", view.Case.ID, "playbooks", out.Playbooks,
		"actions", len(out.Actions), "tasks", len(out.Tasks), "done", out.Done,
		"verdict", out.Verdict)
}

// noPlaybook ends a case no playbook can handle with a task for a human.
func (r *evaluator) noPlaybook() agent.Plan {
	out := agent.Plan{
		Done: true, Verdict: "inconclusive", Confidence: r.ix.view.Case.Confidence,
		Summary: "No playbook matches this case; it needs manual triage.",
	}
	const ref = "manual-triage"
	if r.ix.status(ref) == "" {
		out.Tasks = []agent.Task{{Ref: ref, Title: "Triage this case by hand: no playbook " +
			"matches it"}}
	}
	return out
}
