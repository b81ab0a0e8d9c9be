package playbook

import (
	"errors"
	"strings"
	"testing"
)

// TestParseShape covers the field-by-field checks of one file, with the
// exact message an author sees.
func TestParseShape(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"top level is a list", "- a\n- b\n",
			`f.yaml:1: a playbook is a mapping with name, trigger, steps; got a list`},
		{"steps is a mapping", "name: x\nsteps: {a: 1}\n",
			`f.yaml:2: playbook "x": steps: want a list of steps, got a mapping`},
		{"step is a string", "name: x\nsteps:\n  - lookup\n",
			`f.yaml:3: playbook "x": steps: a step is a mapping`},
		{"step without id", "name: x\nsteps:\n  - tool: t.x\n",
			`f.yaml:3: playbook "x": id: missing; add id: short-name`},
		{"step with nothing to do", "name: x\nsteps:\n  - id: a\n",
			`f.yaml:3: playbook "x": step "a": a step has exactly one of tool, decision or call`},
		{"args on a decision", "name: x\nsteps:\n  - id: a\n    decision: q\n    args: {b: 1}\n",
			`f.yaml:5: playbook "x": step "a": args: only a tool step takes args`},
		{"detail on a tool", "name: x\nsteps:\n  - id: a\n    tool: t\n    detail: d\n",
			`f.yaml:5: playbook "x": step "a": detail: only a decision step takes a detail`},
		{"reason on a decision", "name: x\nsteps:\n  - id: a\n    decision: q\n    reason: r\n",
			`f.yaml:5: playbook "x": step "a": reason: only a tool step takes a reason`},
		{"parallel not a bool", "name: x\nsteps:\n  - id: a\n    tool: t\n    parallel: yes\n",
			`f.yaml:5: playbook "x": step "a": parallel: want true or false, got "yes"`},
		{"when is a number", "name: x\nsteps:\n  - id: a\n    tool: t\n    when: 3\n",
			`f.yaml:5: playbook "x": step "a": when: want an expression in quotes, got "3"`},
		{"when is a list", "name: x\nsteps:\n  - id: a\n    tool: t\n    when: [a]\n",
			`f.yaml:5: playbook "x": step "a": when: want a single value, got a list`},
		{"empty expression", "name: x\ntrigger: ''\n",
			`f.yaml:2: playbook "x": trigger: expression is empty`},
		{"duplicate key", "name: x\npriority: 1\npriority: 2\n",
			`f.yaml:3: playbook "x": priority: duplicate key`},
		{"priority out of range", "name: x\npriority: 5000\n",
			`f.yaml:2: playbook "x": priority: 5000 is outside -1000..1000`},
		{"bad var name", "name: x\nvars:\n  Bad-Name: 'true'\n",
			`f.yaml:3: playbook "x": vars.Bad-Name: a var name is lower_snake_case`},
		{"bad step id", "name: x\nsteps:\n  - id: Step One\n    tool: t\n",
			`f.yaml:3: playbook "x": step "Step One": id: "Step One" is not a valid name`},
		{"verdict rule without verdict", "name: x\nverdict:\n  - when: 'true'\n",
			`f.yaml:3: playbook "x": verdict: rule has no verdict; add verdict: suspicious`},
		{"confidence out of range", "name: x\nverdict:\n  - verdict: benign\n    confidence: 2\n",
			`f.yaml:4: playbook "x": verdict.confidence: want a number from 0 to 1`},
		{"confidence expression typo", "name: x\nverdict:\n  - verdict: benign\n" +
			"    confidence: '=case.confidense'\n",
			`f.yaml:4: playbook "x": verdict.confidence: expression "case.confidense"`},
		{"summary is a list", "name: x\nsummary: [a]\n",
			`f.yaml:2: playbook "x": summary: want a single value, got a list`},
		{"null description", "name: x\ndescription:\n",
			`f.yaml:2: playbook "x": description: is empty`},
		{"args value with a custom tag", "name: x\nsteps:\n  - id: a\n    tool: t\n" +
			"    args: { when: !!timestamp 2024-01-01 }\n",
			`f.yaml:5: playbook "x": step "a": args.when: unsupported value "2024-01-01"`},
		{"args key is a list", "name: x\nsteps:\n  - id: a\n    tool: t\n    args: { [k]: v }\n",
			`f.yaml:5: playbook "x": step "a": args: keys are plain words, got a list`},
		{"text expression typo", "name: x\nsteps:\n  - id: a\n    decision: '=case.titel'\n",
			`f.yaml:4: playbook "x": step "a": decision: expression "case.titel"`},
		{"unknown verdict key", "name: x\nverdict:\n  - verdict: benign\n    conf: 1\n",
			`f.yaml:4: playbook "x": verdict: unknown field "conf" (did you mean "confidence"?)`},
		{"long value is cut in messages", "name: x\nsteps: " + strings.Repeat("z", 60) + "\n",
			`got the value "` + strings.Repeat("z", 40) + `…"`},
		{"file too large", "name: x\ndescription: " + strings.Repeat("a", maxFileSize) + "\n",
			`f.yaml: file is larger than 1048576 bytes`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseFile("f.yaml", []byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("parseFile() error = %v, want %q", err, tt.want)
			}
			var le *LoadError
			if !errors.As(err, &le) || le.File != "f.yaml" || !errors.Is(err, ErrInvalid) {
				t.Errorf("parseFile() error %#v is not a *LoadError for f.yaml", err)
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	pb, err := parseFile("ok.yaml", []byte(`
name: ok
description: All the optional parts.
priority: -5
trigger: true
vars:
  a: '1'
  b: 'vars.a + 1'
steps:
  - id: one
    tool: t.one
    for_each: '[vars.b]'
    when: 'item > 0'
    reason: '="because " + string(item)'
    args: { list: [1, two, '=item'], map: { k: v } }
  - id: two
    decision: Decide
    parallel: true
  - call: three
verdict:
  - when: 'vars.b == 2'
    verdict: malicious
    confidence: 0.9
  - verdict: benign
summary: plain text
`))
	if err != nil {
		t.Fatalf("parseFile() error = %v", err)
	}
	if pb.name != "ok" || pb.priority != -5 || len(pb.vars) != 2 || len(pb.steps) != 3 ||
		len(pb.verdicts) != 2 || pb.summary.lit != "plain text" {
		t.Errorf("parseFile() = %+v", pb)
	}
	if st := pb.steps[2]; st.kind != callStep || st.id != "three" || st.call != "three" {
		t.Errorf("call step = %+v, want id and call three", st)
	}
	if got := pb.steps[0].args.keys; len(got) != 2 || got[0] != "list" {
		t.Errorf("args keys = %v, want [list map] in written order", got)
	}
}

func TestLoadErrorFormat(t *testing.T) {
	err := error(&LoadError{File: "a.yaml", Line: 3, Playbook: "p", Step: "s", Field: "when",
		Err: errors.New("boom")})
	if got, want := err.Error(), `a.yaml:3: playbook "p": step "s": when: boom`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	err = &LoadError{File: "a.yaml", Err: errors.New("boom")}
	if got, want := err.Error(), `a.yaml: boom`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"when", "tool", "for_each"}
	tests := []struct{ in, want string }{
		{"whne", ` (did you mean "when"?)`},
		{"tools", ` (did you mean "tool"?)`},
		{"foreach", ` (did you mean "for_each"?)`},
		{"banana", ` (known: when, tool, for_each)`},
	}
	for _, tt := range tests {
		if got := suggest(tt.in, known); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
