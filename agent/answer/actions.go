package answer

import (
	"fmt"
	"strings"

	"github.com/conductor-sec/conductor/internal/store"
)

// verb is a kind of change an analyst asks about and the tools that make it.
type verb struct {
	stem, past string
	tools      []string
}

var verbs = []verb{
	{"block", "blocked", []string{"firewall.block_ip", "firewall.block_domain"}},
	{"isolat", "isolated", []string{"edr.isolate_host"}},
	{"disabl", "disabled", []string{"iam.disable_account"}},
	{"quarantin", "quarantined", []string{"mail.quarantine"}},
	{"reset", "reset", []string{"iam.reset_credentials"}},
}

// readOnly reports whether a tool only reads: lookups, gets and searches
// change nothing and are not what "what was done" asks about.
func readOnly(tool string) bool {
	for _, s := range []string{".lookup", ".get", ".search"} {
		if strings.HasSuffix(tool, s) {
			return true
		}
	}
	return false
}

// asked returns the verbs a question names.
func asked(q []string) []verb {
	var out []verb
	for _, v := range verbs {
		for _, w := range q {
			if strings.HasPrefix(w, v.stem) {
				out = append(out, v)
				break
			}
		}
	}
	return out
}

// actionsAnswer lists what was done, waits or was refused, for the kinds of
// change the question names or for every change.
func actionsAnswer(w *writer, q []string) {
	vs := asked(q)
	pick := func(a store.Action) bool { return !readOnly(a.Tool) }
	what := "changed"
	if len(vs) > 0 {
		var pasts []string
		tools := map[string]bool{}
		for _, v := range vs {
			pasts = append(pasts, v.past)
			for _, t := range v.tools {
				tools[t] = true
			}
		}
		pick = func(a store.Action) bool { return tools[a.Tool] }
		what = strings.Join(pasts, " or ")
	}

	groups := map[string][]string{}
	for _, a := range w.rec.rep.Actions {
		if pick(a) {
			groups[a.Status] = append(groups[a.Status], w.describe(a))
		}
	}
	if len(groups) == 0 {
		w.say("Nothing was %s on this case; no such action was proposed.", what)
		return
	}
	if len(groups["executed"]) == 0 {
		w.say("Nothing was %s on this case.", what)
	}
	for _, g := range statusGroups {
		if items := groups[g.status]; len(items) > 0 {
			w.say("%s: %s.", g.label, strings.Join(items, "; "))
		}
	}
}

var statusGroups = []struct{ status, label string }{
	{"executed", "Done"},
	{"held", "Waiting for approval"},
	{"denied", "Denied by policy"},
	{"failed", "Failed"},
	{"rejected", "Rejected by a human"},
	{"expired", "Approval expired"},
	{"superseded", "Dropped when the case closed"},
	{"proposed", "Proposed, not yet decided"},
	{"running", "Running"},
}

// describe renders one action with what its record says and cites it.
func (w *writer) describe(a store.Action) string {
	out := target(a.Tool, a.Args)
	switch a.Status {
	case "held":
		if a.ApprovalID != "" {
			w.cite("approval", a.ApprovalID)
			out += " (" + a.ApprovalID + ")"
		}
		out += reasonText(a)
	case "denied", "rejected", "expired":
		out += reasonText(a)
	case "failed":
		out += fmt.Sprintf(" after %d %s: %s", a.Attempts,
			plural(a.Attempts, "attempt", "attempts"), clip(a.Error, 160))
	}
	if s, ok := w.rec.actionStep(a); ok {
		out += w.step(s)
	}
	return out
}

func reasonText(a store.Action) string {
	rs := reasons(a)
	if len(rs) == 0 {
		return ""
	}
	for i := range rs {
		rs[i] = clip(rs[i], 160)
	}
	return ": " + strings.Join(rs, ", ")
}

// approvalsAnswer lists what waits for a human and what humans decided.
func approvalsAnswer(w *writer, _ []string) {
	aps := w.rec.rep.Approvals
	if len(aps) == 0 {
		w.say("Nothing waits for approval, and no approval was requested on this case.")
		return
	}
	pending := 0
	for _, ap := range aps {
		w.cite("approval", ap.ID)
		what := target(ap.Tool, ap.Args)
		why := strings.Join(clipAll(ap.Reasons), ", ")
		switch ap.Status {
		case "pending":
			pending++
			w.say("%s waits for a %s to approve %s until %s, because: %s.", ap.ID,
				ap.ApproverRole, what, stamp(ap.ExpiresAt), why)
		case "approved", "used", "rejected":
			w.say("%s for %s was %s by %s.", ap.ID, what, decided(ap.Status),
				clip(ap.DecidedBy, 60))
		default:
			w.say("%s for %s is %s.", ap.ID, what, ap.Status)
		}
	}
	if pending == 0 {
		w.say("Nothing waits for approval now.")
	}
}

func decided(status string) string {
	if status == "used" {
		return "approved"
	}
	return status
}

func clipAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = clip(s, 160)
	}
	return out
}

// failuresAnswer lists failed actions, manual tasks and a stopped run.
func failuresAnswer(w *writer, _ []string) {
	said := false
	for _, a := range w.rec.rep.Actions {
		if a.Status == "failed" {
			w.say("Failed: %s.", w.describe(a))
			said = true
		}
	}
	for _, t := range w.rec.rep.Tasks {
		w.cite("task", t.ID)
		w.say("Manual task %s (%s): %s.", t.ID, t.Status, clip(t.Title, 200))
		said = true
	}
	if r := w.rec.rep; r.Reason != "" {
		w.say("The investigation ended %s: %s.", r.Status, clip(r.Reason, 200))
		said = true
	}
	if !said {
		w.say("No step failed and no manual task is open.")
	}
}

// deniedAnswer lists what the policy refused or held, with its reasons.
func deniedAnswer(w *writer, _ []string) {
	said := false
	for _, g := range statusGroups[1:3] {
		var items []string
		for _, a := range w.rec.rep.Actions {
			if a.Status == g.status {
				items = append(items, w.describe(a))
			}
		}
		if len(items) > 0 {
			w.say("%s: %s.", g.label, strings.Join(items, "; "))
			said = true
		}
	}
	if !said {
		w.say("The policy denied nothing on this case and held nothing for approval.")
	}
}

// ticketsAnswer lists tickets and notifications.
func ticketsAnswer(w *writer, _ []string) {
	said := false
	for _, a := range w.rec.rep.Actions {
		if !strings.HasPrefix(a.Tool, "ticket.") && a.Tool != "notify" {
			continue
		}
		s, ok := w.rec.actionStep(a)
		if a.Status == "executed" && ok && s.Summary != "" {
			w.say("%s: %s.%s", a.Tool, quote(s.Summary), w.step(s))
		} else {
			w.say("%s is %s.", w.describe(a), a.Status)
		}
		said = true
	}
	if !said {
		w.say("No ticket was opened and no one was notified.")
	}
}
