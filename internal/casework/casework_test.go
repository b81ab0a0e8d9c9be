package casework_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/guardrails"
	"github.com/conductor-sec/conductor/internal/app"
	"github.com/conductor-sec/conductor/internal/casework"
	"github.com/conductor-sec/conductor/internal/config"
	"github.com/conductor-sec/conductor/internal/finding"
	"github.com/conductor-sec/conductor/internal/ingest"
	"github.com/conductor-sec/conductor/internal/report"
)

func TestTouched(t *testing.T) {
	placed := []agent.Ingested{
		{FindingID: "FND-1", CaseID: "CASE-000002"}, {FindingID: "FND-2", CaseID: "CASE-000001"},
		{FindingID: "FND-3", CaseID: "CASE-000002"}, {FindingID: "FND-4", CaseID: "CASE-000003"},
	}
	want := []string{"CASE-000002", "CASE-000001", "CASE-000003"}
	if diff := cmp.Diff(want, casework.Touched(placed)); diff != "" {
		t.Errorf("Touched (-want +got):\n%s", diff)
	}
	if got := casework.Touched(nil); len(got) != 0 {
		t.Errorf("Touched(nil) = %v, want none", got)
	}
}

// twoAlerts are two alerts on the same host, which correlate into one case,
// and one on another host, which opens a second.
const twoAlerts = `{"title":"Beacon from WS-0142","time":"2026-11-30T10:00:00Z",` +
	`"severity":"high","observables":[{"kind":"host","value":"WS-0142","role":"src"}]}
{"title":"Second beacon from WS-0142","time":"2026-11-30T10:05:00Z","severity":"high",` +
	`"observables":[{"kind":"host","value":"WS-0142","role":"src"}]}
{"title":"Backup SSH from BKP-01","time":"2026-11-30T01:32:00Z","severity":"low",` +
	`"observables":[{"kind":"host","value":"BKP-01","role":"src"}]}
`

func TestIngestAndInvestigate(t *testing.T) {
	ctx := context.Background()
	a, err := app.Open(ctx, config.Config{DB: filepath.Join(t.TempDir(), "c.db")},
		app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	res, err := ingest.Parse("alerts.ndjson", []byte(twoAlerts), ingest.Options{})
	if err != nil || len(res.Findings) != 3 {
		t.Fatalf("parsing = %d findings, %v; want 3", len(res.Findings), err)
	}

	docs, err := casework.IngestAndInvestigate(ctx, a.Engine, a.Store, res.Findings)
	if err != nil {
		t.Fatal(err)
	}
	got := summarize(docs)
	want := []docSummary{{"CASE-000001", 2, true}, {"CASE-000002", 1, true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("documents (-want +got):\n%s", diff)
	}

	doc, err := casework.Doc(ctx, a.Engine, a.Store, "CASE-000001")
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Timeline) != len(docs[0].Timeline) || doc.Case.State != docs[0].Case.State {
		t.Errorf("Doc = %d steps, state %s; want %d, %s as investigated", len(doc.Timeline),
			doc.Case.State, len(docs[0].Timeline), docs[0].Case.State)
	}
	if _, err := casework.Doc(ctx, a.Engine, a.Store, "CASE-000404"); err == nil {
		t.Error("Doc(CASE-000404) = nil error, want not found")
	}
	if _, err := casework.IngestAndInvestigate(ctx, a.Engine, a.Store,
		[]finding.Finding{}); err != nil {
		t.Errorf("IngestAndInvestigate(nothing) = %v, want nil", err)
	}

	// The same alerts again, once CASE-000001 is closed: the repeat sighting
	// is recorded on the closed case, which is not reopened, and the upload
	// still succeeds.
	lee := guardrails.Principal{Name: "analyst:lee", Role: "analyst"}
	if _, err := a.Engine.Close(ctx, "CASE-000001", "malicious", "done", lee); err != nil {
		t.Fatal(err)
	}
	again, err := ingest.Parse("alerts.ndjson", []byte(twoAlerts), ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	docs, err = casework.IngestAndInvestigate(ctx, a.Engine, a.Store, again.Findings)
	if err != nil {
		t.Fatalf("IngestAndInvestigate after the close = %v, want the documents", err)
	}
	for _, d := range docs {
		if d.Case.ID == "CASE-000001" && d.Case.State != "closed" {
			t.Errorf("CASE-000001 is %s after a repeat sighting, want closed", d.Case.State)
		}
	}
}

type docSummary struct {
	ID       string
	Findings int
	// Verdict says the investigation ran to a verdict step.
	Verdict bool
}

func summarize(docs []report.Doc) []docSummary {
	var out []docSummary
	for _, d := range docs {
		s := docSummary{ID: d.Case.ID, Findings: d.Case.FindingCount}
		for _, e := range d.Timeline {
			s.Verdict = s.Verdict || e.Kind == "verdict"
		}
		out = append(out, s)
	}
	return out
}
