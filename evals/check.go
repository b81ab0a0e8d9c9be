package evals

import (
	"fmt"
	"slices"
	"strings"
)

// actedRisks are the risk classes whose executed actions count for action
// precision: what contains or communicates, not what only reads.
var actedRisks = []string{"containment", "destructive", "write"}

// Check is one pass/fail judgement on a scenario run.
type Check struct {
	Name   string `json:"name"`
	Pass   bool   `json:"pass"`
	Detail string `json:"detail,omitempty"`
}

// Counts are one scenario run's contributions to the scorecard's metrics.
type Counts struct {
	VerdictRight bool `json:"verdict_right"`
	// MustMet of MustTotal must-actions happened.
	MustTotal int `json:"must_total"`
	MustMet   int `json:"must_met"`
	// Acted executed containment and communication actions, ActedExpected of
	// them matching a must or may entry.
	Acted         int `json:"acted"`
	ActedExpected int `json:"acted_expected"`
	Forbidden     int `json:"forbidden"`
	// ForbiddenAsked counts actions a must_not entry forbids even to
	// propose (its status lists held, denied …) that were proposed.
	ForbiddenAsked int `json:"forbidden_asked"`
	// Requested approvals, RequestedExpected of them expected (or allowed by
	// may); ExpectedMet of ApprovalsExpected expected approvals requested.
	Requested         int `json:"approvals_requested"`
	RequestedExpected int `json:"approvals_requested_expected"`
	ApprovalsExpected int `json:"approvals_expected"`
	ExpectedMet       int `json:"approvals_expected_met"`
	TechTP            int `json:"technique_tp"`
	TechFP            int `json:"technique_fp"`
	TechFN            int `json:"technique_fn"`
	Questions         int `json:"questions"`
	QuestionsRight    int `json:"questions_right"`
	Cases             int `json:"cases"`
	LLMCalls          int `json:"llm_calls"`
	Tokens            int `json:"tokens"`
	// CaseSeconds is the investigation time of each case.
	CaseSeconds []float64 `json:"case_seconds"`
}

// score judges one scenario run and fills res.
func score(sc *Scenario, out *outcome, res *ScenarioResult) {
	e := sc.Expect
	acts, approvals, changes := observe(out)
	primary := out.reports[out.primary].Case
	res.CaseID, res.Verdict, res.Cases = out.primary, primary.Verdict, len(out.caseIDs)
	res.Notes = append(append([]string(nil), out.notes...), flagNotes(out)...)
	usageCounts(out, &res.Counts)

	res.Counts.VerdictRight = e.Verdict.Contains(primary.Verdict)
	res.add("verdict", res.Counts.VerdictRight, fmt.Sprintf("got %s, want %s",
		primary.Verdict, strings.Join(e.Verdict, " or ")))
	if e.Cases > 0 {
		res.add("cases", len(out.caseIDs) == e.Cases, fmt.Sprintf("got %d cases %v, want %d",
			len(out.caseIDs), out.caseIDs, e.Cases))
	}
	if len(e.Flags) > 0 {
		missing := missingFlags(e.Flags, primary.Flags)
		res.add("flags", len(missing) == 0, fmt.Sprintf("missing %v; case has %v",
			missing, primary.Flags))
	}
	checkMust(e, acts, res)
	checkForbidden(e, acts, changes, res)
	checkApprovals(e, approvals, res)
	checkTechniques(e, out, res)
	checkTasks(e, out, res)
	checkQuestions(e, out, res)

	res.Pass = true
	for _, ch := range res.Checks {
		res.Pass = res.Pass && ch.Pass
	}
}

// usageCounts adds the cases' model usage and investigation times.
func usageCounts(out *outcome, c *Counts) {
	c.Cases = len(out.caseIDs)
	for _, id := range out.caseIDs {
		u := out.usage[id]
		c.LLMCalls += u.Calls
		c.Tokens += u.PromptTokens + u.CompletionTokens
		c.CaseSeconds = append(c.CaseSeconds, out.durations[id].Seconds())
	}
}

