package playbook

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/tools"
	"github.com/google/go-cmp/cmp"
)

// good is a valid playbook the error cases below break one piece at a time.
const good = `
name: bad
trigger: 'true'
steps:
  - id: s1
    tool: siem.search
    when: 'case.score > 10'
    args: { query: '=case.title' }
`

// bad returns good with one replacement, as the file bad.yaml.
func bad(old, repl string) map[string]string {
	return map[string]string{"bad.yaml": strings.Replace(good, old, repl, 1)}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{
			name:  "typo in an expression",
			files: bad("case.score", "case.scor"),
			want: []string{`bad.yaml:6: playbook "bad": step "s1": when: expression ` +
				`"case.scor > 10": type playbook.caseEnv has no field scor`},
		},
		{
			name:  "unknown function",
			files: bad("'=case.title'", `'=entites("ip")'`),
			want:  []string{`bad.yaml:7: playbook "bad": step "s1": args.query:`, "unknown name entites"},
		},
		{
			name:  "unknown key",
			files: bad("when:", "whne:"),
			want: []string{`bad.yaml:6: playbook "bad": step "s1": `,
				`unknown field "whne" (did you mean "when"?)`},
		},
		{
			name:  "unknown top-level key",
			files: map[string]string{"bad.yaml": good + "triggers: 'true'\n"},
			want: []string{`bad.yaml:8: playbook "bad": `,
				`unknown field "triggers" (did you mean "trigger"?)`},
		},
		{
			name:  "when is not a condition",
			files: bad("case.score > 10", "case.score"),
			want:  []string{`step "s1": when: expression "case.score": expected bool, but got int`},
		},
		{
			name:  "leading = in an expression field",
			files: bad("'case.score > 10'", "'=case.score > 10'"),
			want:  []string{`bad.yaml:6:`, "this field is always an expression; drop the leading ="},
		},
		{
			name: "undeclared var",
			files: map[string]string{"bad.yaml": strings.Replace(good, "case.score > 10",
				"vars.malicous", 1) + "vars:\n  malicious: 'case.score > 60'\n"},
			want: []string{`step "s1": when:`, "vars.malicous is not declared above"},
		},
		{
			name: "var used before it is declared",
			files: map[string]string{"bad.yaml": good +
				"vars:\n  a: 'vars.b'\n  b: 'true'\n"},
			want: []string{`bad.yaml:9: playbook "bad": vars.a:`, "vars.b is not declared above"},
		},
		{
			name:  "for_each is not a list",
			files: bad("when: 'case.score > 10'", "for_each: 'case.score'"),
			want:  []string{`step "s1": for_each: "case.score" gives int; for_each needs a list`},
		},
		{
			name:  "tool and decision together",
			files: bad("tool: siem.search", "tool: siem.search\n    decision: Ask"),
			want: []string{`bad.yaml:4: playbook "bad": step "s1": `,
				"a step has exactly one of tool, decision or call"},
		},
		{
			name:  "duplicate step id",
			files: map[string]string{"bad.yaml": good + "  - id: s1\n    decision: again\n"},
			want:  []string{`bad.yaml:8: playbook "bad": step "s1": id: duplicate step id`},
		},
		{
			name:  "unknown verdict",
			files: map[string]string{"bad.yaml": good + "verdict:\n  - verdict: evil\n"},
			want:  []string{`bad.yaml:9: playbook "bad": verdict.verdict: unknown verdict "evil"`},
		},
		{
			name: "catch-all verdict not last",
			files: map[string]string{"bad.yaml": good +
				"verdict:\n  - verdict: benign\n  - when: 'true'\n    verdict: malicious\n"},
			want: []string{`bad.yaml:9:`, "make it the last rule"},
		},
		{
			name:  "priority is not a number",
			files: map[string]string{"bad.yaml": good + "priority: high\n"},
			want:  []string{`bad.yaml:8: playbook "bad": priority: want a whole number, got "high"`},
		},
		{
			name:  "missing name",
			files: bad("name: bad", "description: x"),
			want:  []string{`bad.yaml:1: name: missing; add name: my-playbook`},
		},
		{
			name:  "bad name",
			files: bad("name: bad", "name: Bad Name"),
			want:  []string{`bad.yaml:1: name: "Bad Name" is not a valid name`},
		},
		{
			name: "call cycle",
			files: map[string]string{
				"a.yaml": "name: loop-a\ntrigger: 'true'\nsteps:\n  - call: loop-b\n",
				"b.yaml": "name: loop-b\nsteps:\n  - id: x\n    decision: y\n  - call: loop-a\n",
			},
			want: []string{`b.yaml:5: playbook "loop-b": step "loop-a": call: call cycle ` +
				`loop-a -> loop-b -> loop-a`},
		},
		{
			name:  "unknown call target",
			files: map[string]string{"a.yaml": "name: caller\nsteps:\n  - call: notify-sco\n"},
			want: []string{`a.yaml:3: playbook "caller": step "notify-sco": call: `,
				`no playbook named "notify-sco" (did you mean "notify-soc"?)`},
		},
		{
			name: "call step cannot loop",
			files: map[string]string{"a.yaml": "name: caller\nsteps:\n  - call: notify-soc\n" +
				"    for_each: 'entities(\"ip\")'\n"},
			want: []string{`a.yaml:4: playbook "caller": step "notify-soc": for_each: `,
				"a call step cannot loop"},
		},
		{
			name:  "yaml syntax",
			files: map[string]string{"bad.yaml": "name: bad\nsteps: [\n"},
			want:  []string{`bad.yaml: parsing yaml:`},
		},
		{
			name:  "alias",
			files: map[string]string{"bad.yaml": good + "description: &d x\nsummary: *d\n"},
			want:  []string{`bad.yaml:9: aliases (*d) are not supported`},
		},
		{
			name:  "two documents",
			files: map[string]string{"bad.yaml": good + "---\nname: other\n"},
			want:  []string{`bad.yaml:8: one playbook per file`},
		},
		{
			name:  "empty file",
			files: map[string]string{"bad.yaml": ""},
			want:  []string{`bad.yaml: file is empty`},
		},
		{
			name:  "same name twice in a folder",
			files: map[string]string{"one.yaml": good, "two.yaml": good},
			want:  []string{`two.yaml: playbook "bad": name: also defined in`, "one.yaml"},
		},
		{
			name:  "args not a mapping",
			files: bad("{ query: '=case.title' }", "[a, b]"),
			want:  []string{`bad.yaml:7: playbook "bad": step "s1": args: want a mapping`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writePlaybooks(t, tt.files)
			_, err := Load(dir)
			if err == nil {
				t.Fatalf("Load() error = nil, want %q", tt.want)
			}
			if !errors.Is(err, ErrInvalid) && !strings.Contains(tt.name, "yaml syntax") &&
				!strings.Contains(tt.name, "empty") {
				t.Errorf("Load() error %v is not ErrInvalid", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Load() error =\n%v\nwant it to contain\n%s", err, w)
				}
			}
		})
	}
}

