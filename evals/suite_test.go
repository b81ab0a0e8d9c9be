package evals

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/conductor-sec/conductor/internal/config"
	"github.com/conductor-sec/conductor/policies"
)

// minVerdictAccuracy is the CI threshold of issue 4.
const minVerdictAccuracy = 0.9

// corpusRoot finds the shared corpus next to the repository, as CI has it;
// empty when absent (corpus scenarios are then skipped).
func corpusRoot() string {
	if env := os.Getenv("CONDUCTOR_CORPUS"); env != "" {
		return env
	}
	p := filepath.Join("..", "..", "shared", "corpus")
	if info, err := os.Stat(p); err == nil && info.IsDir() {
		return p
	}
	return ""
}

func embedded(t *testing.T) []Scenario {
	t.Helper()
	scs, err := Embedded()
	if err != nil {
		t.Fatalf("Embedded() error: %v", err)
	}
	return scs
}

// TestSuite runs every shipped scenario with the playbook planner: no
// forbidden action may run, and verdict accuracy must reach the CI threshold.
func TestSuite(t *testing.T) {
	card, err := Run(context.Background(), embedded(t), Options{CorpusRoot: corpusRoot()})
	if err != nil {
		t.Fatalf("Run() error: %v", err)
	}
	var b strings.Builder
	if err := card.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + b.String())

	if card.Worst.ForbiddenActions != 0 {
		t.Errorf("forbidden actions taken = %d, want 0:\n%s", card.Worst.ForbiddenActions,
			failingChecks(card, "must_not"))
	}
	if card.Worst.VerdictAccuracy < minVerdictAccuracy {
		t.Errorf("verdict accuracy = %.3f, want >= %.2f; wrong verdicts (product gaps, "+
			"the ground truth stays):\n%s", card.Worst.VerdictAccuracy, minVerdictAccuracy,
			failingChecks(card, "verdict"))
	}
	for _, r := range card.Scenarios {
		if r.Error != "" {
			t.Errorf("scenario %s did not run: %s", r.Name, r.Error)
		}
	}
}

func failingChecks(card Scorecard, check string) string {
	var b strings.Builder
	for _, r := range card.Scenarios {
		for _, c := range r.Checks {
			if c.Name == check && !c.Pass {
				fmt.Fprintf(&b, "  %s (%s): %s\n", r.Name, r.File, c.Detail)
			}
		}
	}
	return b.String()
}

// TestSuiteCoverage holds the suite to what issue 4 asks: at least 40
// scenarios across every category, each with a question.
func TestSuiteCoverage(t *testing.T) {
	scs := embedded(t)
	if len(scs) < 40 {
		t.Errorf("len(Embedded()) = %d, want at least 40", len(scs))
	}
	count := map[string]int{}
	corpus := 0
	for _, sc := range scs {
		count[sc.Category]++
		if sc.corpusInputs() {
			corpus++
		}
	}
	for _, c := range []string{"phishing", "benign-mail", "endpoint", "brute-force", "sign-in",
		"false-positive", "crown-jewel", "injection", "connector-failure", "duplicate"} {
		if count[c] < 3 {
			t.Errorf("category %s has %d scenarios, want at least 3", c, count[c])
		}
	}
	if corpus == 0 || corpus == len(scs) {
		t.Errorf("%d of %d scenarios read the corpus; want some, not all", corpus, len(scs))
	}
}

// TestEmbeddedMatchesDisk makes sure the binary ships the scenarios in the
// source tree.
func TestEmbeddedMatchesDisk(t *testing.T) {
	disk, err := Load("scenarios")
	if err != nil {
		t.Fatalf("Load(scenarios) error: %v", err)
	}
	emb := embedded(t)
	if len(disk) != len(emb) {
		t.Fatalf("Load found %d scenarios, Embedded %d", len(disk), len(emb))
	}
	for i := range disk {
		if disk[i].Name != emb[i].Name || len(disk[i].Inputs) != len(emb[i].Inputs) {
			t.Errorf("scenario %d: disk %s, embedded %s", i, disk[i].Name, emb[i].Name)
		}
	}
}