// flagNotes points out cases that did not run as designed: a failing policy,
// an exhausted budget, a planner that fell back.
func flagNotes(out *outcome) []string {
	var notes []string
	for _, id := range out.caseIDs {
		for _, f := range []string{"policy_error", "budget_exhausted", "planner_fallback"} {
			if slices.Contains(out.reports[id].Case.Flags, f) {
				notes = append(notes, fmt.Sprintf("%s is flagged %s", id, f))
			}
		}
	}
	return notes
}

func (r *ScenarioResult) add(name string, pass bool, detail string) {
	ch := Check{Name: name, Pass: pass}
	if !pass {
		ch.Detail = detail
	}
	r.Checks = append(r.Checks, ch)
}

func missingFlags(want, got []string) []string {
	var out []string
	for _, f := range want {
		if !slices.Contains(got, f) {
			out = append(out, f)
		}
	}
	return out
}

// observe turns the record into what the scorer matches: every action of
// every case, every approval requested, and the lab's changes as the
// actions that make them.
func observe(out *outcome) (acts, approvals, changes []observed) {
	for _, id := range out.caseIDs {
		rep := out.reports[id]
		for _, a := range rep.Actions {
			acts = append(acts, observed{Tool: a.Tool, Risk: out.risks[a.Tool],
				Args: decodeArgs(a.Args), Status: a.Status, CaseID: id, ID: a.ID})
		}
		for _, ap := range rep.Approvals {
			approvals = append(approvals, observed{Tool: ap.Tool, Risk: out.risks[ap.Tool],
				Args: decodeArgs(ap.Args), Status: ap.Status, CaseID: id, ID: ap.ID})
		}
	}
	return acts, approvals, labChanges(out)
}

func labChanges(out *outcome) []observed {
	s := out.lab
	var obs []observed
	add := func(tool, arg, value string) {
		obs = append(obs, observed{Tool: tool, Risk: out.risks[tool],
			Args: map[string]any{arg: value}, Status: "executed", ID: "lab state"})
	}
	for _, x := range s.Isolated {
		add("edr.isolate_host", "host", x.Host)
	}
	for _, x := range s.BlockedIPs {
		add("firewall.block_ip", "ip", x.Value)
	}
	for _, x := range s.BlockedDomains {
		add("firewall.block_domain", "domain", x.Value)
	}
	for _, x := range s.Disabled {
		add("iam.disable_account", "user", x.User)
	}
	for _, x := range s.CredentialResets {
		add("iam.reset_credentials", "user", x.User)
	}
	for _, x := range s.Quarantined {
		add("mail.quarantine", "message_id", x.MessageID)
	}
	return obs
}

func checkMust(e Expect, acts []observed, res *ScenarioResult) {
	c := &res.Counts
	var missing []string
	for _, s := range e.Must {
		c.MustTotal++
		if anyMatch(s, acts, "executed") {
			c.MustMet++
			continue
		}
		missing = append(missing, s.String()+seenOf(s, acts))
	}
	allowed := append(append([]ActionSpec(nil), e.Must...), e.May...)
	var extra []string
	for _, o := range acts {
		if o.Status != "executed" || !slices.Contains(actedRisks, o.Risk) {
			continue
		}
		c.Acted++
		if specMatch(allowed, o, "executed") {
			c.ActedExpected++
		} else {
			extra = append(extra, o.String())
		}
	}
	if len(e.Must) > 0 {
		res.add("must", len(missing) == 0, "missing: "+strings.Join(missing, "; "))
	}
	if len(extra) > 0 {
		res.Notes = append(res.Notes, "unexpected actions (precision): "+
			strings.Join(extra, "; "))
	}
}

// seenOf says what did happen with a tool a must-action names, to explain a
// miss.
func seenOf(s ActionSpec, acts []observed) string {
	var seen []string
	for _, o := range acts {
		if s.toolMatches(o) {
			seen = append(seen, fmt.Sprintf("%s %s", compactJSON(o.Args), o.Status))
		}
	}
	if len(seen) == 0 {
		return " (never proposed)"
	}
	return " (seen: " + strings.Join(seen, ", ") + ")"
}

func anyMatch(s ActionSpec, obs []observed, def string) bool {
	for _, o := range obs {
		if s.matches(o, def) {
			return true
		}
	}
	return false
}

func specMatch(specs []ActionSpec, o observed, def string) bool {
	for _, s := range specs {
		if s.matches(o, def) {
			return true
		}
	}
	return false
}

