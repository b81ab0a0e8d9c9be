package evals

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func row(name string, pass bool, c Counts) ScenarioResult {
	return ScenarioResult{Name: name, Pass: pass, Counts: c}
}

func TestMetricsOf(t *testing.T) {
	rows := []ScenarioResult{
		row("a", true, Counts{VerdictRight: true, MustTotal: 2, MustMet: 2, Acted: 3,
			ActedExpected: 3, Requested: 1, RequestedExpected: 1, ApprovalsExpected: 1,
			ExpectedMet: 1, TechTP: 2, Questions: 2, QuestionsRight: 2, Cases: 1,
			LLMCalls: 4, Tokens: 1000, CaseSeconds: []float64{0.1}}),
		row("b", false, Counts{VerdictRight: false, MustTotal: 2, MustMet: 0, Acted: 1,
			ActedExpected: 0, Forbidden: 1, Requested: 3, RequestedExpected: 1,
			ApprovalsExpected: 1, TechTP: 1, TechFP: 2, TechFN: 1, Questions: 2,
			QuestionsRight: 1, Cases: 2, LLMCalls: 2, Tokens: 500,
			CaseSeconds: []float64{0.3, 0.2}}),
		{Name: "skipped", Skipped: true, Counts: Counts{Forbidden: 9, Cases: 9}},
	}
	got := metricsOf(rows)
	want := Metrics{
		Scenarios: 2, Passed: 1, VerdictRight: 1, VerdictAccuracy: 0.5,
		ActionPrecision: 0.75, ActionRecall: 0.5, ForbiddenActions: 1,
		ApprovalPrecision: 0.5, ApprovalRecall: 0.5,
		TechniquePrec: 0.6, TechniqueRecall: 0.75, TechniqueF1: 2.0 / 3,
		QuestionAccuracy: 0.75, Cases: 3, LLMCallsPerCase: 2, TokensPerCase: 500,
		CaseSecondsMean: 0.2, CaseSecondsP50: 0.2, CaseSecondsMax: 0.3,
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("metricsOf (-want +got):\n%s", diff)
	}
}

func TestMetricsOfNothingToCount(t *testing.T) {
	got := metricsOf([]ScenarioResult{row("a", true, Counts{VerdictRight: true})})
	for name, v := range map[string]float64{
		"action precision": got.ActionPrecision, "action recall": got.ActionRecall,
		"approval precision": got.ApprovalPrecision, "approval recall": got.ApprovalRecall,
		"question accuracy": got.QuestionAccuracy,
	} {
		if v != 1 {
			t.Errorf("%s with nothing to count = %v, want 1", name, v)
		}
	}
	if got.TechniqueF1 != 1 {
		t.Errorf("technique F1 with no techniques = %v, want 1", got.TechniqueF1)
	}
}

func TestTimeStats(t *testing.T) {
	tests := []struct {
		in             []float64
		mean, p50, max float64
	}{
		{nil, 0, 0, 0},
		{[]float64{2}, 2, 2, 2},
		{[]float64{4, 1, 3, 2}, 2.5, 2, 4},
		{[]float64{5, 1, 3}, 3, 3, 5},
	}
	for _, tt := range tests {
		mean, p50, max := timeStats(tt.in)
		if mean != tt.mean || p50 != tt.p50 || max != tt.max {
			t.Errorf("timeStats(%v) = %v, %v, %v, want %v, %v, %v", tt.in, mean, p50, max,
				tt.mean, tt.p50, tt.max)
		}
	}
}

func TestF1(t *testing.T) {
	tests := []struct{ p, r, want float64 }{
		{1, 1, 1}, {0, 0, 0}, {0.5, 1, 2.0 / 3}, {0.25, 0.75, 0.375},
	}
	for _, tt := range tests {
		if got := f1(tt.p, tt.r); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("f1(%v, %v) = %v, want %v", tt.p, tt.r, got, tt.want)
		}
	}
}

