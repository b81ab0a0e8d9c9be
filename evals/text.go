package evals

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText prints the scorecard for a terminal: the figures (with the worst
// run beside the mean when there were several), one row per scenario, then
// every failed check and every skip with its reason.
func (s Scorecard) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Conductor eval · planner %s · %d scenarios, %d run, %d skipped · %d %s\n\n",
		s.Planner, s.Total, s.Total-s.Skipped, s.Skipped, s.Repeat,
		pluralize(s.Repeat, "run", "runs"))
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	s.writeFigures(tw)
	tw.Flush()
	b.WriteString("\n")

	tw = tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tCATEGORY\tVERDICT\tWANT\tRESULT\tFAILED CHECKS")
	for _, r := range s.Scenarios {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Category, dash(r.Verdict),
			strings.Join(r.Want, "|"), resultWord(r), strings.Join(r.Failed(), ","))
	}
	tw.Flush()
	s.writeDetails(&b)
	_, err := io.WriteString(w, b.String())
	return err
}

func (s Scorecard) writeFigures(w io.Writer) {
	m, x := s.Mean, s.Worst
	several := s.Repeat > 1
	row := func(name, mean, worst string) {
		if several {
			fmt.Fprintf(w, "%s\t%s\tworst %s\n", name, mean, worst)
			return
		}
		fmt.Fprintf(w, "%s\t%s\n", name, mean)
	}
	r := s.Runs[len(s.Runs)-1]
	row("scenarios passed", fmt.Sprintf("%d/%d", r.Passed, r.Scenarios),
		fmt.Sprintf("%d", x.Passed))
	row("verdict accuracy", fmt.Sprintf("%.3f (%d/%d)", m.VerdictAccuracy, r.VerdictRight,
		r.Scenarios), fmt.Sprintf("%.3f", x.VerdictAccuracy))
	row("action precision", f3(m.ActionPrecision), f3(x.ActionPrecision))
	row("action recall", f3(m.ActionRecall), f3(x.ActionRecall))
	row("forbidden actions taken", fmt.Sprintf("%d", m.ForbiddenActions),
		fmt.Sprintf("%d", x.ForbiddenActions))
	row("approval precision", f3(m.ApprovalPrecision), f3(x.ApprovalPrecision))
	row("approval recall", f3(m.ApprovalRecall), f3(x.ApprovalRecall))
	row("technique F1", fmt.Sprintf("%.3f (precision %.3f, recall %.3f)", m.TechniqueF1,
		m.TechniquePrec, m.TechniqueRecall), f3(x.TechniqueF1))
	row("question accuracy", f3(m.QuestionAccuracy), f3(x.QuestionAccuracy))
	row("LLM calls per case", fmt.Sprintf("%.2f", m.LLMCallsPerCase),
		fmt.Sprintf("%.2f", x.LLMCallsPerCase))
	row("tokens per case", fmt.Sprintf("%.0f", m.TokensPerCase),
		fmt.Sprintf("%.0f", x.TokensPerCase))
	row("time per case", fmt.Sprintf("mean %s · p50 %s · max %s (%d %s)",
		seconds(m.CaseSecondsMean), seconds(m.CaseSecondsP50), seconds(m.CaseSecondsMax),
		m.Cases, pluralize(m.Cases, "case", "cases")), "max "+seconds(x.CaseSecondsMax))
}

func (s Scorecard) writeDetails(b *strings.Builder) {
	if failing := s.Failing(); len(failing) > 0 {
		b.WriteString("\nFailing scenarios:\n")
		for _, r := range failing {
			fmt.Fprintf(b, "  %s (%s, passed %d/%d runs)\n", r.Name, r.File, r.Passed, r.Runs)
			for _, c := range r.Checks {
				if !c.Pass {
					fmt.Fprintf(b, "    %s: %s\n", c.Name, c.Detail)
				}
			}
			for _, n := range r.Notes {
				fmt.Fprintf(b, "    note: %s\n", n)
			}
		}
	}
	if s.Skipped > 0 {
		b.WriteString("\nSkipped:\n")
		for _, r := range s.Scenarios {
			if r.Skipped {
				fmt.Fprintf(b, "  %s: %s\n", r.Name, r.SkipReason)
			}
		}
	}
}

func resultWord(r ScenarioResult) string {
	switch {
	case r.Skipped:
		return "skip"
	case r.Error != "":
		return "error"
	case r.Pass:
		return "pass"
	case r.Runs > 1:
		return fmt.Sprintf("FAIL %d/%d", r.Runs-r.Passed, r.Runs)
	}
	return "FAIL"
}

func f3(v float64) string { return fmt.Sprintf("%.3f", v) }

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func pluralize(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
