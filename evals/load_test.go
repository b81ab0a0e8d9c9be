package evals

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

const minimal = `
name: ok-one
description: a minimal scenario
category: test
inputs:
  - inline: {title: Test alert}
expect:
  verdict: benign
  questions:
    - ask: What is the verdict?
      want: [benign]
`

func TestParseMinimal(t *testing.T) {
	sc, err := Parse([]byte(minimal), "x.yaml")
	if err != nil {
		t.Fatalf("Parse(minimal) error: %v", err)
	}
	if sc.Name != "ok-one" || sc.File != "x.yaml" {
		t.Errorf("Parse(minimal) name, file = %q, %q, want ok-one, x.yaml", sc.Name, sc.File)
	}
	if got, want := string(sc.Inputs[0].Data), `{"title":"Test alert"}`; got != want {
		t.Errorf("inline data = %s, want %s", got, want)
	}
	if sc.Inputs[0].Name != "inline-1.json" {
		t.Errorf("inline name = %q, want inline-1.json", sc.Inputs[0].Name)
	}
	if diff := cmp.Diff(Strings{"benign"}, sc.Expect.Verdict); diff != "" {
		t.Errorf("verdict (-want +got):\n%s", diff)
	}
}

func TestParseInlineKeepsTypes(t *testing.T) {
	doc := strings.Replace(minimal, "{title: Test alert}",
		`{title: T, time: "2026-01-02T03:04:05Z", severity: 80, techniques: [T1110]}`, 1)
	sc, err := Parse([]byte(doc), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"severity":80,"techniques":["T1110"],"time":"2026-01-02T03:04:05Z","title":"T"}`
	if got := string(sc.Inputs[0].Data); got != want {
		t.Errorf("inline data = %s, want %s", got, want)
	}
}

// TestParseErrors checks that each mistake is named with its file, line or
// field, and a fix.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, from, to string
		want           []string
	}{
		{"unknown top key", "category: test", "category: test\ncolour: red",
			[]string{"x.yaml:", "colour: unknown field (allowed: category, description, " +
				"expect, faults, inputs, name)"}},
		{"unknown nested key", "verdict: benign", "verdict: benign\n  must:\n    - tol: x",
			[]string{"expect.must[0].tol: unknown field (allowed: args, risk, status, tool, why)"}},
		{"missing name", "name: ok-one\n", "", []string{"name: required"}},
		{"bad name", "name: ok-one", "name: Not OK", []string{`"Not OK" is not a valid id`}},
		{"bad verdict", "verdict: benign", "verdict: harmless",
			[]string{`"harmless" is not a verdict`}},
		{"no verdict", "  verdict: benign\n", "", []string{"expect.verdict: required"}},
		{"no questions", "  questions:\n    - ask: What is the verdict?\n      want: [benign]\n",
			"", []string{"expect.questions: required"}},
		{"empty want", "want: [benign]", "want: ['']",
			[]string{"expect.questions[0].want: holds an empty string"}},
		{"two sources", "- inline: {title: Test alert}",
			"- inline: {title: Test alert}\n    file: a.json",
			[]string{"inputs[0]: set exactly one of file, corpus, inline and telemetry"}},
		{"inline not json", "inline: {title: Test alert}", "inline: 'not json'",
			[]string{"inputs[0].inline: the string is not valid JSON"}},
		{"telemetry only", "- inline: {title: Test alert}", "- telemetry: t.json",
			[]string{"telemetry alone opens no case"}},
		{"bad technique", "verdict: benign", "verdict: benign\n  techniques: [T99]",
			[]string{`expect.techniques[0]: "T99" is not an ATT&CK id`}},
		{"bad status", "verdict: benign",
			"verdict: benign\n  must:\n    - {tool: notify, status: done}",
			[]string{`expect.must[0].status: "done" is not an action status`}},
		{"approval status", "verdict: benign",
			"verdict: benign\n  approvals:\n    - {tool: notify, status: held}",
			[]string{"expect.approvals[0].status: approvals match requests whatever"}},
		{"tool and risk", "verdict: benign",
			"verdict: benign\n  must_not:\n    - {tool: notify, risk: write}",
			[]string{"expect.must_not[0]: set tool or risk, not both"}},
		{"bad risk", "verdict: benign", "verdict: benign\n  must_not:\n    - {risk: huge}",
			[]string{`"huge" is not a risk class`}},
		{"list for a value", "category: test", "category: [a, b]",
			[]string{"category: want a single value, got a list"}},
		{"duplicate key", "category: test", "category: test\ncategory: again",
			[]string{"category: duplicate key"}},
		{"not yaml", "category: test", "category: [", []string{"x.yaml:", "invalid scenario"}},
		{"corpus escapes", "- inline: {title: Test alert}", "- corpus: ../secret.eml",
			[]string{`inputs[0].corpus: "../secret.eml" must be a path inside the corpus root`}},
		{"negative fault", "category: test",
			"category: test\nfaults:\n  notify: {transient: -1}",
			[]string{"faults.notify: counts cannot be negative"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := strings.Replace(minimal, tt.from, tt.to, 1)
			if doc == minimal {
				t.Fatalf("test edit %q did not apply", tt.from)
			}
			_, err := Parse([]byte(doc), "x.yaml")
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse() error = %v, want ErrInvalid", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Parse() error = %q, want it to hold %q", err, w)
				}
			}
		})
	}
}

func TestParseUnknownKeyNamesLine(t *testing.T) {
	doc := strings.Replace(minimal, "category: test", "category: test\nexpcet: {}", 1)
	_, err := Parse([]byte(doc), "x.yaml")
	if err == nil || !strings.HasPrefix(err.Error(), "x.yaml:5: expcet: unknown field") {
		t.Errorf("Parse() error = %v, want it to start with x.yaml:5: expcet: unknown field", err)
	}
}

func TestLoadDirReadsInputsAndSuite(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "suite.yaml", "must_not:\n  - {tool: iam.enable_account}\n")
	write(t, dir, "data/alert.json", `{"title":"from a file"}`)
	write(t, dir, "cases/a.yaml", strings.Replace(minimal, "- inline: {title: Test alert}",
		"- file: ../data/alert.json", 1))
	scs, err := Load(dir)
	if err != nil {
		t.Fatalf("Load() error: %v", err)
	}
	if len(scs) != 1 {
		t.Fatalf("Load() = %d scenarios, want 1", len(scs))
	}
	in := scs[0].Inputs[0]
	if string(in.Data) != `{"title":"from a file"}` || in.Name != "alert.json" {
		t.Errorf("input = %s (%s), want the file's bytes named alert.json", in.Data, in.Name)
	}
	mn := scs[0].Expect.MustNot
	if len(mn) != 1 || mn[0].Tool != "iam.enable_account" || mn[0].From != SuiteFile {
		t.Errorf("must_not = %+v, want the suite entry", mn)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"missing input", map[string]string{"a.yaml": strings.Replace(minimal,
			"- inline: {title: Test alert}", "- file: nope.json", 1)},
			"inputs[0]: reading nope.json"},
		{"duplicate names", map[string]string{"a.yaml": minimal, "b.yaml": minimal},
			`name: "ok-one" is already used by`},
		{"empty folder", map[string]string{"readme.txt": "x"}, "no scenario files found"},
		{"bad suite", map[string]string{"a.yaml": minimal, "suite.yaml": "must_not: [{x: 1}]"},
			"suite.yaml:1: must_not[0].x: unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, body := range tt.files {
				write(t, dir, name, body)
			}
			_, err := Load(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load() error = %v, want it to hold %q", err, tt.want)
			}
		})
	}
}

func TestLoadFSRefusesEscape(t *testing.T) {
	fsys := fstest.MapFS{
		"s/a.yaml": {Data: []byte(strings.Replace(minimal, "- inline: {title: Test alert}",
			"- file: ../../outside.json", 1))},
	}
	_, err := LoadFS(fsys, "s", "evals")
	if err == nil || !strings.Contains(err.Error(), "evals/s/a.yaml: inputs[0]: "+
		"../../outside.json leaves the scenario tree") {
		t.Errorf("LoadFS() error = %v, want the escape named", err)
	}
}

func write(t *testing.T, dir, name, body string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// FuzzParse feeds the scenario decoder arbitrary bytes: it must never panic,
// and whatever it accepts must be a usable scenario.
func FuzzParse(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add([]byte("name: a\ninputs: [{inline: '{}'}]\nexpect: {verdict: [benign, x]}"))
	f.Add([]byte("&a x: *a"))
	f.Add([]byte("expect:\n  must: [{args: {a: [1, {b: c}]}}]"))
	entries, _ := os.ReadDir("scenarios/phishing")
	for _, e := range entries {
		if data, err := os.ReadFile(filepath.Join("scenarios/phishing", e.Name())); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := Parse(data, "fuzz.yaml")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("Parse() error %q does not name the file", err)
			}
			return
		}
		if !nameRE.MatchString(sc.Name) || len(sc.Expect.Verdict) == 0 ||
			len(sc.Inputs) == 0 || len(sc.Expect.Questions) == 0 {
			t.Fatalf("Parse() accepted an unusable scenario: %+v", sc)
		}
		for _, v := range sc.Expect.Verdict {
			if !Strings(Verdicts).Contains(v) {
				t.Fatalf("Parse() accepted verdict %q", v)
			}
		}
	})
}
