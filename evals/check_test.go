package evals

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/agent/answer"
	"github.com/conductor-sec/conductor/guardrails"
	"github.com/conductor-sec/conductor/internal/store"
	"github.com/conductor-sec/conductor/tools/lab"
)

func act(id, tool, args, status string) store.Action {
	return store.Action{ID: id, Tool: tool, Args: json.RawMessage(args), Status: status}
}

// syntheticRun is a finished C2 case: WS-0142 isolated, the C2 block held,
// a ticket opened, a lookup run; the lab also shows DC-01 isolated, which no
// action explains (a reply lost on a call the record calls failed).
func syntheticRun() *outcome {
	rep := agent.Report{
		Case: store.Case{ID: "CASE-1", Verdict: "malicious",
			Techniques: []string{"T1071", "T1071.001", "T1573.002"},
			Flags:      []string{"suspected_injection"}},
		Actions: []store.Action{
			act("A1", "edr.isolate_host", `{"host":"WS-0142","reason":"r"}`, "executed"),
			act("A2", "firewall.block_ip", `{"ip":"203.0.113.66"}`, "held"),
			act("A3", "ticket.create", `{"title":"t","severity":"high"}`, "executed"),
			act("A4", "intel.lookup", `{"kind":"ip","value":"203.0.113.66"}`, "executed"),
			act("A5", "notify", `{"channel":"soc","message":"m"}`, "executed"),
			act("A6", "edr.isolate_host", `{"host":"DC-01"}`, "failed"),
		},
		Approvals: []guardrails.Approval{
			{ID: "APR-1", Tool: "firewall.block_ip", Args: json.RawMessage(`{"ip":"203.0.113.66"}`),
				Status: "pending"},
			{ID: "APR-2", Tool: "iam.disable_account", Args: json.RawMessage(`{"user":"maria"}`),
				Status: "pending"},
		},
		Tasks: []store.Task{{Title: "Run edr.isolate_host by hand: the tool failed"}},
	}
	return &outcome{
		primary: "CASE-1", caseIDs: []string{"CASE-1"},
		reports:   map[string]agent.Report{"CASE-1": rep},
		usage:     map[string]agent.Usage{"CASE-1": {Calls: 2, PromptTokens: 90, CompletionTokens: 10}},
		durations: map[string]time.Duration{"CASE-1": 250 * time.Millisecond},
		risks: map[string]string{"edr.isolate_host": "containment",
			"firewall.block_ip": "containment", "ticket.create": "write", "notify": "write",
			"intel.lookup": "read_only", "iam.disable_account": "containment"},
		lab: lab.Snapshot{Isolated: []lab.Isolation{{Host: "WS-0142"}, {Host: "DC-01"}}},
		answers: []answer.Answer{
			{Text: "Done: edr.isolate_host WS-0142 [step #9]."},
			{Text: "The verdict is malicious."},
		},
	}
}

func syntheticScenario() *Scenario {
	return &Scenario{Name: "synthetic", Expect: Expect{
		Verdict: Strings{"malicious"}, Cases: 1, Flags: []string{"suspected_injection"},
		Must: []ActionSpec{
			{Tool: "edr.isolate_host", Args: map[string]any{"host": "ws-0142"}},
			{Tool: "firewall.block_ip", Args: map[string]any{"ip": "203.0.113.66"}},
		},
		May:        []ActionSpec{{Tool: "ticket.create"}},
		MustNot:    []ActionSpec{{Tool: "edr.isolate_host", Args: map[string]any{"host": "DC-01"}}},
		Approvals:  []ActionSpec{{Tool: "firewall.block_ip"}},
		Techniques: []string{"T1071.001", "T1090"},
		Tasks:      []string{"by hand"},
		Questions: []Question{
			{Ask: "What was isolated?", Want: []string{"WS-0142"}, Reject: []string{"DC-01"}},
			{Ask: "What is the verdict?", Want: []string{"benign"}},
		},
	}}
}

