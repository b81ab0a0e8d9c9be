package playbook

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/tools"
	"github.com/google/go-cmp/cmp"
)

func refs(actions []agent.Proposal) []string {
	var out []string
	for _, a := range actions {
		out = append(out, a.Ref)
	}
	return out
}

func describeAll(actions []agent.Proposal) []string {
	var out []string
	for _, a := range actions {
		out = append(out, describe(a))
	}
	return out
}

func taskRefs(tasks []agent.Task) []string {
	var out []string
	for _, t := range tasks {
		out = append(out, t.Ref)
	}
	return out
}

func mustPlan(t *testing.T, p *Planner, v *agent.CaseView) agent.Plan {
	t.Helper()
	plan, err := p.Plan(t.Context(), v)
	if err != nil {
		t.Fatalf("Plan(): %v", err)
	}
	return plan
}

func recordAll(v *agent.CaseView, plan agent.Plan, status string) {
	for _, a := range plan.Actions {
		v.Steps = append(v.Steps, record(a, func(agent.Proposal) outcome {
			return outcome{status: status, output: `{}`}
		}))
	}
}

// TestHeldStep follows an isolation that the guard holds: later steps go on,
// the plan ends Done listing the held step, and once a human approves, a step
// that waited for the isolation is proposed.
func TestHeldStep(t *testing.T) {
	dir := writePlaybooks(t, map[string]string{"contain.yaml": `
name: contain-host
priority: 90
trigger: 'has_technique("T1599")'
steps:
  - id: isolate
    tool: edr.isolate_host
    for_each: 'entities("host")'
    args: { host: '=item' }
  - id: ticket
    tool: ticket.create
    args: { title: '=case.title', severity: high }
  - id: collect
    tool: siem.search
    for_each: 'entities("host")'
    when: 'executed("isolate/" + item)'
    args: { query: '="host:" + item + " after isolation"' }
verdict:
  - verdict: malicious
`})
	p := newPlanner(t, dir)
	v := endpointView()
	// T1599 and a middling score match no shipped playbook, so contain-host
	// runs alone.
	v.Case.Techniques, v.Findings[0].Techniques, v.Case.Score = []string{"T1599"},
		[]string{"T1599"}, 50

	plan := mustPlan(t, p, v)
	if diff := cmp.Diff([]string{"isolate/WORKSTATION5"}, refs(plan.Actions)); diff != "" {
		t.Fatalf("round 1 (-want +got):\n%s", diff)
	}
	recordAll(v, plan, statusHeld)

	plan = mustPlan(t, p, v)
	if diff := cmp.Diff([]string{"ticket"}, refs(plan.Actions)); diff != "" {
		t.Fatalf("round 2 after hold (-want +got):\n%s", diff)
	}
	recordAll(v, plan, statusExecuted)

	plan = mustPlan(t, p, v)
	if !plan.Done || plan.Verdict != "malicious" {
		t.Fatalf("round 3 = done %v verdict %q, want done malicious", plan.Done, plan.Verdict)
	}
	if !strings.Contains(plan.Summary, "Waiting for a human: isolate/WORKSTATION5 (held).") {
		t.Errorf("Summary = %q, want the held isolation listed", plan.Summary)
	}

	v.Steps = append(v.Steps, agent.StepView{Ref: "isolate/WORKSTATION5",
		Tool: "edr.isolate_host", Status: statusExecuted, Output: json.RawMessage(`{}`)})
	plan = mustPlan(t, p, v)
	want := []string{`collect/WORKSTATION5 siem.search {"query":"host:WORKSTATION5 after isolation"}`}
	var got []string
	for _, a := range plan.Actions {
		got = append(got, describe(a))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after approval (-want +got):\n%s", diff)
	}
}

func TestBruteForceWithoutSuccessKeepsCredentials(t *testing.T) {
	p := newPlanner(t, "")
	res := simulate(t, p, bruteView(), func(a agent.Proposal) outcome {
		if strings.HasPrefix(a.Ref, "search-success/") {
			return outcome{statusExecuted, `{"total":0,"events":[]}`}
		}
		return outcome{}
	})
	for _, round := range res.rounds {
		for _, line := range round {
			if strings.Contains(line, "iam.reset_credentials") {
				t.Errorf("proposed %s without a successful logon", line)
			}
		}
	}
	if res.final.Verdict != "suspicious" {
		t.Errorf("verdict = %q, want suspicious", res.final.Verdict)
	}
}