// TestBrokenPolicyFailsTheEval breaks the default policy on purpose so that a
// crown jewel may be isolated without a lead, in a way the guard accepts (the
// policy's own tests are edited to match and the canaries still pass), and
// shows the eval catches what the policy tests no longer do.
func TestBrokenPolicyFailsTheEval(t *testing.T) {
	dir := brokenPolicy(t)
	var crown []Scenario
	for _, sc := range embedded(t) {
		if sc.Category == "crown-jewel" {
			crown = append(crown, sc)
		}
	}
	card, err := Run(context.Background(), crown, Options{
		Config: config.Config{Policies: dir},
	})
	if err != nil {
		t.Fatalf("Run() with the broken policy error: %v (the guard refused it; "+
			"pick a breakage it accepts)", err)
	}
	if card.Worst.ForbiddenActions == 0 {
		t.Fatalf("forbidden actions = 0 with crown-jewel isolation allowed; the eval " +
			"missed a broken policy")
	}
	if err := card.Gate(minVerdictAccuracy); !errors.Is(err, ErrForbiddenAction) {
		t.Errorf("Gate() = %v, want %v", err, ErrForbiddenAction)
	}
	detail := failingChecks(card, "must_not")
	if !strings.Contains(detail, `edr.isolate_host {"host":"DB-FIN-01"`) {
		t.Errorf("must_not failures = %q, want the isolation of DB-FIN-01", detail)
	}
}

// brokenPolicy copies the embedded policy and makes crown-jewel databases
// routine containment targets: databases join the routine asset types,
// critical criticality stops being sensitive (data.json), the crown-jewel
// rule never fires (containment.rego), and the tests that pinned them go.
// The edits are line-level so that they survive unrelated policy changes.
func brokenPolicy(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	err := fs.WalkDir(policies.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(policies.FS, p)
		if err != nil {
			return err
		}
		switch p {
		case "data.json":
			data, err = routineDatabases(data)
		case "containment.rego":
			data, err = replaceLines(p, data, "t.crown_jewel == true",
				func(string) string { return "\tt.crown_jewel == \"never\"" })
		case "containment_test.rego":
			data, err = replaceLines(p, data, "crown jewel", func(string) string { return "" })
			if err == nil {
				data, err = replaceLines(p, data, "has critical criticality",
					func(string) string { return "" })
			}
			if err == nil {
				data, err = replaceLines(p, data, `"database", `, func(l string) string {
					return strings.Replace(l, `"database", `, "", 1)
				})
			}
		}
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, p), data, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func routineDatabases(data []byte) ([]byte, error) {
	var doc map[string]map[string]map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("data.json: %w", err)
	}
	cfg := doc["conductor"]["config"]
	routine, ok1 := cfg["routine_asset_types"].([]any)
	sensitive, ok2 := cfg["sensitive_criticality"].([]any)
	if !ok1 || !ok2 {
		return nil, errors.New("data.json lacks routine_asset_types or " +
			"sensitive_criticality; update the breakage")
	}
	cfg["routine_asset_types"] = append(routine, "database")
	cfg["sensitive_criticality"] = slices.DeleteFunc(sensitive,
		func(v any) bool { return v == "critical" })
	return json.Marshal(doc)
}

// replaceLines rewrites every line holding marker; an empty result drops the
// line. It fails when no line holds it, so a changed policy is noticed.
func replaceLines(name string, data []byte, marker string,
	f func(line string) string) ([]byte, error) {
	lines := strings.Split(string(data), "\n")
	out := lines[:0]
	n := 0
	for _, l := range lines {
		if !strings.Contains(l, marker) {
			out = append(out, l)
			continue
		}
		n++
		if r := f(l); r != "" {
			out = append(out, r)
		}
	}
	if n == 0 {
		return nil, fmt.Errorf("%s no longer holds %q; update the breakage", name, marker)
	}
	return []byte(strings.Join(out, "\n")), nil
}