func TestLoadMissingDir(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) error = %v, want os.ErrNotExist", err)
	}
}

func TestOverride(t *testing.T) {
	p := newPlanner(t, filepath.Join("testdata", "override"))

	infos := map[string]Info{}
	for _, in := range p.Playbooks() {
		infos[in.Name] = in
	}
	if len(infos) != 7 {
		t.Errorf("Playbooks() has %d playbooks, want 6 embedded + 1 new", len(infos))
	}
	if got := infos["phishing-report"]; got.Description != "Site override, links only." ||
		got.File != filepath.Join("testdata", "override", "phishing-report.yaml") {
		t.Errorf("phishing-report = %+v, want the override", got)
	}

	res := simulate(t, p, phishingView(), nil)
	want := [][]string{{
		`lookup-url/` + phishURL + ` intel.lookup {"kind":"url","value":"` + phishURL + `"}`,
		`lookup-url/` + orgURL + ` intel.lookup {"kind":"url","value":"` + orgURL + `"}`,
	}, {
		`ticket ticket.create {"severity":"low","title":"Reported e-mail, case case-phish"}`,
	}}
	if diff := cmp.Diff(want, res.rounds); diff != "" {
		t.Errorf("override rounds (-want +got):\n%s", diff)
	}
	if res.final.Verdict != "suspicious" {
		t.Errorf("verdict = %q, want the override's suspicious", res.final.Verdict)
	}
}

// TestNewPlaybookWithCall runs the added vip-watch playbook: its call of
// notify-soc goes out in parallel with the lookup, the next step after both.
// The sign-in also matches suspicious-signin, which runs after it under its
// own refs, without calling notify-soc a second time.
func TestNewPlaybookWithCall(t *testing.T) {
	p := newPlanner(t, filepath.Join("testdata", "override"))
	v := signinView()
	v.Enrichment.Users = map[string]agent.UserFacts{"david.okafor": {
		Name: "david.okafor", Role: "cfo", VIP: true}}

	res := simulate(t, p, v, nil)
	want := [][]string{{
		`vip-user/david.okafor user.get {"user":"david.okafor"}`,
		`notify-soc.notify notify {"channel":"soc","message":"[HIGH] Console login from ` +
			`an unusual location (case case-si, score 66)"}`,
	}, {
		`vip-desk notify {"channel":"vip-desk","message":"VIP involved in case case-si"}`,
	}}
	if len(res.rounds) < 2 {
		t.Fatalf("rounds = %v, want vip-watch's two first", res.rounds)
	}
	if diff := cmp.Diff(want, res.rounds[:2]); diff != "" {
		t.Errorf("vip-watch rounds (-want +got):\n%s", diff)
	}
	var also []string
	for _, round := range res.rounds[2:] {
		for _, a := range round {
			if !strings.HasPrefix(a, "suspicious-signin.") ||
				strings.Contains(a, "notify-soc") {
				t.Errorf("later action %q, want suspicious-signin's own steps only", a)
			}
			also = append(also, strings.Fields(a)[0])
		}
	}
	if !slices.Contains(also, "suspicious-signin.disable/david.okafor") {
		t.Errorf("suspicious-signin steps = %v, want the account disable proposed", also)
	}
	want2 := []string{"vip-watch", "notify-soc", "suspicious-signin"}
	if diff := cmp.Diff(want2, res.final.Playbooks); diff != "" {
		t.Errorf("Playbooks (-want +got):\n%s", diff)
	}
}

