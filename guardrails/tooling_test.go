package guardrails

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/conductor-sec/conductor/policies"
)

func TestRunPolicyTests(t *testing.T) {
	results, err := RunPolicyTests(context.Background(), "")
	if err != nil {
		t.Fatalf("RunPolicyTests(embedded) = %v", err)
	}
	if want := countTestRules(t); len(results) != want {
		t.Errorf("RunPolicyTests(embedded) ran %d tests, want the %d in policies/",
			len(results), want)
	}
	for _, r := range results {
		if !r.Pass || r.Package != "data.conductor.guard_test" {
			t.Errorf("RunPolicyTests(embedded): %+v, want a pass in data.conductor.guard_test", r)
		}
	}
	if !slices.IsSortedFunc(results, func(a, b TestResult) int {
		return strings.Compare(a.Name, b.Name)
	}) {
		t.Errorf("results are not sorted by name: %q first", results[0].Name)
	}
}

func TestRunPolicyTestsReportsFailures(t *testing.T) {
	failing := `package conductor.guard_test

test_confidence_is_stricter if {
	decide(isolation).outcome == "needs_approval"
}
`
	dir := copyPolicies(t, map[string]string{"extra_test.rego": failing})
	results, err := RunPolicyTests(context.Background(), dir)
	if err != nil {
		t.Fatalf("RunPolicyTests = %v", err)
	}

	var failed []TestResult
	for _, r := range results {
		if !r.Pass {
			failed = append(failed, TestResult{Name: r.Name, Package: r.Package, Fail: r.Fail})
		}
	}
	want := []TestResult{{
		Name:    "test_confidence_is_stricter",
		Package: "data.conductor.guard_test",
		Fail:    "extra_test.rego:3: test is false or undefined",
	}}
	if diff := cmp.Diff(want, failed); diff != "" {
		t.Errorf("failed tests (-want +got):\n%s", diff)
	}

	if _, err := RunPolicyTests(context.Background(), "testdata/no-such-folder"); err == nil {
		t.Error("RunPolicyTests(missing folder) = nil error, want one")
	}
}

// The inputs are README.md's three examples.
func TestEvalFile(t *testing.T) {
	g := newTestGuard(t, Config{})
	tests := []struct {
		file    string
		outcome Outcome
		reasons []string
		role    string
	}{
		{"allow_isolation.json", Allow,
			[]string{"reversible containment at confidence 0.9 (threshold 0.7)"}, ""},
		{"hold_domain_controller.json", NeedsApproval, []string{
			`host "dc01" has critical criticality`,
			`host "dc01" is a crown jewel`,
			`host "dc01" is a domain controller`,
		}, "lead"},
		{"deny_block_everything.json", Deny, []string{
			`argument ip "0.0.0.0/0" is a wildcard, not one entity`,
			`target ip "0.0.0.0/0" is a wildcard, not one entity`,
		}, ""},
	}
	for _, tc := range tests {
		t.Run(strings.TrimSuffix(tc.file, ".json"), func(t *testing.T) {
			d, err := EvalFile(context.Background(), g, filepath.Join("testdata/inputs", tc.file))
			if err != nil {
				t.Fatalf("EvalFile(%s) = %v", tc.file, err)
			}
			if d.Outcome != tc.outcome || d.ApproverRole != tc.role {
				t.Errorf("EvalFile(%s) = %s (%q), want %s (%q)",
					tc.file, d.Outcome, d.ApproverRole, tc.outcome, tc.role)
			}
			if diff := cmp.Diff(tc.reasons, d.Reasons); diff != "" {
				t.Errorf("EvalFile(%s).Reasons (-want +got):\n%s", tc.file, diff)
			}
		})
	}

	for bad, want := range map[string]string{
		"unknown_field.json":   "unknown field",
		"missing.json":         "no such file",
		"case_twin_field.json": `field "RISK" at the top: input fields are lower case`,
		"trailing_data.json":   "data after the JSON object",
	} {
		path := filepath.Join("testdata/inputs", bad)
		if _, err := EvalFile(context.Background(), g, path); err == nil ||
			!strings.Contains(err.Error(), want) {
			t.Errorf("EvalFile(%s) = %v, want an error saying %q", bad, err, want)
		}
	}
}

// record is one recorded action for Replay.
type record struct {
	actionID, caseID string
	input            json.RawMessage
	old              Outcome
}

