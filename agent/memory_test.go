package agent_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/guardrails"
	"github.com/conductor-sec/conductor/internal/app"
	"github.com/conductor-sec/conductor/internal/finding"
	"github.com/conductor-sec/conductor/memory"
)

// viewer is a planner that ends every investigation at once with its verdict
// and keeps the views it was shown.
type viewer struct {
	verdict string
	mu      sync.Mutex
	views   map[string]*agent.CaseView
}

func (v *viewer) Name() string { return "viewer" }

func (v *viewer) Plan(_ context.Context, view *agent.CaseView) (agent.Plan, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.views == nil {
		v.views = map[string]*agent.CaseView{}
	}
	v.views[view.Case.ID] = view
	return agent.Plan{Done: true, Verdict: v.verdict, Confidence: 0.9,
		Summary: "credential phishing page"}, nil
}

func (v *viewer) related(t *testing.T, caseID string) []agent.RelatedCase {
	t.Helper()
	v.mu.Lock()
	defer v.mu.Unlock()
	view, ok := v.views[caseID]
	if !ok {
		t.Fatalf("the planner never saw %s", caseID)
	}
	return view.Enrichment.Related
}

// reportedPhish is a reported e-mail as the e-mail parser normalizes it.
func reportedPhish(subject, from, originIP, link string) finding.Finding {
	_, domain, _ := strings.Cut(from, "@")
	f := finding.Finding{
		Source: "email", Title: "Reported phishing: " + subject,
		Time:     time.Now().UTC().Add(-time.Minute),
		Severity: finding.SeverityMedium, SeverityScore: 50,
		Techniques: []string{"T1566.002"},
		Email: &finding.Email{Subject: subject, From: finding.Address{Address: from},
			OriginIP: originIP, URLs: []string{link},
			To: []string{"maria.lopez@acme-corp.example"}},
		Raw: []byte(fmt.Sprintf("From: %s\r\nSubject: %s\r\n\r\n%s\r\n", from, subject, link)),
	}
	f.Add(finding.KindEmail, "maria.lopez@acme-corp.example", "recipient", finding.OriginField)
	f.Add(finding.KindEmail, from, "sender", finding.OriginField)
	f.Add(finding.KindDomain, domain, "sender", finding.OriginField)
	f.Add(finding.KindIP, originIP, "origin_ip", finding.OriginField)
	f.Add(finding.KindURL, link, "link", finding.OriginText)
	return f
}

var lead = guardrails.Principal{Name: "analyst:lee", Role: "lead"}

func findRelated(rs []agent.RelatedCase, id string) []agent.RelatedCase {
	var out []agent.RelatedCase
	for _, r := range rs {
		if r.ID == id {
			out = append(out, r)
		}
	}
	return out
}

// TestMemoryRecallsClosedCase: a phishing case closed as malicious is
// remembered; a new phishing case from the same sender domain recalls it,
// once, with both the shared entity and a similarity; a look-alike sender
// sharing no entity at all is recalled on similarity alone.
func TestMemoryRecallsClosedCase(t *testing.T) {
	p := &viewer{verdict: "malicious"}
	e := newEnv(t, app.Options{Planner: p})

	first := e.openCase(t, reportedPhish("Invoice 4411 overdue",
		"billing@acme-invoices.example", "203.0.113.9", "http://acme-invoices.example/pay"))
	e.investigate(t, first)
	if _, err := e.app.Engine.Close(e.ctx, first, "malicious", "sender blocked at the gateway",
		lead); err != nil {
		t.Fatalf("Close(%s): %v", first, err)
	}
	if n, _ := e.app.Memory.Len(e.ctx); n != 1 {
		t.Fatalf("memory holds %d cases after closing one, want 1", n)
	}

	tests := []struct {
		name       string
		phish      finding.Finding
		wantShared []string
		wantSim    float64
	}{
		{
			name: "same sender domain",
			phish: reportedPhish("Payment reminder", "accounts@acme-invoices.example",
				"198.51.100.23", "http://acme-invoices.example/remind"),
			wantShared: []string{"domain:acme-invoices.example"},
			wantSim:    0.625,
		},
		{
			name: "look-alike sender, nothing shared",
			phish: reportedPhish("Invoice 4411 overdue", "billing@acme-lnvoices.example",
				"192.0.2.44", "http://acme-lnvoices.example/pay"),
			wantShared: []string{},
			wantSim:    0.507,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := e.openCase(t, tt.phish)
			if id == first {
				t.Fatalf("the new e-mail joined the closed case %s", first)
			}
			e.investigate(t, id)

			got := findRelated(p.related(t, id), first)
			if len(got) != 1 {
				t.Fatalf("related entries for %s = %+v, want exactly one", first, got)
			}
			r := got[0]
			if r.Verdict != "malicious" || !slices.Equal(r.Shared, tt.wantShared) {
				t.Errorf("related %s = verdict %q, shared %v; want malicious, %v",
					first, r.Verdict, r.Shared, tt.wantShared)
			}
			if math.Abs(r.Similarity-tt.wantSim) > 0.002 {
				t.Errorf("similarity to %s = %.3f, want %.3f", first, r.Similarity, tt.wantSim)
			}
		})
	}
}