func TestMeanAndWorst(t *testing.T) {
	runs := []Metrics{
		{Scenarios: 10, VerdictAccuracy: 0.9, ForbiddenActions: 0, TokensPerCase: 100,
			CaseSecondsMax: 0.5, QuestionAccuracy: 1},
		{Scenarios: 10, VerdictAccuracy: 0.7, ForbiddenActions: 2, TokensPerCase: 300,
			CaseSecondsMax: 0.2, QuestionAccuracy: 0.8},
	}
	mean, worst := meanOf(runs), worstOf(runs)
	checks := []struct {
		name      string
		got, want float64
	}{
		{"mean verdict", mean.VerdictAccuracy, 0.8},
		{"worst verdict", worst.VerdictAccuracy, 0.7},
		{"mean forbidden (rounded)", float64(mean.ForbiddenActions), 1},
		{"worst forbidden", float64(worst.ForbiddenActions), 2},
		{"mean tokens", mean.TokensPerCase, 200},
		{"worst tokens", worst.TokensPerCase, 300},
		{"worst time", worst.CaseSecondsMax, 0.5},
		{"worst questions", worst.QuestionAccuracy, 0.8},
		{"scenarios", float64(worst.Scenarios), 10},
	}
	for _, c := range checks {
		if math.Abs(c.got-c.want) > 1e-12 {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestMergeRunsKeepsFirstFailure(t *testing.T) {
	runs := [][]ScenarioResult{
		{{Name: "a", Pass: true, Verdict: "malicious"}, {Name: "b", Pass: true}},
		{{Name: "a", Pass: false, Verdict: "benign"}, {Name: "b", Pass: true}},
		{{Name: "a", Pass: false, Verdict: "suspicious"}, {Name: "b", Pass: true}},
	}
	got := mergeRuns(runs)
	if got[0].Pass || got[0].Passed != 1 || got[0].Runs != 3 || got[0].Verdict != "benign" {
		t.Errorf("merged a = pass %v, %d/%d, verdict %s; want fail, 1/3, benign",
			got[0].Pass, got[0].Passed, got[0].Runs, got[0].Verdict)
	}
	if !got[1].Pass || got[1].Passed != 3 {
		t.Errorf("merged b = pass %v, %d/3; want pass, 3/3", got[1].Pass, got[1].Passed)
	}
	if word := resultWord(got[0]); word != "FAIL 2/3" {
		t.Errorf("resultWord(a) = %q, want FAIL 2/3", word)
	}
}

func TestGate(t *testing.T) {
	tests := []struct {
		name string
		m    Metrics
		want []error
	}{
		{"passes", Metrics{VerdictAccuracy: 0.95}, nil},
		{"forbidden", Metrics{VerdictAccuracy: 1, ForbiddenActions: 1},
			[]error{ErrForbiddenAction}},
		{"low accuracy", Metrics{VerdictAccuracy: 0.89}, []error{ErrBelowThreshold}},
		{"both", Metrics{VerdictAccuracy: 0.5, ForbiddenActions: 3},
			[]error{ErrForbiddenAction, ErrBelowThreshold}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Scorecard{Worst: tt.m}.Gate(0.9)
			if tt.want == nil && err != nil {
				t.Fatalf("Gate() = %v, want nil", err)
			}
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("Gate() = %v, want %v", err, w)
				}
			}
		})
	}
}

func TestTechniqueCounts(t *testing.T) {
	tests := []struct {
		name      string
		want, got []string
		tp        int
		fn, fp    []string
	}{
		{"exact", []string{"T1110"}, []string{"T1110"}, 1, nil, nil},
		{"parent matched by child", []string{"T1003"}, []string{"T1003.001"}, 1, nil, nil},
		{"child not matched by parent", []string{"T1003.001"}, []string{"T1003"}, 0,
			[]string{"T1003.001"}, nil},
		{"parent of expected is no false positive", []string{"T1566.002"},
			[]string{"T1566", "T1566.002"}, 1, nil, nil},
		{"sibling is a false positive", []string{"T1566.002"}, []string{"T1566.001"}, 0,
			[]string{"T1566.002"}, []string{"T1566.001"}},
		{"nothing expected", nil, []string{"T1071"}, 0, nil, []string{"T1071"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp, fn, fp := techniqueCounts(set(tt.want), set(tt.got))
			if tp != tt.tp || !cmp.Equal(fn, tt.fn) || !cmp.Equal(fp, tt.fp) {
				t.Errorf("techniqueCounts = %d, %v, %v, want %d, %v, %v", tp, fn, fp,
					tt.tp, tt.fn, tt.fp)
			}
		})
	}
}

func set(list []string) map[string]bool {
	m := map[string]bool{}
	for _, s := range list {
		m[s] = true
	}
	return m
}