// labSpecs are the lab's tools as the registry would list them.
func labSpecs() []tools.Spec {
	schema := func(required []string, props ...string) json.RawMessage {
		p := map[string]any{}
		for _, name := range props {
			p[name] = map[string]string{"type": "string"}
		}
		b, _ := json.Marshal(map[string]any{"type": "object", "properties": p,
			"required": required, "additionalProperties": false})
		return b
	}
	return []tools.Spec{
		{Name: "intel.lookup", Schema: schema([]string{"kind", "value"}, "kind", "value")},
		{Name: "asset.get", Schema: schema([]string{"host"}, "host")},
		{Name: "user.get", Schema: schema([]string{"user"}, "user")},
		{Name: "siem.search", Schema: schema([]string{"query"}, "query", "limit", "since", "until")},
		{Name: "mail.search", Schema: schema(nil, "sender", "subject", "url", "recipient")},
		{Name: "mail.quarantine", Schema: schema(nil, "message_id", "sender", "subject",
			"reason")},
		{Name: "edr.isolate_host", Schema: schema([]string{"host"}, "host", "reason")},
		{Name: "firewall.block_ip", Schema: schema([]string{"ip"}, "ip", "reason",
			"duration_minutes")},
		{Name: "firewall.block_domain", Schema: schema([]string{"domain"}, "domain", "reason")},
		{Name: "iam.disable_account", Schema: schema([]string{"user"}, "user", "reason")},
		{Name: "iam.reset_credentials", Schema: schema([]string{"user"}, "user")},
		{Name: "ticket.create", Schema: schema([]string{"title", "severity"}, "title",
			"severity", "case_id", "body")},
		{Name: "ticket.update", Schema: schema([]string{"ticket_id"}, "ticket_id", "status",
			"comment")},
		{Name: "notify", Schema: schema([]string{"channel", "message"}, "channel", "message",
			"to")},
	}
}

func TestValidate(t *testing.T) {
	if err := newPlanner(t, "").Validate(labSpecs()); err != nil {
		t.Fatalf("Validate(lab tools) on the embedded playbooks: %v", err)
	}

	tests := []struct {
		name string
		step string
		want string
	}{
		{
			name: "unknown tool",
			step: "  - id: s1\n    tool: firewall.blockip\n    args: { ip: 1.2.3.4 }\n",
			want: `bad.yaml:4: playbook "bad": step "s1": tool: unknown tool ` +
				`"firewall.blockip" (did you mean "firewall.block_ip"?)`,
		},
		{
			name: "argument not in the schema",
			step: "  - id: s1\n    tool: firewall.block_ip\n    args: { ip: 1.2.3.4, ttl: 5 }\n",
			want: `bad.yaml:6: playbook "bad": step "s1": args.ttl: firewall.block_ip takes ` +
				`no argument "ttl"`,
		},
		{
			name: "required argument missing",
			step: "  - id: s1\n    tool: edr.isolate_host\n    args: { reason: x }\n",
			want: `bad.yaml:4: playbook "bad": step "s1": args: edr.isolate_host requires ` +
				`argument "host"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writePlaybooks(t, map[string]string{
				"bad.yaml": "name: bad\ntrigger: 'false'\nsteps:\n" + tt.step,
			})
			err := newPlanner(t, dir).Validate(labSpecs())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() error = %v, want %q", err, tt.want)
			}
		})
	}
}

// FuzzParse feeds arbitrary bytes to the playbook decoder and compiler: it
// must return a playbook or an error, never panic or hang.
func FuzzParse(f *testing.F) {
	entries, err := embedded.ReadDir("playbooks")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		data, err := embedded.ReadFile("playbooks/" + e.Name())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(good))
	f.Add([]byte("name: x\nsteps:\n  - id: a\n    tool: t\n    args: {a: [1, {b: '=item'}]}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pb, err := parseFile("fuzz.yaml", data)
		if err == nil && pb.name == "" {
			t.Errorf("parseFile() = playbook without a name, no error")
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("parseFile() error %v is not ErrInvalid", err)
		}
	})
}