func recordsOf(t testing.TB, reqs []Request, old []Outcome) []record {
	t.Helper()
	out := make([]record, len(reqs))
	for i, r := range reqs {
		raw, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = record{actionID: r.ID, caseID: r.Case.ID, input: raw, old: old[i]}
	}
	return out
}

// recordSource is the shape of Replay's next function.
type recordSource = func() (string, string, json.RawMessage, Outcome, bool, error)

// iterate streams recs, failing at index failAt (-1: never).
func iterate(recs []record, failAt int) recordSource {
	i := 0
	return func() (string, string, json.RawMessage, Outcome, bool, error) {
		if i == failAt {
			return "", "", nil, "", false, errors.New("disk on fire")
		}
		if i >= len(recs) {
			return "", "", nil, "", false, nil
		}
		r := recs[i]
		i++
		return r.actionID, r.caseID, r.input, r.old, true, nil
	}
}

func TestReplay(t *testing.T) {
	// The candidate turns the kill switch on: writes and clean containment now wait.
	dir := copyPolicies(t, nil)
	data := strings.Replace(readFile(t, filepath.Join(dir, "data.json")),
		`"kill_switch": false`, `"kill_switch": true`, 1)
	writeFile(t, filepath.Join(dir, "data.json"), data)
	candidate := newTestGuard(t, Config{Dir: dir})

	iso := containment("edr.isolate_host", workstation)
	iso.ID = "ACT-9"
	reqs := []Request{lookup(), ticket(), iso, containment("edr.isolate_host", domainController)}
	old := []Outcome{Allow, Allow, Allow, NeedsApproval}
	recs := recordsOf(t, reqs, old)
	recs = append(recs, record{actionID: "ACT-BAD", caseID: "CASE-1",
		input: json.RawMessage(`{`), old: Deny})

	rep, err := Replay(context.Background(), candidate, iterate(recs, -1))
	if err != nil {
		t.Fatalf("Replay = %v", err)
	}
	wantChanges := []ReplayChange{
		{ActionID: "ACT-3", CaseID: "CASE-1", Tool: "ticket.create",
			Old: Allow, New: NeedsApproval,
			Reasons: []string{"kill switch is on: every change waits for a human"}},
		{ActionID: "ACT-9", CaseID: "CASE-1", Tool: "edr.isolate_host",
			Old: Allow, New: NeedsApproval,
			Reasons: []string{"kill switch is on: every change waits for a human"}},
	}
	if diff := cmp.Diff(wantChanges, rep.Changes); diff != "" {
		t.Errorf("Replay changes (-want +got):\n%s", diff)
	}
	wantCounts := map[string]int{
		"allow->allow": 1, "allow->needs_approval": 2,
		"needs_approval->needs_approval": 1, "deny->deny": 1,
	}
	if rep.Total != 5 || rep.Changed != 2 || !cmp.Equal(wantCounts, rep.ByTransition) {
		t.Errorf("Replay = total %d changed %d %v, want 5, 2, %v",
			rep.Total, rep.Changed, rep.ByTransition, wantCounts)
	}

	rep, err = Replay(context.Background(), candidate, iterate(recs, 2))
	if err == nil || !strings.Contains(err.Error(), "disk on fire") || rep.Total != 2 {
		t.Errorf("Replay(failing source) = %d records, %v; want 2 records and the error",
			rep.Total, err)
	}
}

func TestReplayWithoutPolicy(t *testing.T) {
	g, err := NewReadOnly(context.Background(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	recs := recordsOf(t, []Request{lookup(), ticket()}, []Outcome{Allow, Allow})
	rep, err := Replay(context.Background(), g, iterate(recs, -1))
	if err != nil {
		t.Fatal(err)
	}
	want := []ReplayChange{{ActionID: "ACT-3", CaseID: "CASE-1", Tool: "ticket.create",
		Old: Allow, New: Deny, Reasons: []string{"no valid policy: only read-only tools run"}}}
	if diff := cmp.Diff(want, rep.Changes); diff != "" {
		t.Errorf("Replay without policy (-want +got):\n%s", diff)
	}
}

// countTestRules counts the rules named test_* in the embedded test files.
func countTestRules(t *testing.T) int {
	t.Helper()
	names, err := fs.Glob(policies.FS, "*_test.rego")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, name := range names {
		b, err := fs.ReadFile(policies.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.Lines(string(b)) {
			if strings.HasPrefix(line, "test_") {
				n++
			}
		}
	}
	return n
}
