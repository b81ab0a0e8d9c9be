package bench

import (
	"context"
	"testing"

	"github.com/conductor-sec/conductor/internal/finding"
	"github.com/conductor-sec/conductor/internal/ingest"
)

// TestRunSmall runs every workload at a small size and checks each figure is
// there and measured; the real sizes run in `conductor bench`.
func TestRunSmall(t *testing.T) {
	figs, err := Run(context.Background(), Options{
		Dir: t.TempDir(), Alerts: 2000, Decisions: 200, Cases: 5, Replay: 1000, Events: 2000,
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := []string{
		"ingest_alerts_per_second", "guard_decision_p50", "guard_decision_p99", "guard_containment_p50", "guard_containment_p99",
		"guard_decision_demo_mix_p50", "guard_decision_demo_mix_p99",
		"investigation_p50", "investigation_p99", "policy_replay_seconds",
		"telemetry_load_events_per_second", "telemetry_search_p50", "telemetry_search_p99",
		"peak_resident_memory",
	}
	if len(figs) != len(want) {
		t.Fatalf("Run returned %d figures, want %d: %+v", len(figs), len(want), figs)
	}
	for i, f := range figs {
		if f.Name != want[i] || f.Value <= 0 || f.Workload == "" {
			t.Errorf("figure %d = %+v, want %s with a positive value and a workload", i, f,
				want[i])
		}
	}
}

func TestSuricataAlertsParse(t *testing.T) {
	res, err := ingest.Parse("bench.ndjson", SuricataAlerts(100), ingest.Options{})
	if err != nil || len(res.Errors) > 0 {
		t.Fatalf("Parse = %v, %v", err, res.Errors)
	}
	if len(res.Findings) != 100 {
		t.Fatalf("findings = %d, want 100", len(res.Findings))
	}
	f := res.Findings[3]
	if f.Source != "suricata" || f.Severity != finding.SeverityHigh ||
		f.Techniques[0] != "T1071.001" {
		t.Errorf("finding 3 = %s %s %v, want suricata high [T1071.001]", f.Source, f.Severity,
			f.Techniques)
	}
}

// BenchmarkIngestPipeline measures parse, correlate and store of 1,000-alert
// batches: the ingest figure of `conductor bench`.
func BenchmarkIngestPipeline(b *testing.B) {
	ctx := context.Background()
	a, err := openApp(ctx, Options{Dir: b.TempDir()}.withDefaults(), "b")
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	data := SuricataAlerts(1000)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		res, err := ingest.Parse("b.ndjson", data, ingest.Options{})
		if err != nil {
			b.Fatal(err)
		}
		for j := range res.Findings {
			res.Findings[j].Raw = append(res.Findings[j].Raw, byte(i), byte(i>>8), byte(i>>16))
		}
		if _, err := a.Engine.Ingest(ctx, res.Findings); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "alerts/s")
}

// BenchmarkInvestigation measures one playbook investigation of one alert.
func BenchmarkInvestigation(b *testing.B) {
	ctx := context.Background()
	a, err := openApp(ctx, Options{Dir: b.TempDir()}.withDefaults(), "b")
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	res, err := ingest.Parse("b.ndjson", SuricataAlerts(1), ingest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := investigateOne(ctx, a, res.Findings[0]); err != nil {
			b.Fatal(err)
		}
	}
}
