// Package report renders a case for people and programs: one JSON document
// per case (the form `--json` prints and the API serves) and a plain-text
// timeline for the terminal.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/guardrails"
	"github.com/conductor-sec/conductor/internal/store"
)

// Doc is the JSON document of one case.
type Doc struct {
	Case      Case                  `json:"case"`
	Status    string                `json:"status,omitempty"`
	Reason    string                `json:"reason,omitempty"`
	Steps     []Step                `json:"steps"`
	Approvals []guardrails.Approval `json:"approvals"`
	Tasks     []store.Task          `json:"tasks"`
	Timeline  []Entry               `json:"timeline,omitempty"`
	Usage     agent.Usage           `json:"usage"`
}

// Case is the case summary inside a [Doc].
type Case struct {
	ID             string          `json:"id"`
	Title          string          `json:"title"`
	State          string          `json:"state"`
	Verdict        string          `json:"verdict"`
	AnalystVerdict string          `json:"analyst_verdict,omitempty"`
	AnalystNote    string          `json:"analyst_note,omitempty"`
	Severity       string          `json:"severity"`
	Score          int             `json:"score"`
	Confidence     float64         `json:"confidence"`
	Techniques     []string        `json:"techniques"`
	Sources        []string        `json:"sources"`
	Flags          []string        `json:"flags,omitempty"`
	Summary        string          `json:"summary,omitempty"`
	Planner        string          `json:"planner,omitempty"`
	FindingCount   int             `json:"finding_count"`
	ScoreFactors   json.RawMessage `json:"score_factors,omitempty"`
	CreatedAt      time.Time       `json:"created_at"`
}

// Step is one action of the case: what was asked, decided and done.
type Step struct {
	Ref        string          `json:"ref"`
	Tool       string          `json:"tool"`
	Args       json.RawMessage `json:"args"`
	Actor      string          `json:"actor"`
	Decision   string          `json:"decision"`
	Reasons    []string        `json:"reasons"`
	Status     string          `json:"status"`
	ApprovalID string          `json:"approval_id,omitempty"`
	Error      string          `json:"error,omitempty"`
	Policy     string          `json:"policy_version,omitempty"`
}

// Entry is one line of the audit timeline.
type Entry struct {
	Seq     int64     `json:"seq"`
	Time    time.Time `json:"time"`
	Actor   string    `json:"actor"`
	Kind    string    `json:"kind"`
	Status  string    `json:"status,omitempty"`
	Summary string    `json:"summary"`
}

// Build assembles the document of a case from an engine report and the case's
// recorded steps (nil leaves the timeline out).
func Build(rep agent.Report, chain []store.Step) Doc {
	d := Doc{
		Case:   CaseOf(rep.Case),
		Status: rep.Status, Reason: rep.Reason, Approvals: rep.Approvals, Tasks: rep.Tasks,
		Steps: make([]Step, 0, len(rep.Actions)), Usage: rep.Usage,
	}
	for _, a := range rep.Actions {
		d.Steps = append(d.Steps, step(a))
	}
	for _, s := range chain {
		d.Timeline = append(d.Timeline, Entry{
			Seq: s.Seq, Time: s.Time, Actor: s.Actor, Kind: s.Kind, Status: s.Status,
			Summary: s.Summary,
		})
	}
	return d
}

// CaseOf is the JSON form of a stored case.
func CaseOf(c store.Case) Case {
	return Case{
		ID: c.ID, Title: c.Title, State: c.State, Verdict: c.Verdict,
		AnalystVerdict: c.AnalystVerdict, AnalystNote: c.AnalystNote,
		Severity: c.Severity, Score: c.Score, Confidence: c.Confidence,
		Techniques: nonNil(c.Techniques), Sources: nonNil(c.Sources), Flags: c.Flags,
		Summary: c.Summary, Planner: c.Planner, FindingCount: c.FindingCount,
		ScoreFactors: c.ScoreFactors, CreatedAt: c.CreatedAt,
	}
}

// CasesOf is the JSON form of a list of stored cases, never null.
func CasesOf(cs []store.Case) []Case {
	out := make([]Case, len(cs))
	for i, c := range cs {
		out[i] = CaseOf(c)
	}
	return out
}

