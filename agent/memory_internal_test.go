package agent

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/conductor-sec/conductor/internal/finding"
	"github.com/conductor-sec/conductor/internal/store"
	"github.com/conductor-sec/conductor/memory"
)

func TestMergeRecalled(t *testing.T) {
	en := Enrichment{Related: []RelatedCase{
		{ID: "CASE-000003", Title: "Beacon", Verdict: "malicious",
			Shared: []string{"ip:203.0.113.66"}},
	}}
	hit := func(id, title, verdict string, score float32) memory.Hit {
		return memory.Hit{Score: score, Item: memory.Item{ID: id, Payload: memory.Payload{
			CaseID: id, Title: title, Verdict: verdict}}}
	}
	mergeRecalled(&en, []memory.Hit{
		hit("CASE-000003", "Beacon", "malicious", 0.81234),
		hit("CASE-000001", "Invoice phish", "benign", 0.4567),
	})

	want := []RelatedCase{
		{ID: "CASE-000003", Title: "Beacon", Verdict: "malicious",
			Shared: []string{"ip:203.0.113.66"}, Similarity: 0.812},
		{ID: "CASE-000001", Title: "Invoice phish", Verdict: "benign", Shared: []string{},
			Similarity: 0.457},
	}
	if diff := cmp.Diff(want, en.Related); diff != "" {
		t.Errorf("merged related cases (-want +got):\n%s", diff)
	}
}

// TestRecalledCasesDoNotScore: a malicious case recalled for similar text
// alone does not count toward the score; one sharing entities does.
func TestRecalledCasesDoNotScore(t *testing.T) {
	e := &Engine{}
	v := &CaseView{Enrichment: Enrichment{Related: []RelatedCase{
		{ID: "CASE-1", Verdict: "malicious", Shared: []string{"domain:evil.example"}},
		{ID: "CASE-2", Verdict: "malicious", Shared: []string{}, Similarity: 0.9},
	}}}
	if got := e.scoreInput(v).RelatedMalicious; got != 1 {
		t.Errorf("RelatedMalicious = %d, want 1 (the entity-sharing case only)", got)
	}
}

func TestCaseDocs(t *testing.T) {
	closed := time.Date(2025, 5, 2, 8, 0, 0, 0, time.UTC)
	c := store.Case{
		ID: "CASE-000009", Title: "Reported phishing: Invoice", Verdict: "suspicious",
		AnalystVerdict: "malicious", Summary: "credential page", AnalystNote: "blocked",
		Techniques: []string{"T1566.002"}, ClosedAt: closed,
	}
	got := closedDoc(&c, []string{"domain:evil.example"})
	want := memory.CaseDoc{
		CaseID: "CASE-000009", Title: "Reported phishing: Invoice", Verdict: "malicious",
		Techniques: []string{"T1566.002"}, Entities: []string{"domain:evil.example"},
		Summary: "credential page blocked", ClosedAt: closed,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("closedDoc (-want +got):\n%s", diff)
	}

	fs := []finding.Finding{
		{Title: "Reported phishing: Invoice", Techniques: []string{"T1566.002"}},
		{Title: "Click on phishing link", Techniques: []string{"T1204.001"}},
		{Title: "Click on phishing link"},
	}
	open := openDoc(&c, fs, []string{"url:http://evil.example/pay"})
	wantOpen := memory.CaseDoc{
		CaseID: "CASE-000009", Title: "Reported phishing: Invoice",
		Techniques: []string{"T1566.002", "T1204.001"},
		Entities:   []string{"url:http://evil.example/pay"}, Summary: "Click on phishing link",
	}
	if diff := cmp.Diff(wantOpen, open); diff != "" {
		t.Errorf("openDoc (-want +got):\n%s", diff)
	}
}