func TestSpecMatches(t *testing.T) {
	isolate := observed{Tool: "edr.isolate_host", Risk: "containment", Status: "executed",
		Args: map[string]any{"host": "DC-01", "reason": "x"}}
	block := observed{Tool: "firewall.block_ip", Risk: "containment", Status: "held",
		Args: map[string]any{"ip": "10.0.0.0/8", "duration_minutes": float64(60)}}
	tests := []struct {
		name string
		spec ActionSpec
		o    observed
		def  string
		want bool
	}{
		{"tool and args, any case", ActionSpec{Tool: "edr.isolate_host",
			Args: map[string]any{"host": "dc-01"}}, isolate, "executed", true},
		{"other host", ActionSpec{Tool: "edr.isolate_host",
			Args: map[string]any{"host": "WS-0142"}}, isolate, "executed", false},
		{"prefix", ActionSpec{Tool: "edr.*"}, isolate, "executed", true},
		{"risk", ActionSpec{Risk: Strings{"containment"}}, isolate, "executed", true},
		{"risk other", ActionSpec{Risk: Strings{"write"}}, isolate, "executed", false},
		{"default status excludes held", ActionSpec{Tool: "firewall.block_ip"}, block,
			"executed", false},
		{"status list", ActionSpec{Tool: "firewall.block_ip",
			Status: Strings{"executed", "held"}}, block, "executed", true},
		{"any status", ActionSpec{Tool: "firewall.block_ip", Status: Strings{"any"}}, block,
			"executed", true},
		{"no default", ActionSpec{Tool: "firewall.block_ip"}, block, "", true},
		{"number arg", ActionSpec{Tool: "firewall.block_ip",
			Args: map[string]any{"duration_minutes": 60}}, block, "", true},
		{"missing arg", ActionSpec{Tool: "firewall.block_ip",
			Args: map[string]any{"reason": "x"}}, block, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.spec.matches(tt.o, tt.def); got != tt.want {
				t.Errorf("%s.matches(%s, %q) = %v, want %v", tt.spec, tt.o, tt.def, got,
					tt.want)
			}
		})
	}
}

func TestValueMatches(t *testing.T) {
	tests := []struct {
		want, got any
		ok        bool
	}{
		{"a", "A", true},
		{"a", 1, false},
		{[]any{"x"}, []any{"y", "X"}, true},
		{[]any{"x", "z"}, []any{"x"}, false},
		{[]any{"x"}, "x", true},
		{map[string]any{"k": "v"}, map[string]any{"k": "V", "o": 1}, true},
		{map[string]any{"k": "v"}, "v", false},
		{true, true, true},
		{3, float64(3), true},
	}
	for _, tt := range tests {
		if got := valueMatches(tt.want, tt.got); got != tt.ok {
			t.Errorf("valueMatches(%v, %v) = %v, want %v", tt.want, tt.got, got, tt.ok)
		}
	}
}

func TestJudge(t *testing.T) {
	q := Question{Want: []string{"WS-0142", "isolated"}, Reject: []string{"DC-01"}}
	tests := []struct{ answer, want string }{
		{"Done: edr.isolate_host ws-0142 ... isolated", ""},
		{"Done: edr.isolate_host WS-0142", `missing ["isolated"]`},
		{"isolated WS-0142 and DC-01", `holds ["DC-01"]`},
		{"", `missing ["WS-0142" "isolated"]`},
	}
	for _, tt := range tests {
		if got := judge(q, tt.answer); got != tt.want {
			t.Errorf("judge(%q) = %q, want %q", tt.answer, got, tt.want)
		}
	}
}

func TestWriteText(t *testing.T) {
	card := newScorecard(Options{Planner: "playbook"}, [][]ScenarioResult{{
		{Name: "a", Category: "x", Pass: true, Verdict: "benign", Want: Strings{"benign"},
			Counts: Counts{VerdictRight: true, CaseSeconds: []float64{0.012}, Cases: 1}},
		{Name: "b", Category: "y", Verdict: "benign", Want: Strings{"malicious"},
			Checks: []Check{{Name: "verdict", Detail: "got benign, want malicious"}}},
		{Name: "c", Category: "z", Skipped: true, SkipReason: "needs the corpus"},
	}})
	var b strings.Builder
	if err := card.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"3 scenarios, 2 run, 1 skipped", "verdict accuracy         0.500 (1/2)",
		"forbidden actions taken  0", "b         y         benign   malicious  FAIL    verdict",
		"    verdict: got benign, want malicious", "  c: needs the corpus",
		"mean 12ms · p50 12ms · max 12ms (1 case)",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("WriteText() lacks %q:\n%s", want, b.String())
		}
	}
}
