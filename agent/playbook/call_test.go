package playbook

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// nested is three playbooks: outer calls middle under a condition, middle
// calls leaf.
var nested = map[string]string{
	"outer.yaml": `
name: outer
priority: 99
trigger: 'true'
vars:
  go: 'case.score >= 40'
steps:
  - id: first
    tool: t.first
  - id: mid
    call: middle
    when: 'vars.go'
  - id: last
    tool: t.last
`,
	"middle.yaml": `
name: middle
vars:
  tag: '"from-middle"'
steps:
  - id: m1
    tool: t.m1
    args: { tag: '=vars.tag' }
  - call: leaf
    parallel: true
`,
	"leaf.yaml": `
name: leaf
steps:
  - id: l1
    tool: t.l1
  - id: l2
    tool: t.l2
    parallel: true
`,
}

func TestNestedCalls(t *testing.T) {
	tests := []struct {
		name       string
		score      int
		wantRounds [][]string
		wantBooks  []string
	}{
		{
			name:  "call taken",
			score: 45,
			wantRounds: [][]string{
				{"first t.first {}"},
				{`mid.m1 t.m1 {"tag":"from-middle"}`, "mid.leaf.l1 t.l1 {}", "mid.leaf.l2 t.l2 {}"},
				{"last t.last {}"},
			},
			wantBooks: []string{"outer", "middle", "leaf"},
		},
		{
			name:       "call skipped by its when",
			score:      10,
			wantRounds: [][]string{{"first t.first {}"}, {"last t.last {}"}},
			wantBooks:  []string{"outer", "middle", "leaf"},
		},
	}
	p := newPlanner(t, writePlaybooks(t, nested))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := simulate(t, p, genericView(tt.score), nil)
			if diff := cmp.Diff(tt.wantRounds, res.rounds); diff != "" {
				t.Errorf("rounds (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantBooks, res.final.Playbooks); diff != "" {
				t.Errorf("Playbooks (-want +got):\n%s", diff)
			}
		})
	}

	for _, info := range p.Playbooks() {
		if info.Name == "outer" && (info.Steps != 5 ||
			!cmp.Equal(info.Calls, []string{"middle", "leaf"})) {
			t.Errorf("Playbooks() outer = %+v, want 5 steps calling middle and leaf", info)
		}
	}
}

// TestCallExpansionLimit refuses a playbook that multiplies through calls.
func TestCallExpansionLimit(t *testing.T) {
	files := map[string]string{"w0.yaml": "name: w0\nsteps:\n" + manySteps(30)}
	prev := "w0"
	for _, name := range []string{"w1", "w2"} {
		files[name+".yaml"] = "name: " + name + "\nsteps:\n" + manyCalls(prev, 5)
		prev = name
	}
	_, err := Load(writePlaybooks(t, files))
	if err == nil || !strings.Contains(err.Error(), `playbook "w2": steps: expands to 750 steps`) {
		t.Errorf("Load() error = %v, want w2 refused at 750 steps", err)
	}
}

func manySteps(n int) string {
	s := ""
	for i := range n {
		s += "  - id: s" + itoa(i) + "\n    tool: t.x\n"
	}
	return s
}

func manyCalls(callee string, n int) string {
	s := ""
	for i := range n {
		s += "  - id: c" + itoa(i) + "\n    call: " + callee + "\n"
	}
	return s
}
