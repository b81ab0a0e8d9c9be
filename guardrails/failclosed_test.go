package guardrails

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// unvettedGuard loads dir without its tests and canaries, as a broken policy
// could be in force if vetting had a gap: Decide must still fail closed.
func unvettedGuard(t *testing.T, dir string, timeout time.Duration, log *bytes.Buffer) *Guard {
	t.Helper()
	cfg := Config{Dir: dir, Timeout: timeout, Now: fixedNow, unvetted: true}
	if log != nil {
		cfg.Logger = slog.New(slog.NewTextHandler(log, nil))
	}
	g, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New(%s, unvetted) = %v", dir, err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// T6: an undefined decision (a typo in the rule path) is a deny that says why.
func TestDecideUndefinedFailsClosed(t *testing.T) {
	var log bytes.Buffer
	g := unvettedGuard(t, "testdata/undefined", time.Second, &log)

	for _, req := range []Request{lookup(), containment("edr.isolate_host", workstation)} {
		d := g.Decide(context.Background(), req)
		if d.Outcome != Deny || len(d.Reasons) != 1 ||
			d.Reasons[0] != "policy_error: decision is undefined" {
			t.Errorf("Decide(%s) = %s %q, want deny [policy_error: decision is undefined]",
				req.Tool, d.Outcome, d.Reasons)
		}
		if d.Permit.DecisionID() != "" {
			t.Errorf("Decide(%s) carries a permit", req.Tool)
		}
	}

	s := g.Status()
	if !s.Degraded || s.Errors != 2 || !strings.Contains(s.LastError, "decision is undefined") {
		t.Errorf("Status() = %+v, want degraded, 2 errors, LastError naming the cause", s)
	}
	for _, want := range []string{"level=ERROR", `msg="policy failed; action denied"`,
		"component=guardrails", "tool=edr.isolate_host", `error="decision is undefined"`} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log = %q, want it to contain %q", log.String(), want)
		}
	}
}

// T6: a decision that takes longer than the timeout is a deny.
func TestDecideTimeoutFailsClosed(t *testing.T) {
	slow := `package conductor.guard

# slow.loop burns millions of iterations, as a runaway rule would.
deny_reasons contains "slow" if {
	input.tool == "slow.loop"
	n := numbers.range(1, 4000)
	count({i | some i in n; some j in n; i == j + 9999}) >= 0
}
`
	tests := []struct {
		name    string
		dir     string
		timeout time.Duration
		req     Request
	}{
		{"one_nanosecond", "", time.Nanosecond, lookup()},
		{"runaway_rule", copyPolicies(t, map[string]string{"slow.rego": slow}),
			50 * time.Millisecond,
			Request{ID: "ACT-S", Tool: "slow.loop", Risk: "write", Actor: "agent:llm"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, err := New(context.Background(), Config{Dir: tc.dir, Timeout: tc.timeout})
			if err != nil {
				t.Fatalf("New = %v", err)
			}
			defer g.Close()

			start := time.Now()
			d := g.Decide(context.Background(), tc.req)
			want := "policy_error: evaluating policy: no decision within " + tc.timeout.String()
			if d.Outcome != Deny || len(d.Reasons) != 1 || !strings.HasPrefix(d.Reasons[0], want) {
				t.Errorf("Decide(%s) = %s %q, want deny starting %q",
					tc.req.Tool, d.Outcome, d.Reasons, want)
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("Decide(%s) took %s; the timeout did not stop it", tc.req.Tool, took)
			}
			if !g.Status().Degraded {
				t.Errorf("Status().Degraded = false after a timeout")
			}
		})
	}
}

// T6: a result of the wrong shape is a deny, never read as an allow.
func TestDecideMalformedFailsClosed(t *testing.T) {
	g := unvettedGuard(t, "testdata/malformed", time.Second, nil)
	tests := []struct {
		tool, want string
	}{
		{"bad.outcome", `decision outcome "maybe" is not allow, needs_approval or deny`},
		{"bad.reasons", "decision reason 0 is number, not a string"},
		{"bad.reason_list", "decision reasons are string, not an array"},
		{"bad.type", "decision is string, not an object"},
		{"bad.role", `decision approver_role "root" is not analyst, lead or admin`},
		{"bad.ttl", "decision ttl_seconds 0 is not between 0 and a week"},
		{"bad.builtin", "to_number: strconv.ParseFloat"},
		{"bad.conflict", "eval_conflict_error"},
	}
	for _, tc := range tests {
		t.Run(tc.tool, func(t *testing.T) {
			d := g.Decide(context.Background(), Request{Tool: tc.tool, Risk: "read_only"})
			if d.Outcome != Deny || len(d.Reasons) != 1 ||
				!strings.HasPrefix(d.Reasons[0], "policy_error: ") ||
				!strings.Contains(d.Reasons[0], tc.want) {
				t.Errorf("Decide(%s) = %s %q, want deny policy_error containing %q",
					tc.tool, d.Outcome, d.Reasons, tc.want)
			}
		})
	}

	// A well-formed decision afterwards clears the degraded flag.
	if d := g.Decide(context.Background(), Request{Tool: "fine"}); d.Outcome != Allow {
		t.Fatalf("Decide(fine) = %s %q, want allow", d.Outcome, d.Reasons)
	}
	if s := g.Status(); s.Degraded || s.Errors != int64(len(tests)) {
		t.Errorf("Status() = %+v, want not degraded with %d errors", s, len(tests))
	}
}

// A caller that has given up gets a deny, not a decision the policy never
// finished.
func TestDecideCancelledFailsClosed(t *testing.T) {
	g, err := New(context.Background(), Config{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d := g.Decide(ctx, containment("edr.isolate_host", workstation))
	want := "policy_error: evaluating policy: context canceled"
	if d.Outcome != Deny || len(d.Reasons) != 1 || d.Reasons[0] != want {
		t.Errorf("Decide(cancelled) = %s %q, want deny %q", d.Outcome, d.Reasons, want)
	}
	if d.Permit.DecisionID() != "" {
		t.Error("a cancelled decision carries a permit")
	}
}
