package playbook

import (
	"encoding/json"
	"strings"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/internal/finding"
)

// index holds what the environment functions look up in one case view, built
// once per Plan call so that a function call is a map lookup.
type index struct {
	view       *agent.CaseView
	ents       []finding.Observable
	sources    map[string]bool
	flags      map[string]bool
	tools      map[string]bool
	techniques []string
	signals    []string
	intelBy    map[string]int
	intelHost  map[string]int
	intelTop   int
	steps      map[string]*agent.StepView
	decoded    map[string]any
	assets     map[string]agent.AssetFacts
	users      map[string]agent.UserFacts
}

func newIndex(v *agent.CaseView) *index {
	ix := &index{
		view:      v,
		sources:   set(v.Case.Sources),
		flags:     set(v.Case.Flags),
		tools:     map[string]bool{},
		intelBy:   map[string]int{},
		intelHost: map[string]int{},
		steps:     map[string]*agent.StepView{},
		decoded:   map[string]any{},
		assets:    map[string]agent.AssetFacts{},
		users:     map[string]agent.UserFacts{},
	}
	ix.addFindings(v)
	ix.addSteps(v.Steps)
	ix.addIntel(v.Enrichment.Intel)
	ix.addFacts(v.Enrichment)
	for _, t := range v.Tools {
		ix.tools[t.Name] = true
	}
	return ix
}

func set(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[strings.ToLower(x)] = true
	}
	return m
}

// addFindings merges the case entities with every finding's observables, so a
// view built by hand (or by an older engine) without Entities still works.
func (ix *index) addFindings(v *agent.CaseView) {
	seen := map[finding.Observable]bool{}
	add := func(o finding.Observable) {
		o.Origin = ""
		if !seen[o] {
			seen[o] = true
			ix.ents = append(ix.ents, o)
		}
	}
	for _, o := range v.Entities {
		add(o)
	}
	ix.techniques = append(ix.techniques, v.Case.Techniques...)
	for _, f := range v.Findings {
		for _, o := range f.Observables {
			add(o)
		}
		ix.sources[strings.ToLower(f.Source)] = true
		ix.techniques = append(ix.techniques, f.Techniques...)
		if f.Email != nil {
			ix.signals = append(ix.signals, f.Email.Signals...)
		}
	}
}

// addSteps keeps the last record of each ref: a held step that was approved
// later shows as executed.
func (ix *index) addSteps(steps []agent.StepView) {
	for i := range steps {
		ix.steps[steps[i].Ref] = &steps[i]
	}
	for i := range steps {
		st := &steps[i]
		if st.Tool == "intel.lookup" && ix.steps[st.Ref] == st && st.Status == statusExecuted {
			ix.addLookup(st)
		}
	}
}

// addLookup counts an executed intel.lookup as intel on the value it looked up.
func (ix *index) addLookup(st *agent.StepView) {
	var args struct {
		Kind  string `json:"kind"`
		Value string `json:"value"`
	}
	if json.Unmarshal(st.Args, &args) != nil || args.Value == "" {
		return
	}
	conf, ok := maxConfidence(ix.decode(st))
	if ok {
		ix.addIntel([]agent.IntelHit{{Kind: args.Kind, Value: args.Value, Confidence: conf}})
	}
}

// maxConfidence finds the highest "confidence" number anywhere in a tool's
// output, so the planner does not depend on one connector's exact layout.
// A match marked expired, or an answer marked allow_listed, does not count.
func maxConfidence(v any) (int, bool) {
	best, found := 0, false
	switch t := v.(type) {
	case map[string]any:
		if skip(t, "expired") || skip(t, "allow_listed") {
			return 0, false
		}
		for k, c := range t {
			n, ok := c.(float64)
			if k == "confidence" && ok {
				best, found = max(best, int(n)), true
				continue
			}
			if b, ok := maxConfidence(c); ok {
				best, found = max(best, b), true
			}
		}
	case []any:
		for _, c := range t {
			if b, ok := maxConfidence(c); ok {
				best, found = max(best, b), true
			}
		}
	}
	return best, found
}

func skip(m map[string]any, flag string) bool {
	b, _ := m[flag].(bool)
	return b
}

func (ix *index) addIntel(hits []agent.IntelHit) {
	for _, h := range hits {
		v := strings.ToLower(strings.TrimSpace(h.Value))
		ix.intelBy[v] = max(ix.intelBy[v], h.Confidence)
		ix.intelTop = max(ix.intelTop, h.Confidence)
		if h.Kind == string(finding.KindURL) {
			host := domainOf(v)
			ix.intelHost[host] = max(ix.intelHost[host], h.Confidence)
		}
	}
}

func (ix *index) addFacts(e agent.Enrichment) {
	for k, a := range e.Assets {
		ix.assets[strings.ToLower(k)] = a
		if a.Name != "" {
			ix.assets[strings.ToLower(a.Name)] = a
		}
	}
	for k, u := range e.Users {
		ix.users[strings.ToLower(k)] = u
		if u.Name != "" {
			ix.users[strings.ToLower(u.Name)] = u
		}
	}
}

// decode returns the JSON output of an executed step, decoded once.
func (ix *index) decode(st *agent.StepView) any {
	if v, ok := ix.decoded[st.Ref]; ok {
		return v
	}
	var v any
	if st.Status != statusExecuted || json.Unmarshal(st.Output, &v) != nil {
		v = nil
	}
	ix.decoded[st.Ref] = v
	return v
}
