package store

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/conductor-sec/conductor/internal/finding"
)

// BenchmarkPutFindings stores batches of 1,000 distinct findings, the ingest
// path's unit of work, and reports findings per second.
func BenchmarkPutFindings(b *testing.B) {
	s := openTest(b)
	ctx := context.Background()
	const batch = 1000

	n := 0
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		fs := make([]finding.Finding, batch)
		for i := range fs {
			fs[i] = alert(n)
			n++
		}
		b.StartTimer()

		if _, err := s.PutFindings(ctx, fs); err != nil {
			b.Fatalf("PutFindings() = %v", err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "findings/s")
}

// BenchmarkAppendStep appends steps to the audit chain one transaction each.
func BenchmarkAppendStep(b *testing.B) {
	s := openTest(b)
	ctx := context.Background()

	b.ResetTimer()
	for b.Loop() {
		st := Step{CaseID: "CASE-000001", Actor: "agent:playbook", Kind: "action",
			Ref: "enrich.ip", Tool: "intel.lookup_ip", Args: json.RawMessage(`{"ip":"10.0.0.5"}`),
			Decision: "allow", Reasons: []string{"read_only"}, PolicyVersion: "v1",
			Status: "executed", Output: json.RawMessage(`{"malicious":false}`),
			Summary: "looked up 10.0.0.5"}
		if err := s.AppendStep(ctx, &st); err != nil {
			b.Fatalf("AppendStep() = %v", err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}
