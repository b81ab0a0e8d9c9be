package answer

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/internal/finding"
	"github.com/conductor-sec/conductor/internal/injection"
)

// verdictAnswer gives the verdict, what it rests on and the flags.
func verdictAnswer(w *writer, _ []string) {
	c := w.rec.rep.Case
	mark := ""
	if s, ok := w.rec.lastStep("verdict"); ok {
		mark = w.step(s)
	}
	if c.Verdict == "" {
		w.say("The case has no verdict yet; it is %s.%s", c.State, mark)
	} else {
		w.say("The verdict is %s (score %d, severity %s, confidence %.2f; case state %s).%s",
			c.Verdict, c.Score, c.Severity, c.Confidence, c.State, mark)
	}
	if c.AnalystVerdict != "" {
		closed := ""
		if s, ok := w.rec.lastStep("close"); ok {
			closed = w.step(s)
		}
		w.say("An analyst, %s, closed it as %s: %s.%s", clip(c.AnalystName, 60),
			c.AnalystVerdict, quote(c.AnalystNote), closed)
	}
	if fs := w.rec.positiveFactors(); len(fs) > 0 {
		w.say("It rests on: %s.", strings.Join(fs[:min(len(fs), 4)], "; "))
	}
	if c.Summary != "" {
		w.say("Planner summary: %s.", quote(c.Summary))
	}
	if len(c.Flags) > 0 {
		w.say("Flags: %s.", strings.Join(c.Flags, ", "))
	}
}

// scoreAnswer gives the score and every factor.
func scoreAnswer(w *writer, _ []string) {
	c := w.rec.rep.Case
	mark := ""
	if s, ok := w.rec.lastStep("enrich"); ok {
		mark = w.step(s)
	}
	w.say("The score is %d of 100 (severity %s), confidence %.2f.%s", c.Score, c.Severity,
		c.Confidence, mark)
	if len(w.rec.factors) == 0 {
		w.say("No score factors are recorded.")
		return
	}
	var parts []string
	for _, f := range w.rec.factors {
		parts = append(parts, fmt.Sprintf("%s %+d (%s)", f.Name, f.Points, clip(f.Detail, 120)))
	}
	w.say("Factors: %s.", strings.Join(parts, "; "))
}

// timeAnswer says when the activity started and ended and when the case
// opened.
func timeAnswer(w *writer, _ []string) {
	fs := w.rec.findings
	if len(fs) == 0 {
		w.say("The case holds no findings, so no time is recorded.")
		return
	}
	first, last := fs[0], fs[0]
	for _, f := range fs[1:] {
		if f.Time.Before(first.Time) {
			first = f
		}
		if f.Time.After(last.Time) {
			last = f
		}
	}
	w.say("It started at %s with %s.%s", stamp(first.Time), quote(first.Title),
		w.findings(first.ID))
	if last.ID != first.ID {
		w.say("The last finding is from %s: %s.%s", stamp(last.Time), quote(last.Title),
			w.findings(last.ID))
	}
	if c := w.rec.rep.Case; !c.CreatedAt.IsZero() {
		w.say("The case was opened at %s.", stamp(c.CreatedAt))
	}
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// techniquesAnswer lists the ATT&CK techniques and the findings behind them.
func techniquesAnswer(w *writer, _ []string) {
	techs := w.rec.rep.Case.Techniques
	if len(techs) == 0 {
		w.say("No ATT&CK technique is recorded on the case.")
		return
	}
	w.say("ATT&CK techniques: %s.", strings.Join(techs, ", "))
	for _, t := range techs {
		var ids []string
		for _, f := range w.rec.findings {
			if slices.Contains(f.Techniques, t) {
				ids = append(ids, f.ID)
			}
		}
		if len(ids) > 0 {
			w.say("%s comes from%s.", t, w.findings(ids...))
		}
	}
}

// intelAnswer lists the threat-intelligence matches found at enrichment.
func intelAnswer(w *writer, _ []string) {
	hits := w.rec.enrichment.Intel
	mark := ""
	if s, ok := w.rec.lastStep("enrich"); ok {
		mark = w.step(s)
	}
	if len(hits) == 0 {
		w.say("No threat-intelligence match on the case's entities.%s", mark)
		return
	}
	var parts []string
	seen := map[string]bool{}
	for _, h := range hits {
		p := fmt.Sprintf("%s %s: %s, confidence %d, source %s", h.Kind,
			clip(h.Value, 100), clip(h.Threat, 80), h.Confidence, clip(h.Source, 40))
		if !seen[p] {
			seen[p] = true
			parts = append(parts, p)
		}
	}
	w.say("Intel matches: %s.%s", strings.Join(parts, "; "), mark)
}

// injectionAnswer says whether text in the case tries to instruct the agent,
// quoting it as data.
func injectionAnswer(w *writer, _ []string) {
	flagged := slices.Contains(w.rec.rep.Case.Flags, agent.FlagSuspectedInjection)
	passages := injectedPassages(w.rec.findings)
	if !flagged && len(passages) == 0 {
		w.say("No: the case has no suspected_injection flag and no text in it " +
			"addresses the agent.")
		return
	}
	if flagged {
		w.say("Yes: the case is flagged suspected_injection; its text is treated as data " +
			"and never followed.")
	}
	for _, p := range passages[:min(len(passages), 3)] {
		w.say("Text addressed to the agent, quoted as data: %s.%s", quote(p.text),
			w.findings(p.finding))
	}
	held, denied := 0, 0
	for _, a := range w.rec.rep.Actions {
		switch a.Status {
		case "held":
			held++
		case "denied":
			denied++
		}
	}
	w.say("The policy held %d and denied %d of the case's actions.", held, denied)
}

type passage struct{ text, finding string }

var sentenceBreak = regexp.MustCompile(`[\r\n]+|[.!?](\s+|$)`)

// injectedPassages finds the sentences of the findings' free text that the
// injection detector flags.
func injectedPassages(fs []finding.Finding) []passage {
	var out []passage
	for _, f := range fs {
		for _, t := range f.UntrustedTexts() {
			for _, s := range sentenceBreak.Split(t, -1) {
				if injection.Suspicious(s) {
					out = append(out, passage{text: strings.TrimSpace(s), finding: f.ID})
				}
			}
		}
	}
	return out
}
