package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/conductor-sec/conductor/guardrails"
	"github.com/conductor-sec/conductor/internal/casework"
	"github.com/conductor-sec/conductor/internal/demo"
)

// demoMixFigures times the guard on the policy inputs a real run records: the
// bundled demo is investigated, then every decision it logged is decided
// again, round robin, as many times as opts.Decisions asks.
func demoMixFigures(ctx context.Context, opts Options) ([]Figure, error) {
	reqs, err := demoRequests(ctx, opts)
	if err != nil {
		return nil, err
	}
	g, err := guardrails.New(ctx, guardrails.Config{})
	if err != nil {
		return nil, err
	}
	defer g.Close()

	lat := make([]time.Duration, opts.Decisions)
	for i := range lat {
		t := time.Now()
		g.Decide(ctx, reqs[i%len(reqs)])
		lat[i] = time.Since(t)
	}
	p50, p99 := percentiles(lat)
	work := fmt.Sprintf("%d decisions over the %d policy inputs the bundled demo recorded",
		len(lat), len(reqs))
	return []Figure{
		{Name: "guard_decision_demo_mix_p50", Value: micros(p50), Unit: "µs", Workload: work,
			Target: "<= 50"},
		{Name: "guard_decision_demo_mix_p99", Value: micros(p99), Unit: "µs", Workload: work,
			Target: "<= 500"},
	}, nil
}

// demoRequests investigates the bundled samples and returns the recorded
// policy inputs.
func demoRequests(ctx context.Context, opts Options) ([]guardrails.Request, error) {
	a, err := openApp(ctx, opts, "demomix")
	if err != nil {
		return nil, err
	}
	defer a.Close()

	if _, err := demo.LoadTelemetry(ctx, a); err != nil {
		return nil, err
	}
	fs, err := demo.Findings(a.IngestOptions())
	if err != nil {
		return nil, err
	}
	if _, err := casework.IngestAndInvestigate(ctx, a.Engine, a.Store, fs); err != nil {
		return nil, err
	}

	recs, err := a.Store.Decisions(ctx, time.Time{})
	if err != nil {
		return nil, err
	}
	reqs := make([]guardrails.Request, 0, len(recs))
	for _, r := range recs {
		var req guardrails.Request
		if err := json.Unmarshal(r.Input, &req); err != nil {
			return nil, fmt.Errorf("decoding recorded input %s: %w", r.ID, err)
		}
		reqs = append(reqs, req)
	}
	if len(reqs) == 0 {
		return nil, fmt.Errorf("the demo recorded no decisions")
	}
	return reqs, nil
}
