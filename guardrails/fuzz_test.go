package guardrails

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

// FuzzParseVerdict: whatever a policy returns, parseVerdict either refuses it
// or yields one of the three outcomes, with a role and a TTL for a hold.
func FuzzParseVerdict(f *testing.F) {
	f.Add(`{"outcome":"allow","reasons":["x"],"approver_role":"","ttl_seconds":0}`)
	f.Add(`{"outcome":"needs_approval","reasons":[],"approver_role":"lead","ttl_seconds":3600}`)
	f.Add(`{"outcome":"needs_approval","reasons":["a"],"approver_role":"lead","ttl_seconds":1e99}`)
	f.Add(`{"outcome":"deny","reasons":[1]}`)
	f.Add(`"allow"`)
	f.Fuzz(func(t *testing.T, s string) {
		v, err := inputValue([]byte(s))
		if err != nil {
			return
		}
		out, err := parseVerdict(v)
		if err != nil {
			return
		}
		switch out.outcome {
		case Allow, Deny:
		case NeedsApproval:
			if _, ok := roleRank[out.approverRole]; !ok || out.ttl <= 0 {
				t.Errorf("parseVerdict(%s) = hold with role %q ttl %s",
					s, out.approverRole, out.ttl)
			}
		default:
			t.Errorf("parseVerdict(%s) = outcome %q", s, out.outcome)
		}
	})
}

// FuzzReplayInput: a recorded input is untrusted bytes; deciding it never
// panics and never yields anything but the three outcomes.
func FuzzReplayInput(f *testing.F) {
	g, err := New(context.Background(), Config{Timeout: time.Second})
	if err != nil {
		f.Fatal(err)
	}
	defer g.Close()
	p := g.current.Load()

	for _, r := range benchMix() {
		raw, _ := json.Marshal(r)
		f.Add(raw)
	}
	f.Add([]byte(`{"risk":"containment","targets":[{"kind":"ip","value":"::ffff:10.0.0.1/1"}]}`))
	f.Add([]byte(`{"risk":"containment","targets":"x","case":[],"recent":null}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		r := g.replayOne(context.Background(), p, replayJob{input: raw})
		if r.outcome != Allow && r.outcome != NeedsApproval && r.outcome != Deny {
			t.Fatalf("replayOne(%q) = outcome %q", raw, r.outcome)
		}
		if r.outcome == Allow && !json.Valid(raw) {
			t.Fatalf("replayOne(%q) allowed invalid JSON", raw)
		}
	})
}
