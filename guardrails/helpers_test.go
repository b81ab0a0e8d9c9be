package guardrails

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/conductor-sec/conductor/policies"
)

// testNow is the fake clock of every test guard.
var testNow = time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return testNow }

// newTestGuard builds a guard on cfg with the fake clock, closed at cleanup.
func newTestGuard(t testing.TB, cfg Config) *Guard {
	t.Helper()
	cfg.Now = fixedNow
	if cfg.Timeout == 0 {
		// Generous: these tests check decisions, not speed, on a shared machine.
		cfg.Timeout = 10 * time.Second
	}
	g, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New(%+v) = %v", cfg, err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

var workstation = Target{Arg: "host", Kind: "host", Value: "ws-042", Known: true,
	AssetType: "workstation", Criticality: "medium"}

var domainController = Target{Arg: "host", Kind: "host", Value: "dc01", Known: true,
	AssetType: "domain_controller", Criticality: "critical", CrownJewel: true}

// containment returns a clean, confident containment request by the playbook
// planner on target, which the default policy allows for a workstation.
func containment(tool string, target Target) Request {
	return Request{
		ID:         "ACT-1",
		Tool:       tool,
		Args:       map[string]any{target.Arg: target.Value},
		Risk:       "containment",
		Reversible: true,
		Actor:      "agent:playbook",
		Case:       CaseFacts{ID: "CASE-1", Score: 80, Confidence: 0.9},
		Targets:    []Target{target},
		Provenance: map[string]string{target.Arg: FromCaseEntity},
		Recent:     Recent{WindowSeconds: 3600},
		Time:       testNow,
	}
}

func lookup() Request {
	return Request{
		ID:         "ACT-2",
		Tool:       "intel.lookup",
		Args:       map[string]any{"value": "203.0.113.7"},
		Risk:       "read_only",
		Reversible: true,
		Actor:      "agent:llm",
		Case:       CaseFacts{ID: "CASE-1", Score: 30, Confidence: 0.2},
		Provenance: map[string]string{"value": FromUntrustedText},
		Time:       testNow,
	}
}

func ticket() Request {
	return Request{
		ID:         "ACT-3",
		Tool:       "ticket.create",
		Args:       map[string]any{"title": "Phishing wave", "body": "Three users clicked."},
		Risk:       "write",
		Reversible: true,
		Actor:      "agent:playbook",
		Case:       CaseFacts{ID: "CASE-1", Score: 40, Confidence: 0.5},
		Provenance: map[string]string{"title": FromPlanner, "body": FromPlanner},
		Time:       testNow,
	}
}

// copyPolicies copies the embedded default policy into a new folder, plus
// extra files (name to content), and returns the folder.
func copyPolicies(t testing.TB, extra map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	err := fs.WalkDir(policies.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(policies.FS, path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, path), b, 0o644)
	})
	if err != nil {
		t.Fatalf("copying policies: %v", err)
	}
	for name, content := range extra {
		writeFile(t, filepath.Join(dir, name), content)
	}
	return dir
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
