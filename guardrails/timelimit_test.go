package guardrails

import (
	"context"
	"testing"
	"time"
)

// TestContainmentTimeLimit: containment an agent runs on its own carries the
// policy's time limit; the same call by a lead, and a lookup, stand.
func TestContainmentTimeLimit(t *testing.T) {
	g := newTestGuard(t, Config{})
	ws := Target{Arg: "host", Kind: "host", Value: "WS-0142", Known: true,
		AssetType: "workstation", Criticality: "medium"}
	byLead := containment("edr.isolate_host", ws)
	byLead.Actor, byLead.ActorRole = "analyst:lee", "lead"

	tests := []struct {
		name string
		req  Request
		want time.Duration
	}{
		{"agent isolation", containment("edr.isolate_host", ws), 4 * time.Hour},
		{"lead isolation", byLead, 0},
		{"lookup", lookup(), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := g.Decide(context.Background(), tt.req)
			if d.Outcome != Allow || d.UndoAfter != tt.want {
				t.Errorf("Decide(%s) = %s with UndoAfter %s, want allow with %s", tt.name,
					d.Outcome, d.UndoAfter, tt.want)
			}
		})
	}
}