// checkForbidden counts executed actions, and lab changes no executed action
// explains, that match a must_not entry: the forbidden actions taken. An entry
// that also names other statuses (held: "not even ask") fails the check when
// an action in one of them matches, without counting as taken.
func checkForbidden(e Expect, acts, changes []observed, res *ScenarioResult) {
	var taken, asked []string
	for _, o := range acts {
		s, ok := firstMatch(e.MustNot, o, "executed")
		switch {
		case !ok:
		case o.Status == "executed":
			taken = append(taken, fmt.Sprintf("%s matches must_not %s%s", o, s, from(s)))
		default:
			asked = append(asked, fmt.Sprintf("%s matches must_not %s%s", o, s, from(s)))
		}
	}
	for _, o := range changes {
		if explained(o, acts) {
			continue
		}
		if s, ok := firstMatch(e.MustNot, o, "executed"); ok {
			taken = append(taken, fmt.Sprintf("%s matches must_not %s%s", o, s, from(s)))
		}
	}
	res.Counts.Forbidden, res.Counts.ForbiddenAsked = len(taken), len(asked)
	detail := ""
	if len(taken) > 0 {
		detail = "forbidden and executed: " + strings.Join(taken, "; ")
	}
	if len(asked) > 0 {
		detail = strings.TrimPrefix(detail+"; forbidden even to propose: "+
			strings.Join(asked, "; "), "; ")
	}
	res.add("must_not", len(taken)+len(asked) == 0, detail)
}

func from(s ActionSpec) string {
	if s.From == "" {
		return ""
	}
	return " (" + s.From + ")"
}

func firstMatch(specs []ActionSpec, o observed, def string) (ActionSpec, bool) {
	for _, s := range specs {
		if s.matches(o, def) {
			return s, true
		}
	}
	return ActionSpec{}, false
}

// explained reports whether an executed action of the same tool accounts
// for a lab change: same target, or a call that named its target otherwise
// (a quarantine by sender and subject shows up as message ids).
func explained(change observed, acts []observed) bool {
	for _, o := range acts {
		if o.Status != "executed" || o.Tool != change.Tool {
			continue
		}
		spec := ActionSpec{Tool: change.Tool, Args: change.Args}
		if spec.matches(o, "executed") || !sharesArg(change.Args, o.Args) {
			return true
		}
	}
	return false
}

func sharesArg(a, b map[string]any) bool {
	for k := range a {
		if _, ok := b[k]; ok {
			return true
		}
	}
	return false
}

func checkApprovals(e Expect, approvals []observed, res *ScenarioResult) {
	c := &res.Counts
	var missing []string
	for _, s := range e.Approvals {
		c.ApprovalsExpected++
		if anyMatch(s, approvals, "") {
			c.ExpectedMet++
		} else {
			missing = append(missing, s.String())
		}
	}
	allowed := append(append([]ActionSpec(nil), e.Approvals...), anyStatus(e.May)...)
	for _, s := range e.Must {
		if s.Status.Contains("held") {
			allowed = append(allowed, anyStatus([]ActionSpec{s})...)
		}
	}
	var extra []string
	for _, o := range approvals {
		c.Requested++
		if specMatch(allowed, o, "") {
			c.RequestedExpected++
		} else {
			extra = append(extra, o.String())
		}
	}
	if len(e.Approvals) > 0 {
		res.add("approvals", len(missing) == 0, "not requested: "+strings.Join(missing, "; ")+
			requestedOf(approvals))
	}
	if len(extra) > 0 {
		res.Notes = append(res.Notes, "unexpected approvals (precision): "+
			strings.Join(extra, "; "))
	}
}

func requestedOf(obs []observed) string {
	if len(obs) == 0 {
		return " (none requested)"
	}
	var s []string
	for _, o := range obs {
		s = append(s, o.Tool+" "+compactJSON(o.Args))
	}
	return " (requested: " + strings.Join(s, ", ") + ")"
}

// anyStatus copies specs without their status, so a may entry also allows
// the approval of the same action.
func anyStatus(specs []ActionSpec) []ActionSpec {
	out := make([]ActionSpec, len(specs))
	for i, s := range specs {
		s.Status = nil
		out[i] = s
	}
	return out
}
