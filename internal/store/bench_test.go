package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"testing"
	"time"

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

// BenchmarkDecisionsReplay streams 100,000 logged decisions, what a policy
// replay reads before it evaluates anything.
func BenchmarkDecisionsReplay(b *testing.B) {
	s := openTest(b)
	ctx := context.Background()
	const n = 100_000
	fillDecisions(b, s, n)

	for b.Loop() {
		got := 0
		err := s.DecisionsFunc(ctx, time.Time{}, func(d DecisionRecord) error {
			got += len(d.Input)
			return nil
		})
		if err != nil || got == 0 {
			b.Fatalf("DecisionsFunc() = %v after %d bytes", err, got)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "decisions/s")
}

// fillDecisions logs n decisions in one transaction; PutDecision's one
// transaction per call would make the setup slower than the measurement.
func fillDecisions(b *testing.B, s *Store, n int) {
	b.Helper()
	input := `{"id":"ACT-000001","tool":"edr.isolate_host","args":{"host":"ws-17"},` +
		`"risk":"containment","actor":"agent:playbook","case":{"id":"CASE-000001",` +
		`"score":80,"confidence":0.9}}`
	err := s.write(context.Background(), func(tx *sql.Tx) error {
		for i := range n {
			_, err := tx.Exec(`INSERT INTO decisions (`+decisionCols+`)
				VALUES (?, 'ACT-000001', 'CASE-000001', 'edr.isolate_host', ?, ?, 'd',
				'needs_approval', '["containment"]', 'v1')`,
				formatID(prefixDecision, int64(i+1)),
				fmtTime(t0.Add(time.Duration(i)*time.Millisecond)), []byte(input))
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatalf("filling decisions: %v", err)
	}
}