// TestIntelFromLookupOutput checks that a hit returned by an executed
// intel.lookup counts like enrichment intel: it makes the phish malicious.
func TestIntelFromLookupOutput(t *testing.T) {
	v := phishingView()
	v.Case.Score = 30
	v.Enrichment.Intel = nil
	v.Findings[0].Email.Signals = nil
	p := newPlanner(t, "")

	res := simulate(t, p, v, func(a agent.Proposal) outcome {
		if a.Ref == "lookup-url/"+phishURL {
			return outcome{statusExecuted, `{"hits":[{"source":"feed","confidence":90}]}`}
		}
		return outcome{}
	})
	if len(res.rounds) < 2 {
		t.Fatalf("rounds = %v, want containment after the lookup", res.rounds)
	}
	want := []string{"quarantine", "block-domain/" + phishHost}
	var got []string
	for _, line := range res.rounds[1] {
		got = append(got, strings.Fields(line)[0])
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round 2 (-want +got):\n%s", diff)
	}
	if res.final.Verdict != "malicious" {
		t.Errorf("verdict = %q, want malicious", res.final.Verdict)
	}
}

func TestGenericVerdicts(t *testing.T) {
	tests := []struct {
		score int
		intel int
		want  string
	}{
		{score: 5, want: "benign"},
		{score: 5, intel: 30, want: "inconclusive"},
		{score: 25, want: "inconclusive"},
		{score: 45, want: "suspicious"},
		{score: 20, intel: 55, want: "suspicious"},
		{score: 75, want: "malicious"},
		{score: 10, intel: 90, want: "malicious"},
	}
	p := newPlanner(t, "")
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			v := genericView(tt.score)
			if tt.intel > 0 {
				v.Enrichment.Intel = []agent.IntelHit{{Kind: "ip", Value: "192.0.2.80",
					Confidence: tt.intel}}
			}
			res := simulate(t, p, v, nil)
			if res.final.Verdict != tt.want {
				t.Errorf("score %d intel %d: verdict = %q, want %q", tt.score, tt.intel,
					res.final.Verdict, tt.want)
			}
		})
	}
}

func TestPhishingSummary(t *testing.T) {
	p := newPlanner(t, "")
	res := simulate(t, p, phishingView(), nil)
	want := "E-mail from " + phishSender + ": 2 links, 1 attachments, highest intel " +
		"confidence 85, 4 signals; verdict malicious, quarantine and blocks proposed. " +
		"Waiting for a human: ask-credential-reset (manual)."
	if res.final.Summary != want {
		t.Errorf("Summary = %q, want %q", res.final.Summary, want)
	}
	if res.final.Confidence != 0.8 {
		t.Errorf("Confidence = %v, want the case's 0.8", res.final.Confidence)
	}
	if diff := cmp.Diff([]string{"phishing-report", "notify-soc"}, res.final.Playbooks); diff != "" {
		t.Errorf("Playbooks (-want +got):\n%s", diff)
	}
}

// TestDecisionDoesNotBlock checks that a decision point goes out as a task
// with the next steps, and is repeated until the engine records it.
func TestDecisionDoesNotBlock(t *testing.T) {
	dir := writePlaybooks(t, map[string]string{"d.yaml": `
name: decide
priority: 90
trigger: 'true'
steps:
  - id: ask
    decision: '="Approve the purge for " + case.id + "?"'
    detail: Tenant-wide purge
  - id: after
    tool: ticket.create
    args: { title: after the question, severity: low }
verdict:
  - when: 'status("ask") == "manual"'
    verdict: suspicious
    confidence: 0.65
  - verdict: inconclusive
`})
	p := newPlanner(t, dir)
	v := genericView(10)

	plan := mustPlan(t, p, v)
	if diff := cmp.Diff([]string{"after"}, refs(plan.Actions)); diff != "" {
		t.Errorf("round 1 actions (-want +got):\n%s", diff)
	}
	want := []agent.Task{{Ref: "ask", Title: "Approve the purge for case-gen?",
		Detail: "Tenant-wide purge"}}
	if diff := cmp.Diff(want, plan.Tasks); diff != "" {
		t.Errorf("round 1 tasks (-want +got):\n%s", diff)
	}
	recordAll(v, plan, statusExecuted)

	plan = mustPlan(t, p, v)
	if !plan.Done || !slices.Equal(taskRefs(plan.Tasks), []string{"ask"}) {
		t.Errorf("unrecorded task: done %v tasks %v, want done with ask repeated",
			plan.Done, taskRefs(plan.Tasks))
	}
	if plan.Verdict != "inconclusive" {
		t.Errorf("verdict = %q before the task is recorded, want inconclusive", plan.Verdict)
	}

	v.Steps = append(v.Steps, agent.StepView{Ref: "ask", Status: statusManual})
	plan = mustPlan(t, p, v)
	if len(plan.Tasks) != 0 || plan.Verdict != "suspicious" || plan.Confidence != 0.65 {
		t.Errorf("after record: tasks %v verdict %q conf %v, want none, suspicious, 0.65",
			taskRefs(plan.Tasks), plan.Verdict, plan.Confidence)
	}
}

