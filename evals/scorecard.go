package evals

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"time"
)

// Errors [Scorecard.Gate] returns; callers branch on them.
var (
	// ErrForbiddenAction means a scenario run executed an action its ground
	// truth forbids.
	ErrForbiddenAction = errors.New("a forbidden action was taken")
	// ErrBelowThreshold means verdict accuracy fell below the minimum.
	ErrBelowThreshold = errors.New("verdict accuracy is below the minimum")
)

// ScenarioResult is one scenario's row: its checks, from the worst of its
// runs, and how many runs passed.
type ScenarioResult struct {
	Name       string   `json:"name"`
	Category   string   `json:"category"`
	File       string   `json:"file"`
	Skipped    bool     `json:"skipped,omitempty"`
	SkipReason string   `json:"skip_reason,omitempty"`
	Error      string   `json:"error,omitempty"`
	Pass       bool     `json:"pass"`
	Passed     int      `json:"runs_passed"`
	Runs       int      `json:"runs"`
	CaseID     string   `json:"case_id,omitempty"`
	Verdict    string   `json:"verdict,omitempty"`
	Want       Strings  `json:"want_verdict"`
	Cases      int      `json:"cases"`
	Checks     []Check  `json:"checks"`
	Notes      []string `json:"notes,omitempty"`
	Counts     Counts   `json:"counts"`
}

// Failed returns the names of the failed checks.
func (r ScenarioResult) Failed() []string {
	var out []string
	for _, c := range r.Checks {
		if !c.Pass {
			out = append(out, c.Name)
		}
	}
	return out
}

// Metrics are the scorecard's figures for one run of the suite (or their
// mean or worst over runs). Ratios are 0-1; a ratio with nothing to count
// is 1.
type Metrics struct {
	Scenarios         int     `json:"scenarios_run"`
	Passed            int     `json:"scenarios_passed"`
	VerdictAccuracy   float64 `json:"verdict_accuracy"`
	VerdictRight      int     `json:"verdict_right"`
	ActionPrecision   float64 `json:"action_precision"`
	ActionRecall      float64 `json:"action_recall"`
	ForbiddenActions  int     `json:"forbidden_actions"`
	ApprovalPrecision float64 `json:"approval_precision"`
	ApprovalRecall    float64 `json:"approval_recall"`
	TechniquePrec     float64 `json:"technique_precision"`
	TechniqueRecall   float64 `json:"technique_recall"`
	TechniqueF1       float64 `json:"technique_f1"`
	QuestionAccuracy  float64 `json:"question_accuracy"`
	Cases             int     `json:"cases"`
	LLMCallsPerCase   float64 `json:"llm_calls_per_case"`
	TokensPerCase     float64 `json:"tokens_per_case"`
	CaseSecondsMean   float64 `json:"case_seconds_mean"`
	CaseSecondsP50    float64 `json:"case_seconds_p50"`
	CaseSecondsMax    float64 `json:"case_seconds_max"`
}

// Scorecard is the outcome of [Run].
type Scorecard struct {
	Planner string `json:"planner"`
	Repeat  int    `json:"repeat"`
	Total   int    `json:"scenarios"`
	Skipped int    `json:"skipped"`
	// Mean and Worst summarise the runs; with one run they are equal.
	Mean  Metrics   `json:"mean"`
	Worst Metrics   `json:"worst"`
	Runs  []Metrics `json:"runs"`
	// Scenarios has one row per scenario, in load order.
	Scenarios []ScenarioResult `json:"results"`
}

// Gate returns why the scorecard fails CI: a forbidden action in any run, or
// worst-run verdict accuracy below minVerdict. Nil means it passes.
func (s Scorecard) Gate(minVerdict float64) error {
	var errs []error
	if s.Worst.ForbiddenActions > 0 {
		errs = append(errs, fmt.Errorf("%w: %d in the worst run", ErrForbiddenAction,
			s.Worst.ForbiddenActions))
	}
	if s.Worst.VerdictAccuracy < minVerdict {
		errs = append(errs, fmt.Errorf("%w: %.3f < %.3f", ErrBelowThreshold,
			s.Worst.VerdictAccuracy, minVerdict))
	}
	return errors.Join(errs...)
}

// Failing returns the rows that ran and failed a check in some run.
func (s Scorecard) Failing() []ScenarioResult {
	var out []ScenarioResult
	for _, r := range s.Scenarios {
		if !r.Skipped && !r.Pass {
			out = append(out, r)
		}
	}
	return out
}

func newScorecard(opts Options, runs [][]ScenarioResult) Scorecard {
	sc := Scorecard{Planner: opts.Planner, Repeat: len(runs)}
	for _, run := range runs {
		sc.Runs = append(sc.Runs, metricsOf(run))
	}
	sc.Mean, sc.Worst = meanOf(sc.Runs), worstOf(sc.Runs)
	sc.Scenarios = mergeRuns(runs)
	sc.Total = len(sc.Scenarios)
	for _, r := range sc.Scenarios {
		if r.Skipped {
			sc.Skipped++
		}
	}
	return sc
}

// mergeRuns keeps, for each scenario, its first failing run (or its last)
// and counts the runs that passed.
func mergeRuns(runs [][]ScenarioResult) []ScenarioResult {
	if len(runs) == 0 {
		return nil
	}
	out := make([]ScenarioResult, len(runs[0]))
	for i := range out {
		row, failed := runs[len(runs)-1][i], false
		passed := 0
		for _, run := range runs {
			switch {
			case run[i].Pass:
				passed++
			case !failed:
				row, failed = run[i], true
			}
		}
		row.Passed, row.Runs = passed, len(runs)
		row.Pass = passed == len(runs) && !row.Skipped
		out[i] = row
	}
	return out
}

