package store

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestCorrelate(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	item := func(n int, at time.Time, keys ...string) CorrelateItem {
		f := alert(n)
		f.Time = at
		return CorrelateItem{Finding: f, Keys: keys}
	}
	opts := CorrelateOptions{Window: time.Hour, Now: t0, Actor: "system:ingest"}

	first, err := s.Correlate(ctx, []CorrelateItem{
		item(1, t0, "ip:203.0.113.7"),
		item(1, t0, "ip:203.0.113.7"),                                  // exact duplicate
		item(2, t0.Add(10*time.Minute), "ip:203.0.113.7", "host:ws-1"), // shares an ip
		item(3, t0, "ip:198.51.100.9"),                                 // unrelated
	}, opts)
	if err != nil {
		t.Fatalf("Correlate: %v", err)
	}
	second, err := s.Correlate(ctx, []CorrelateItem{
		item(4, t0.Add(30*time.Minute), "host:ws-1"), // joins through the index
		item(5, t0.Add(3*time.Hour), "host:ws-1"),    // outside the window
	}, opts)
	if err != nil {
		t.Fatalf("Correlate: %v", err)
	}

	got := append(first, second...)
	want := []Assignment{
		{FindingID: "FND-000001", CaseID: "CASE-000001", NewCase: true, Count: 1},
		{FindingID: "FND-000001", CaseID: "CASE-000001", Duplicate: true, Count: 2},
		{FindingID: "FND-000002", CaseID: "CASE-000001", Count: 1},
		{FindingID: "FND-000003", CaseID: "CASE-000002", NewCase: true, Count: 1},
		{FindingID: "FND-000004", CaseID: "CASE-000001", Count: 1},
		{FindingID: "FND-000005", CaseID: "CASE-000003", NewCase: true, Count: 1},
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("assignment %d = %+v, want %+v", i, got[i], want[i])
		}
	}

	c, err := s.GetCase(ctx, "CASE-000001")
	if err != nil || c.FindingCount != 3 || c.State != StateNew {
		t.Errorf("CASE-000001 = %d findings, state %s, %v; want 3, new", c.FindingCount,
			c.State, err)
	}
	rep, err := s.VerifyChain(ctx)
	// One ingest step per case per batch: CASE-000001 and CASE-000002, then
	// CASE-000001 and CASE-000003.
	if err != nil || !rep.OK || rep.Checked != 4 {
		t.Errorf("VerifyChain = %+v, %v; want OK over 4 ingest steps", rep, err)
	}
	steps, _ := s.Steps(ctx, "CASE-000001")
	if len(steps) != 2 || !strings.HasPrefix(steps[0].Summary,
		"2 suricata finding(s) opened the case: FND-000001, FND-000002;") {
		t.Errorf("CASE-000001 steps = %+v, want 2 with the first naming both findings", steps)
	}
}

// TestCorrelateSkipsClosedCases: a finding never joins a closed case.
func TestCorrelateSkipsClosedCases(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	opts := CorrelateOptions{Window: time.Hour, Now: t0}
	a, err := s.Correlate(ctx, []CorrelateItem{{Finding: alert(1), Keys: []string{"user:bob"}}},
		opts)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := s.GetCase(ctx, a[0].CaseID)
	c.State = StateClosed
	if err := s.UpdateCase(ctx, &c); err != nil {
		t.Fatal(err)
	}

	b, err := s.Correlate(ctx, []CorrelateItem{{Finding: alert(2), Keys: []string{"user:bob"}}},
		opts)
	if err != nil {
		t.Fatal(err)
	}
	if b[0].CaseID == a[0].CaseID || !b[0].NewCase {
		t.Errorf("finding after close went to %s (new %v), want a new case", b[0].CaseID,
			b[0].NewCase)
	}
}

func BenchmarkCorrelate(b *testing.B) {
	ctx := context.Background()
	s := openTest(b)
	opts := CorrelateOptions{Window: time.Hour, Now: t0}
	n := 0
	for b.Loop() {
		items := make([]CorrelateItem, 1000)
		for i := range items {
			items[i] = CorrelateItem{Finding: alert(n), Keys: []string{
				"ip:10.0.0." + string(rune('0'+n%10)), "host:ws-" + string(rune('a'+n%26))}}
			n++
		}
		if _, err := s.Correlate(ctx, items, opts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "findings/s")
}
