package playbook

import (
	"context"
	"testing"
)

// BenchmarkPlan runs one whole endpoint-compromise investigation (four Plan
// calls, 10 proposals) over a fresh view per iteration.
func BenchmarkPlan(b *testing.B) {
	p := newPlanner(b, "")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		v := endpointView()
		for {
			plan, err := p.Plan(ctx, v)
			if err != nil {
				b.Fatal(err)
			}
			if plan.Done {
				break
			}
			for _, a := range plan.Actions {
				v.Steps = append(v.Steps, record(a, nil))
			}
		}
	}
}

// BenchmarkPlanRound is one Plan call on a phishing case mid-way: the lookups
// recorded, containment next.
func BenchmarkPlanRound(b *testing.B) {
	p := newPlanner(b, "")
	v := phishingView()
	plan, err := p.Plan(context.Background(), v)
	if err != nil {
		b.Fatal(err)
	}
	for _, a := range plan.Actions {
		v.Steps = append(v.Steps, record(a, nil))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Plan(context.Background(), v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad compiles the embedded playbooks.
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(""); err != nil {
			b.Fatal(err)
		}
	}
}