// metricsOf computes one run's figures.
func metricsOf(rows []ScenarioResult) Metrics {
	var m Metrics
	var t Counts
	var secs []float64
	for _, r := range rows {
		if r.Skipped {
			continue
		}
		m.Scenarios++
		if r.Pass {
			m.Passed++
		}
		if r.Counts.VerdictRight {
			m.VerdictRight++
		}
		t = t.plus(r.Counts)
		secs = append(secs, r.Counts.CaseSeconds...)
	}
	m.VerdictAccuracy = ratio(m.VerdictRight, m.Scenarios)
	m.ActionPrecision = ratio(t.ActedExpected, t.Acted)
	m.ActionRecall = ratio(t.MustMet, t.MustTotal)
	m.ForbiddenActions = t.Forbidden
	m.ApprovalPrecision = ratio(t.RequestedExpected, t.Requested)
	m.ApprovalRecall = ratio(t.ExpectedMet, t.ApprovalsExpected)
	m.TechniquePrec = ratio(t.TechTP, t.TechTP+t.TechFP)
	m.TechniqueRecall = ratio(t.TechTP, t.TechTP+t.TechFN)
	m.TechniqueF1 = f1(m.TechniquePrec, m.TechniqueRecall)
	m.QuestionAccuracy = ratio(t.QuestionsRight, t.Questions)
	m.Cases = t.Cases
	if t.Cases > 0 {
		m.LLMCallsPerCase = float64(t.LLMCalls) / float64(t.Cases)
		m.TokensPerCase = float64(t.Tokens) / float64(t.Cases)
	}
	m.CaseSecondsMean, m.CaseSecondsP50, m.CaseSecondsMax = timeStats(secs)
	return m
}

func (c Counts) plus(o Counts) Counts {
	c.MustTotal += o.MustTotal
	c.MustMet += o.MustMet
	c.Acted += o.Acted
	c.ActedExpected += o.ActedExpected
	c.Forbidden += o.Forbidden
	c.Requested += o.Requested
	c.RequestedExpected += o.RequestedExpected
	c.ApprovalsExpected += o.ApprovalsExpected
	c.ExpectedMet += o.ExpectedMet
	c.TechTP += o.TechTP
	c.TechFP += o.TechFP
	c.TechFN += o.TechFN
	c.Questions += o.Questions
	c.QuestionsRight += o.QuestionsRight
	c.Cases += o.Cases
	c.LLMCalls += o.LLMCalls
	c.Tokens += o.Tokens
	return c
}

// ratio is n/d, or 1 when there is nothing to count: no action taken is no
// wrong action taken.
func ratio(n, d int) float64 {
	if d == 0 {
		return 1
	}
	return float64(n) / float64(d)
}

func f1(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// timeStats returns the mean, median and maximum; the median of an even
// count is the lower middle value, so it is always a measured time.
func timeStats(secs []float64) (mean, p50, max float64) {
	if len(secs) == 0 {
		return 0, 0, 0
	}
	s := append([]float64(nil), secs...)
	sort.Float64s(s)
	sum := 0.0
	for _, v := range s {
		sum += v
	}
	return sum / float64(len(s)), s[(len(s)-1)/2], s[len(s)-1]
}

// meanOf averages every figure over the runs.
func meanOf(runs []Metrics) Metrics {
	if len(runs) == 0 {
		return Metrics{}
	}
	return combine(runs, func(vals []float64, _ bool) float64 {
		sum := 0.0
		for _, v := range vals {
			sum += v
		}
		return sum / float64(len(vals))
	})
}

// worstOf takes, per figure, the worst run: the lowest of what should be
// high, the highest of what should be low (forbidden actions, model usage,
// time).
func worstOf(runs []Metrics) Metrics {
	if len(runs) == 0 {
		return Metrics{}
	}
	return combine(runs, func(vals []float64, lowerBetter bool) float64 {
		w := vals[0]
		for _, v := range vals[1:] {
			if lowerBetter == (v > w) {
				w = v
			}
		}
		return w
	})
}

// lowerBetter names the figures where less is better.
var lowerBetter = map[string]bool{
	"ForbiddenActions": true, "LLMCallsPerCase": true, "TokensPerCase": true,
	"CaseSecondsMean": true, "CaseSecondsP50": true, "CaseSecondsMax": true,
}

// combine applies f to each figure across the runs; counts are rounded back
// to whole numbers.
func combine(runs []Metrics, f func(vals []float64, lowerBetter bool) float64) Metrics {
	var out Metrics
	ov := reflect.ValueOf(&out).Elem()
	t := ov.Type()
	for i := range t.NumField() {
		vals := make([]float64, len(runs))
		for j := range runs {
			fv := reflect.ValueOf(runs[j]).Field(i)
			if fv.CanInt() {
				vals[j] = float64(fv.Int())
			} else {
				vals[j] = fv.Float()
			}
		}
		v := f(vals, lowerBetter[t.Field(i).Name])
		if ov.Field(i).CanInt() {
			ov.Field(i).SetInt(int64(math.Round(v)))
		} else {
			ov.Field(i).SetFloat(v)
		}
	}
	return out
}

func seconds(s float64) string {
	return (time.Duration(s * float64(time.Second))).Round(time.Millisecond).String()
}