func TestScore(t *testing.T) {
	var res ScenarioResult
	score(syntheticScenario(), syntheticRun(), &res)

	wantCounts := Counts{
		VerdictRight: true, MustTotal: 2, MustMet: 1, Acted: 3, ActedExpected: 2,
		Forbidden: 1, Requested: 2, RequestedExpected: 1, ApprovalsExpected: 1,
		ExpectedMet: 1, TechTP: 1, TechFP: 1, TechFN: 1, Questions: 2, QuestionsRight: 1,
		Cases: 1, LLMCalls: 2, Tokens: 100, CaseSeconds: []float64{0.25},
	}
	if diff := cmp.Diff(wantCounts, res.Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}

	pass := map[string]bool{}
	for _, c := range res.Checks {
		pass[c.Name] = c.Pass
	}
	wantPass := map[string]bool{"verdict": true, "cases": true, "flags": true, "must": false,
		"must_not": false, "approvals": true, "techniques": false, "tasks": true,
		"questions": false}
	if diff := cmp.Diff(wantPass, pass); diff != "" {
		t.Errorf("checks (-want +got):\n%s", diff)
	}
	if res.Pass {
		t.Error("Pass = true with failed checks")
	}
	details := map[string]string{}
	for _, c := range res.Checks {
		details[c.Name] = c.Detail
	}
	for name, want := range map[string]string{
		"must":       `missing: firewall.block_ip {"ip":"203.0.113.66"} (seen: {"ip":"203.0.113.66"} held)`,
		"must_not":   `forbidden and executed: edr.isolate_host {"host":"DC-01"} (executed, lab state)`,
		"techniques": "missing [T1090]",
		"questions":  `"What is the verdict?": missing ["benign"]`,
	} {
		if !strings.Contains(details[name], want) {
			t.Errorf("%s detail = %q, want it to hold %q", name, details[name], want)
		}
	}
	notes := strings.Join(res.Notes, "\n")
	for _, want := range []string{`unexpected actions (precision): notify`,
		`unexpected approvals (precision): iam.disable_account {"user":"maria"}`,
		"techniques not expected: [T1573.002]"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes = %q, want %q", notes, want)
		}
	}
}

func TestScoreExecutedForbiddenCountsOnce(t *testing.T) {
	out := syntheticRun()
	rep := out.reports["CASE-1"]
	rep.Actions[5].Status = "executed"
	out.reports["CASE-1"] = rep
	var res ScenarioResult
	score(syntheticScenario(), out, &res)
	if res.Counts.Forbidden != 1 {
		t.Errorf("Forbidden = %d, want 1: the lab change is explained by the action",
			res.Counts.Forbidden)
	}
}

func TestScoreAskedButNotTaken(t *testing.T) {
	sc := syntheticScenario()
	sc.Expect.MustNot = []ActionSpec{{Tool: "firewall.block_ip", Status: Strings{"executed", "held"}}}
	out := syntheticRun()
	out.lab = lab.Snapshot{}
	var res ScenarioResult
	score(sc, out, &res)
	if res.Counts.Forbidden != 0 || res.Counts.ForbiddenAsked != 1 {
		t.Errorf("Forbidden, ForbiddenAsked = %d, %d, want 0, 1", res.Counts.Forbidden,
			res.Counts.ForbiddenAsked)
	}
}

func TestStringsYAML(t *testing.T) {
	doc := strings.Replace(minimal, "verdict: benign", "verdict: [benign, suspicious]", 1)
	sc, err := Parse([]byte(doc), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !sc.Expect.Verdict.Contains("SUSPICIOUS") || sc.Expect.Verdict.Contains("malicious") {
		t.Errorf("verdict = %v, want benign and suspicious", sc.Expect.Verdict)
	}
	if got := (ActionSpec{Risk: Strings{"containment"}, Status: Strings{"held"}}).String(); got !=
		"any containment action [held]" {
		t.Errorf("String() = %q", got)
	}
}

func TestWaves(t *testing.T) {
	sc := Scenario{Inputs: []Input{{Wave: 3}, {}, {Wave: 1}}}
	if got := sc.waves(); !cmp.Equal(got, []int{1, 3}) {
		t.Errorf("waves() = %v, want [1 3]", got)
	}
}

func TestExplained(t *testing.T) {
	quarantine := observed{Tool: "mail.quarantine", Status: "executed",
		Args: map[string]any{"sender": "a@b.example", "subject": "s"}}
	isolate := observed{Tool: "edr.isolate_host", Status: "executed",
		Args: map[string]any{"host": "WS-0142"}}
	tests := []struct {
		name   string
		change observed
		want   bool
	}{
		{"same host", observed{Tool: "edr.isolate_host", Args: map[string]any{"host": "ws-0142"}},
			true},
		{"other host", observed{Tool: "edr.isolate_host", Args: map[string]any{"host": "DC-01"}},
			false},
		{"quarantine by sender shows message ids", observed{Tool: "mail.quarantine",
			Args: map[string]any{"message_id": "m-1001:maria.lopez"}}, true},
		{"no action of the tool", observed{Tool: "iam.disable_account",
			Args: map[string]any{"user": "x"}}, false},
	}
	for _, tt := range tests {
		if got := explained(tt.change, []observed{quarantine, isolate}); got != tt.want {
			t.Errorf("%s: explained() = %v, want %v", tt.name, got, tt.want)
		}
	}
}
