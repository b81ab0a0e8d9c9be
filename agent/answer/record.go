package answer

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/guardrails"
	"github.com/conductor-sec/conductor/internal/finding"
	"github.com/conductor-sec/conductor/internal/store"
)

// record is one case as the answers read it.
type record struct {
	rep      agent.Report
	steps    []store.Step
	findings []finding.Finding
	// byRef indexes steps by their action ref.
	byRef map[string][]store.Step
	// enrichment is the latest enrich step's output, when one decodes.
	enrichment agent.Enrichment
	factors    []agent.ScoreFactor
}

func newRecord(rep agent.Report, steps []store.Step, fs []finding.Finding) *record {
	r := &record{rep: rep, steps: steps, findings: fs, byRef: map[string][]store.Step{}}
	for _, s := range steps {
		if s.Ref != "" {
			r.byRef[s.Ref] = append(r.byRef[s.Ref], s)
		}
		if s.Kind == "enrich" && len(s.Output) > 0 {
			var en agent.Enrichment
			if json.Unmarshal(s.Output, &en) == nil {
				r.enrichment = en
			}
		}
	}
	if len(rep.Case.ScoreFactors) > 0 {
		_ = json.Unmarshal(rep.Case.ScoreFactors, &r.factors)
	}
	return r
}

// actionStep returns the step that best records what became of an action:
// its result, else its decision.
func (r *record) actionStep(a store.Action) (store.Step, bool) {
	var decision store.Step
	found := false
	for _, s := range r.byRef[a.Ref] {
		if s.Tool != a.Tool {
			continue
		}
		if s.Kind == "result" {
			return s, true
		}
		if s.Kind == "decision" && !found {
			decision, found = s, true
		}
	}
	return decision, found
}

// lastStep returns the last step of a kind.
func (r *record) lastStep(kind string) (store.Step, bool) {
	for i := len(r.steps) - 1; i >= 0; i-- {
		if r.steps[i].Kind == kind {
			return r.steps[i], true
		}
	}
	return store.Step{}, false
}

// reasons returns the guard's reasons for an action.
func reasons(a store.Action) []string {
	var d guardrails.Decision
	if len(a.Decision) > 0 && json.Unmarshal(a.Decision, &d) == nil && len(d.Reasons) > 0 {
		return d.Reasons
	}
	if a.Error != "" {
		return []string{a.Error}
	}
	return nil
}

// entity is one observable with the findings that carry it.
type entity struct {
	kind, value string
	roles       []string
	findings    []string
}

// entities returns the distinct observables of the given kinds across the
// findings, in order of first appearance.
func (r *record) entities(kinds ...finding.Kind) []entity {
	idx := map[string]int{}
	var out []entity
	for _, f := range r.findings {
		for _, o := range f.Observables {
			if !slices.Contains(kinds, o.Kind) {
				continue
			}
			k := string(o.Kind) + "\x00" + strings.ToLower(o.Value)
			i, ok := idx[k]
			if !ok {
				i = len(out)
				idx[k] = i
				out = append(out, entity{kind: string(o.Kind), value: o.Value})
			}
			out[i].roles = addOnce(out[i].roles, o.Role)
			out[i].findings = addOnce(out[i].findings, f.ID)
		}
	}
	return out
}

func addOnce(list []string, v string) []string {
	if v == "" {
		return list
	}
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

// emails returns the findings that are reported e-mails.
func (r *record) emails() []finding.Finding {
	var out []finding.Finding
	for _, f := range r.findings {
		if f.Email != nil {
			out = append(out, f)
		}
	}
	return out
}

// assetNames returns the hosts the enrichment resolved, sorted.
func (r *record) assetNames() []string {
	out := make([]string, 0, len(r.enrichment.Assets))
	for name := range r.enrichment.Assets {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}