func TestUnavailableToolBecomesTask(t *testing.T) {
	p := newPlanner(t, "")
	v := signinView()
	v.Tools = []tools.Spec{{Name: "intel.lookup"}, {Name: "siem.search"}}

	plan := mustPlan(t, p, v)
	if diff := cmp.Diff([]string{"lookup-ip/198.51.100.99", "user-activity/david.okafor"},
		refs(plan.Actions)); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	want := []agent.Task{{
		Ref:   "user/david.okafor",
		Title: "Run user.get by hand: the tool is not available",
		Detail: `playbook suspicious-signin, step user Arguments: ` +
			`{"user":"david.okafor"}`,
	}}
	if diff := cmp.Diff(want, plan.Tasks); diff != "" {
		t.Errorf("tasks (-want +got):\n%s", diff)
	}
}

// TestRuntimeErrorBecomesTask checks that an expression failing on one case
// surfaces as a task naming the step, not as a silent skip or a crash.
func TestRuntimeErrorBecomesTask(t *testing.T) {
	dir := writePlaybooks(t, map[string]string{"e.yaml": `
name: fragile
priority: 90
trigger: 'true'
steps:
  - id: search
    tool: siem.search
    args: { query: anything }
  - id: follow-up
    tool: ticket.create
    when: 'output("never-ran").total > 0'
    args: { title: x, severity: low }
`})
	p := newPlanner(t, dir)
	v := genericView(10)
	recordAll(v, mustPlan(t, p, v), statusExecuted)

	plan := mustPlan(t, p, v)
	if !plan.Done || len(plan.Tasks) != 1 {
		t.Fatalf("Plan() = done %v tasks %v, want done with one task", plan.Done, plan.Tasks)
	}
	tk := plan.Tasks[0]
	if tk.Ref != "follow-up" || !strings.Contains(tk.Detail, "e.yaml:8") ||
		!strings.Contains(tk.Detail, `output(\"never-ran\").total > 0`) {
		t.Errorf("task = %+v, want ref follow-up naming e.yaml:8 and the expression", tk)
	}
}

func TestNoPlaybookMatches(t *testing.T) {
	dir := writePlaybooks(t, map[string]string{"generic-triage.yaml": `
name: generic-triage
trigger: 'false'
steps: []
`})
	p := newPlanner(t, dir)
	plan := mustPlan(t, p, genericView(10))
	if !plan.Done || plan.Verdict != "inconclusive" ||
		!slices.Equal(taskRefs(plan.Tasks), []string{"manual-triage"}) {
		t.Errorf("Plan() = %+v, want done, inconclusive, a manual-triage task", plan)
	}
}

func TestPlanCancelled(t *testing.T) {
	p := newPlanner(t, "")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := p.Plan(ctx, phishingView()); !errors.Is(err, context.Canceled) {
		t.Errorf("Plan(cancelled) error = %v, want context.Canceled", err)
	}
	if _, err := p.Plan(t.Context(), nil); err == nil {
		t.Error("Plan(nil view) error = nil, want an error")
	}
}

// TestLongItemRef checks that a loop item from case data cannot make a ref
// unbounded or unprintable, and that the ref is stable.
func TestLongItemRef(t *testing.T) {
	long := "https://evil.example/" + strings.Repeat("a", 300) + "\n"
	got := refPart(long)
	if len(got) > 128 || strings.ContainsAny(got, "\n") || got != refPart(long) {
		t.Errorf("refPart(long) = %q, want ≤128 printable bytes, stable", got)
	}
	if !strings.HasPrefix(got, "https://evil.example/aaa") || !strings.Contains(got, "~") {
		t.Errorf("refPart(long) = %q, want the readable start and a hash suffix", got)
	}
	if refPart("1.2.3.4") != "1.2.3.4" {
		t.Errorf("refPart(1.2.3.4) = %q, want it unchanged", refPart("1.2.3.4"))
	}
}

func TestPlaybooksAndSource(t *testing.T) {
	p := newPlanner(t, "")
	var names []string
	for _, info := range p.Playbooks() {
		names = append(names, info.Name)
	}
	want := []string{"endpoint-compromise", "phishing-report", "brute-force",
		"suspicious-signin", "generic-triage", "notify-soc"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("Playbooks() order (-want +got):\n%s", diff)
	}
	info := p.Playbooks()[1]
	if info.Trigger != `has_source("email")` || info.Steps != 10 ||
		info.File != "playbooks/phishing-report.yaml" ||
		!slices.Equal(info.Calls, []string{"notify-soc"}) {
		t.Errorf("Playbooks()[1] = %+v", info)
	}
	src, ok := p.Source("notify-soc")
	if !ok || !strings.Contains(string(src), "channel: soc") {
		t.Errorf("Source(notify-soc) = %q, %v", src, ok)
	}
	if p.Name() != "playbook" {
		t.Errorf("Name() = %q, want playbook", p.Name())
	}
}
