package app

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/conductor-sec/conductor/guardrails"
	"github.com/conductor-sec/conductor/internal/config"
	"github.com/conductor-sec/conductor/policies"
)

// TestOpenWithBrokenPolicy: a policy folder that does not compile leaves the
// service up with only read-only tools, degraded, and a fixed file saved into
// the watched folder takes over without a restart.
func TestOpenWithBrokenPolicy(t *testing.T) {
	dir := t.TempDir()
	good, err := policies.FS.ReadFile("guard.rego")
	if err != nil {
		t.Fatal(err)
	}
	copyPolicies(t, dir)
	if err := os.WriteFile(filepath.Join(dir, "guard.rego"), []byte("package conductor.guard\n"+
		"decision := {"), 0o600); err != nil {
		t.Fatal(err)
	}

	cfg := config.Config{DB: filepath.Join(t.TempDir(), "c.db"), Policies: dir}
	a, err := Open(context.Background(), cfg, Options{})
	if err != nil {
		t.Fatalf("Open with a broken policy = %v, want the service up read-only", err)
	}
	defer a.Close()

	ctx := context.Background()
	if st := a.Guard.Status(); !st.Degraded || st.Version != guardrails.NoPolicyVersion {
		t.Errorf("guard status = %+v, want degraded with no policy", st)
	}
	read := a.Guard.Decide(ctx, guardrails.Request{Tool: "asset.get", Risk: "read_only",
		Actor: "agent:playbook"})
	change := a.Guard.Decide(ctx, guardrails.Request{Tool: "edr.isolate_host",
		Risk: "containment", Reversible: true, Actor: "agent:playbook"})
	if read.Outcome != guardrails.Allow || change.Outcome != guardrails.Deny {
		t.Errorf("read-only %s, containment %s; want allow and deny", read.Outcome,
			change.Outcome)
	}

	if err := os.WriteFile(filepath.Join(dir, "guard.rego"), good, 0o600); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		if a.Guard.Version() != guardrails.NoPolicyVersion {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("the fixed policy was not loaded: status %+v", a.Guard.Status())
}

// copyPolicies writes the embedded default policies into dir.
func copyPolicies(t *testing.T, dir string) {
	t.Helper()
	entries, err := policies.FS.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := policies.FS.ReadFile(e.Name())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}