func step(a store.Action) Step {
	d := DecisionOf(a)
	return Step{
		Ref: a.Ref, Tool: a.Tool, Args: a.Args, Actor: a.Actor, Status: a.Status,
		ApprovalID: a.ApprovalID, Error: a.Error, Decision: string(d.Outcome),
		Policy: d.PolicyVersion, Reasons: d.Reasons,
	}
}

// DecisionOf reads the guard's decision recorded on a, with reasons never
// nil. An action refused before the policy (an unknown tool, invalid
// arguments) reads as a deny whose reason is its error; one with no decision
// yet has an empty outcome.
func DecisionOf(a store.Action) guardrails.Decision {
	var d guardrails.Decision
	if len(a.Decision) == 0 || json.Unmarshal(a.Decision, &d) != nil {
		d = guardrails.Decision{}
	}
	if d.Outcome == "" && a.Status == agent.ActionDenied {
		d.Outcome, d.Reasons = guardrails.Deny, []string{a.Error}
	}
	d.Reasons = nonNil(d.Reasons)
	return d
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Text writes a case as a readable timeline: header, score factors, actions
// with decisions and reasons, waiting approvals and tasks.
func Text(w io.Writer, d Doc) error {
	c := d.Case
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s\n", c.ID, Clean(c.Title))
	fmt.Fprintf(&b, "  verdict %s · severity %s (score %d, confidence %.2f) · state %s\n",
		c.Verdict, c.Severity, c.Score, c.Confidence, c.State)
	if c.AnalystVerdict != "" {
		fmt.Fprintf(&b, "  analyst verdict %s: %s\n", c.AnalystVerdict, Clean(c.AnalystNote))
	}
	if len(c.Techniques) > 0 {
		fmt.Fprintf(&b, "  ATT&CK %s\n", strings.Join(c.Techniques, ", "))
	}
	if len(c.Flags) > 0 {
		fmt.Fprintf(&b, "  flags %s\n", strings.Join(c.Flags, ", "))
	}
	writeFactors(&b, c.ScoreFactors)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	if err := writeSteps(w, d.Steps); err != nil {
		return err
	}
	b.Reset()
	writeWaiting(&b, d)
	if c.Summary != "" {
		fmt.Fprintf(&b, "  summary: %s\n", Clean(c.Summary))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeFactors(b *strings.Builder, raw json.RawMessage) {
	var fs []agent.ScoreFactor
	if json.Unmarshal(raw, &fs) != nil || len(fs) == 0 {
		return
	}
	b.WriteString("  score factors:\n")
	for _, f := range fs {
		fmt.Fprintf(b, "    %+4d  %-22s %s\n", f.Points, f.Name, Clean(f.Detail))
	}
}

func writeSteps(w io.Writer, steps []Step) error {
	if len(steps) == 0 {
		_, err := io.WriteString(w, "  no actions\n")
		return err
	}
	if _, err := io.WriteString(w, "  actions:\n"); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, s := range steps {
		fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\n", statusMark(s.Status), s.Tool,
			Clean(compactArgs(s.Args)), Clean(strings.Join(s.Reasons, "; ")))
	}
	return tw.Flush()
}

func writeWaiting(b *strings.Builder, d Doc) {
	for _, a := range d.Approvals {
		if a.Status != "pending" {
			continue
		}
		fmt.Fprintf(b, "  waiting: %s for approval by role %s: %s %s (expires %s)\n",
			a.ID, a.ApproverRole, a.Tool, Clean(compactArgs(a.Args)),
			a.ExpiresAt.Format(time.RFC3339))
	}
	for _, t := range d.Tasks {
		if t.Status == "open" {
			fmt.Fprintf(b, "  task: %s\n", Clean(t.Title))
		}
	}
}

func statusMark(s string) string {
	return fmt.Sprintf("%-9s", s)
}

func compactArgs(raw json.RawMessage) string {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return string(raw)
	}
	b, _ := json.Marshal(m)
	s := string(b)
	if len(s) > 90 {
		s = s[:87] + "..."
	}
	return s
}

// Clean makes untrusted text safe for a terminal: control characters (escape
// sequences that could rewrite the screen) become spaces.
func Clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
}
