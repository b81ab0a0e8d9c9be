package guardrails

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// alwaysAllow is a decision rule whose body is empty: it allows everything.
// Next to the default policy it conflicts with the real decision, so the Rego
// tests fail; alone, with a trivial test, it passes its tests.
const alwaysAllow = `package conductor.guard

decision := {"outcome": "allow", "reasons": ["ok"], "approver_role": "", "ttl_seconds": 0}
`

// lockedBuffer is a log sink safe for the watcher goroutine and the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitStatus polls until ok(Status()) or fails after a generous deadline: a
// reload runs the policy's Rego tests, which is slow on a busy machine.
func waitStatus(t *testing.T, g *Guard, what string, ok func(Status) bool) Status {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		s := g.Status()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: Status() = %+v", what, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// T7: a watched folder that gets a broken or permissive policy keeps the old
// one deciding, and Status says why; a good change goes live.
func TestWatchKeepsLastGoodPolicy(t *testing.T) {
	dir := copyPolicies(t, nil)
	var log lockedBuffer
	g, err := New(context.Background(), Config{
		Dir: dir, Watch: true, Now: fixedNow, Timeout: 10 * time.Second,
		Logger: slog.New(slog.NewTextHandler(&log, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	good := g.Version()
	dc := containment("edr.isolate_host", domainController)

	steps := []struct {
		name  string
		apply func(t *testing.T)
		want  string // in LastError
	}{
		{"syntax_error", func(t *testing.T) {
			broken := "package conductor.guard\n\nallow if {\n"
			writeFile(t, filepath.Join(dir, "broken.rego"), broken)
		}, "rego_parse_error"},
		{"always_true_rule_fails_tests", func(t *testing.T) {
			os.Remove(filepath.Join(dir, "broken.rego"))
			writeFile(t, filepath.Join(dir, "permissive.rego"), alwaysAllow)
		}, "policy tests fail"},
		{"always_true_rule_with_passing_tests_fails_canaries", func(t *testing.T) {
			matches, _ := filepath.Glob(filepath.Join(dir, "*.rego"))
			for _, m := range matches {
				os.Remove(m)
			}
			writeFile(t, filepath.Join(dir, "guard.rego"), alwaysAllow)
			writeFile(t, filepath.Join(dir, "guard_test.rego"),
				"package conductor.guard_test\n\ntest_ok if true\n")
		}, `canary "domain controller isolation is held": policy decided allow`},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.apply(t)
			s := waitStatus(t, g, st.want, func(s Status) bool {
				return strings.Contains(s.LastError, st.want)
			})
			if s.Version != good {
				t.Errorf("Version = %s, want the last good %s", s.Version, good)
			}
			if d := g.Decide(context.Background(), dc); d.Outcome != NeedsApproval {
				t.Errorf("Decide(dc01) = %s %q, want needs_approval from the old policy",
					d.Outcome, d.Reasons)
			}
		})
	}
	if !strings.Contains(log.String(), "level=WARN") ||
		!strings.Contains(log.String(), "policy refused; the last good policy stays") {
		t.Errorf("log = %q, want warn lines for the refused policies", log.String())
	}

	t.Run("good_change_goes_live", func(t *testing.T) {
		restored := copyPolicies(t, nil)
		matches, _ := filepath.Glob(filepath.Join(dir, "*.rego"))
		for _, m := range matches {
			os.Remove(m)
		}
		entries, _ := os.ReadDir(restored)
		for _, e := range entries {
			b, _ := os.ReadFile(filepath.Join(restored, e.Name()))
			if e.Name() == "data.json" {
				b = bytes.Replace(b, []byte(`"kill_switch": false`),
					[]byte(`"kill_switch": true`), 1)
			}
			writeFile(t, filepath.Join(dir, e.Name()), string(b))
		}
		s := waitStatus(t, g, "the kill-switch policy", func(s Status) bool {
			return s.Version != good && s.LastError == ""
		})
		if s.Degraded {
			t.Errorf("Status() = %+v, want healthy", s)
		}
		d := g.Decide(context.Background(), ticket())
		if d.Outcome != NeedsApproval || d.PolicyVersion != s.Version {
			t.Errorf("Decide(ticket) = %s by %s, want needs_approval by %s",
				d.Outcome, d.PolicyVersion, s.Version)
		}
	})
}

func TestReloadUnchangedKeepsPolicy(t *testing.T) {
	dir := copyPolicies(t, nil)
	g := newTestGuard(t, Config{Dir: dir})
	before := g.Status()

	if err := g.Reload(context.Background()); err != nil {
		t.Fatalf("Reload() = %v", err)
	}
	if after := g.Status(); after != before {
		t.Errorf("Status() after an unchanged Reload = %+v, want %+v", after, before)
	}

	writeFile(t, filepath.Join(dir, "permissive.rego"), alwaysAllow)
	err := g.Reload(context.Background())
	if err == nil || !strings.Contains(err.Error(), "policy tests fail") {
		t.Fatalf("Reload(always allow) = %v, want policy tests fail", err)
	}
	if s := g.Status(); s.Version != before.Version || s.LastError != err.Error() {
		t.Errorf("Status() = %+v, want version %s and LastError %q", s, before.Version, err)
	}
}

// TestWatchFollowsAReplacedFolder: a deploy that swaps the policy folder
// (mv a new one into place, or rm and copy) is reloaded, and so is every
// later edit of the new folder.
func TestWatchFollowsAReplacedFolder(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "policies")
	if err := os.Rename(copyPolicies(t, nil), dir); err != nil {
		t.Fatal(err)
	}
	g, err := New(context.Background(), Config{Dir: dir, Watch: true, Now: fixedNow,
		Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	first := g.Version()

	// Swap in a copy whose kill switch is on.
	next := filepath.Join(root, "policies.new")
	if err := os.Rename(copyPolicies(t, nil), next); err != nil {
		t.Fatal(err)
	}
	setKillSwitch(t, next, true)
	if err := os.Rename(dir, filepath.Join(root, "policies.old")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(next, dir); err != nil {
		t.Fatal(err)
	}
	swapped := waitStatus(t, g, "the swapped-in folder", func(s Status) bool {
		return s.Version != first && s.LastError == ""
	}).Version

	// An edit of the folder now in place is seen too.
	setKillSwitch(t, dir, false)
	waitStatus(t, g, "an edit after the swap", func(s Status) bool {
		return s.Version != swapped && s.LastError == ""
	})
	if d := g.Decide(context.Background(), ticket()); d.Outcome != Allow {
		t.Errorf("Decide(ticket) after the switch went off = %s %q, want allow", d.Outcome,
			d.Reasons)
	}
}

func setKillSwitch(t *testing.T, dir string, on bool) {
	t.Helper()
	path := filepath.Join(dir, "data.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	from, to := `"kill_switch": false`, `"kill_switch": true`
	if !on {
		from, to = to, from
	}
	writeFile(t, path, strings.Replace(string(b), from, to, 1))
}
