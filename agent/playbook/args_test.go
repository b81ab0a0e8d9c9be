package playbook

import (
	"strings"
	"testing"

	"github.com/conductor-sec/conductor/agent"
	"github.com/google/go-cmp/cmp"
)

// planOnce loads one playbook file from YAML and returns the first plan for v.
func planOnce(t *testing.T, yaml string, v *agent.CaseView) agent.Plan {
	t.Helper()
	p := newPlanner(t, writePlaybooks(t, map[string]string{"t.yaml": yaml}))
	return mustPlan(t, p, v)
}

func TestArgValues(t *testing.T) {
	tests := []struct {
		name string
		args string
		want string
	}{
		{"literal string", `{ a: hello }`, `{"a":"hello"}`},
		{"numbers and booleans stay typed", `{ n: 100, f: 0.5, b: true }`,
			`{"b":true,"f":0.5,"n":100}`},
		{"null is left out", `{ a: x, gone: null }`, `{"a":"x"}`},
		{"expression", `{ id: '=case.id', score: '=case.score' }`,
			`{"id":"case-gen","score":45}`},
		{"nil expression is left out", `{ a: x, opt: '=case.verdict != "" ? case.verdict : nil' }`,
			`{"a":"x"}`},
		{"doubled = is a literal", `{ eq: '==case.id' }`, `{"eq":"=case.id"}`},
		{"quoted number is a string", `{ port: "443" }`, `{"port":"443"}`},
		{"nested mapping and list", `{ filter: { hosts: ['=first(entities("host"))', x], ` +
			`deep: { k: '=len(entities("ip"))' } } }`,
			`{"filter":{"deep":{"k":2},"hosts":["WEB-01","x"]}}`},
		{"list of entities", `{ ips: '=entities("ip")' }`, `{"ips":["10.20.0.10","192.0.2.80"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := planOnce(t, `
name: args
priority: 99
trigger: 'true'
steps:
  - id: s
    tool: x.y
    args: `+tt.args+"\n", genericView(45))
			if len(plan.Actions) != 1 {
				t.Fatalf("Plan() actions = %v, want one", plan.Actions)
			}
			if got := string(plan.Actions[0].Args); got != tt.want {
				t.Errorf("args = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestForEachItems(t *testing.T) {
	tests := []struct {
		name     string
		forEach  string
		wantRefs []string
	}{
		{"strings in order", `'entities("ip")'`, []string{"s/10.20.0.10", "s/192.0.2.80"}},
		{"duplicates and empties dropped", `'["a", "", "a", "b"]'`, []string{"s/a", "s/b"}},
		{"numbers", `'[3, 1]'`, []string{"s/3", "s/1"}},
		{"mappings become JSON", `'[{"host": "h1"}]'`, []string{`s/{"host":"h1"}`}},
		{"nil list is empty", `'nil'`, nil},
		{"when filters items", `'entities("ip")'` + "\n    when: 'public_ip(item)'",
			[]string{"s/192.0.2.80"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := planOnce(t, `
name: loop
priority: 99
trigger: 'true'
steps:
  - id: s
    tool: x.y
    for_each: `+tt.forEach+`
  - id: after
    tool: x.z
`, genericView(45))
			got := refs(plan.Actions)
			if len(tt.wantRefs) == 0 {
				tt.wantRefs = []string{"after"}
			}
			if diff := cmp.Diff(tt.wantRefs, got); diff != "" {
				t.Errorf("refs (-want +got):\n%s", diff)
			}
		})
	}
}

// TestForEachCap checks the bound on one loop: a case naming 140 hosts gets
// 100 proposals, in order, and the rest are not silently reordered.
func TestForEachCap(t *testing.T) {
	v := genericView(45)
	for i := range 140 {
		v.Findings[0].Add("host", "H-"+strings.Repeat("0", 3-len(itoa(i)))+itoa(i), "", "field")
	}
	plan := planOnce(t, `
name: many
priority: 99
trigger: 'true'
steps:
  - id: iso
    tool: edr.isolate_host
    for_each: 'filter(entities("host"), hasPrefix(#, "H-"))'
    args: { host: '=item' }
`, v)
	if len(plan.Actions) != maxItems {
		t.Fatalf("Plan() has %d actions, want %d", len(plan.Actions), maxItems)
	}
	if plan.Actions[0].Ref != "iso/H-000" || plan.Actions[99].Ref != "iso/H-099" {
		t.Errorf("refs run %s … %s, want iso/H-000 … iso/H-099",
			plan.Actions[0].Ref, plan.Actions[99].Ref)
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

func TestDecisionLoop(t *testing.T) {
	plan := planOnce(t, `
name: ask
priority: 99
trigger: 'true'
steps:
  - id: confirm
    decision: '="Is " + item + " expected to talk to " + first(entities("domain")) + "?"'
    for_each: 'entities("host")'
    detail: Ask the owner.
`, genericView(45))
	want := []agent.Task{{
		Ref: "confirm/WEB-01", Title: "Is WEB-01 expected to talk to files.example.cloud?",
		Detail: "Ask the owner.",
	}}
	if diff := cmp.Diff(want, plan.Tasks); diff != "" {
		t.Errorf("tasks (-want +got):\n%s", diff)
	}
	if !plan.Done {
		t.Error("Done = false, want true: a decision alone does not keep the case open")
	}
}