// TestMemoryLeavesUnrelatedOut: a closed brute-force case is not recalled for
// a phishing case: its similarity is under the floor.
func TestMemoryLeavesUnrelatedOut(t *testing.T) {
	p := &viewer{verdict: "benign"}
	e := newEnv(t, app.Options{Planner: p})
	brute := alert("SSH brute force against bastion-01", "",
		field(finding.KindIP, "45.10.1.1", "src"), field(finding.KindHost, "bastion-01", "dst"))
	brute.Techniques = []string{"T1110"}
	old := e.openCase(t, brute)
	e.investigate(t, old)
	if _, err := e.app.Engine.Close(e.ctx, old, "benign", "pentest", lead); err != nil {
		t.Fatal(err)
	}

	id := e.openCase(t, reportedPhish("Invoice 4411 overdue", "billing@acme-invoices.example",
		"203.0.113.9", "http://acme-invoices.example/pay"))
	e.investigate(t, id)
	if got := findRelated(p.related(t, id), old); len(got) != 0 {
		t.Errorf("unrelated closed case recalled: %+v", got)
	}
}

// brokenMemory fails every call.
type brokenMemory struct{ calls int }

func (b *brokenMemory) Remember(context.Context, memory.CaseDoc) error {
	b.calls++
	return errors.New("memory store unreachable")
}

func (b *brokenMemory) Recall(context.Context, memory.CaseDoc, int) ([]memory.Hit, error) {
	b.calls++
	return nil, errors.New("memory store unreachable")
}

// TestMemoryFailureDegrades: a failing memory costs the hint, never the
// investigation or the closing of a case.
func TestMemoryFailureDegrades(t *testing.T) {
	mem := &brokenMemory{}
	p := &viewer{verdict: "malicious"}
	e := newEnv(t, app.Options{Planner: p, Memory: mem})
	id := e.openCase(t, reportedPhish("Invoice 4411 overdue", "billing@acme-invoices.example",
		"203.0.113.9", "http://acme-invoices.example/pay"))
	e.investigate(t, id)
	c, err := e.app.Engine.Close(e.ctx, id, "malicious", "", lead)
	if err != nil || c.State != "closed" {
		t.Fatalf("Close with a broken memory = %s, %v; want closed, nil", c.State, err)
	}
	if mem.calls != 2 {
		t.Errorf("memory calls = %d, want 2 (one recall, one remember)", mem.calls)
	}
}

// countingMemory counts recalls and remembers nothing.
type countingMemory struct{ recalls int }

func (c *countingMemory) Remember(context.Context, memory.CaseDoc) error { return nil }

func (c *countingMemory) Recall(context.Context, memory.CaseDoc, int) ([]memory.Hit, error) {
	c.recalls++
	return nil, nil
}

// TestResumeEnrichesOnce: resuming a case after a restart enriches it once,
// not once to retry its unfinished steps and again to re-plan it.
func TestResumeEnrichesOnce(t *testing.T) {
	mem := &countingMemory{}
	p := &scripted{verdict: "malicious", rounds: [][]agent.Proposal{{
		prop("ws", "edr.isolate_host", `{"host":"WS-0142"}`),
	}}}
	e := newEnv(t, app.Options{Planner: p, Memory: mem})
	id := e.openCase(t, beacon("WS-0142")...)
	rep := e.investigate(t, id)
	if mem.recalls != 1 {
		t.Fatalf("recalls after the first run = %d, want 1", mem.recalls)
	}

	a := rep.Actions[0]
	a.Status = agent.ActionRunning
	if err := e.app.Store.UpdateAction(e.ctx, &a); err != nil {
		t.Fatal(err)
	}
	resumed, err := e.app.Engine.Resume(e.ctx)
	if err != nil || len(resumed) != 1 || resumed[0] != id {
		t.Fatalf("Resume = %v, %v; want [%s]", resumed, err, id)
	}
	if mem.recalls != 2 {
		t.Errorf("recalls after Resume = %d, want 2 (one enrichment per run)", mem.recalls)
	}
	got, _ := e.app.Store.GetAction(e.ctx, a.ID)
	if got.Status != agent.ActionExecuted {
		t.Errorf("resumed action status = %s, want executed", got.Status)
	}
}

// TestProposeRecallsNothing: an action a person asks for is decided without
// the planner, so it pays for no recall of similar cases.
func TestProposeRecallsNothing(t *testing.T) {
	mem := &countingMemory{}
	e := newEnv(t, app.Options{Planner: &scripted{verdict: "malicious"}, Memory: mem})
	id := e.openCase(t, beacon("WS-0142")...)
	e.investigate(t, id)

	a, err := e.app.Engine.Propose(e.ctx, id, agent.Proposal{
		Tool: "asset.get", Args: json.RawMessage(`{"host":"WS-0142"}`),
	}, lead)
	if err != nil || a.Status != agent.ActionExecuted {
		t.Fatalf("Propose = %s, %v; want executed", a.Status, err)
	}
	if mem.recalls != 1 {
		t.Errorf("recalls = %d, want 1 (the investigation's only)", mem.recalls)
	}
}
