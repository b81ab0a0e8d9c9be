package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/conductor-sec/conductor/guardrails"
	"github.com/conductor-sec/conductor/internal/store"
	"github.com/conductor-sec/conductor/tools"
)

// ApprovalView is what an approver needs to decide a held action: the call and
// why it was held, the evidence behind it, what else it touches, and how it is
// undone.
type ApprovalView struct {
	Approval guardrails.Approval `json:"approval"`
	Action   store.Action        `json:"action"`
	Case     CaseInfo            `json:"case"`
	// Evidence are the facts that led the planner to propose the action.
	Evidence []string `json:"evidence"`
	// BlastRadius says what else the action touches beyond its target.
	BlastRadius []string `json:"blast_radius"`
	// Undo is how the action is reversed, or why it cannot be.
	Undo string `json:"undo"`
}

// Explain gathers what an approver should see for one approval request.
func (e *Engine) Explain(ctx context.Context, approvalID string) (ApprovalView, error) {
	ap, err := e.cfg.Store.GetApproval(ctx, approvalID)
	if err != nil {
		return ApprovalView{}, fmt.Errorf("loading approval %s: %w", approvalID, err)
	}
	a, err := e.cfg.Store.GetAction(ctx, ap.ActionID)
	if err != nil {
		return ApprovalView{}, fmt.Errorf("loading action %s: %w", ap.ActionID, err)
	}
	c, err := e.cfg.Store.GetCase(ctx, ap.CaseID)
	if err != nil {
		return ApprovalView{}, fmt.Errorf("loading case %s: %w", ap.CaseID, err)
	}

	v := ApprovalView{Approval: ap, Action: a, Case: caseInfo(&c)}
	v.Evidence = evidence(c, a)
	spec, ok := e.cfg.Tools.Spec(a.Tool)
	var args map[string]any
	_ = json.Unmarshal(a.Args, &args)
	if ok {
		v.Undo = undo(spec, args)
		for arg, kind := range spec.Targets {
			for _, val := range stringValues(args[arg]) {
				v.BlastRadius = append(v.BlastRadius, e.radius(ctx, c.ID, kind, val)...)
			}
		}
	}
	sort.Strings(v.BlastRadius)
	return v, nil
}

func evidence(c store.Case, a store.Action) []string {
	out := []string{fmt.Sprintf("case %s %q: score %d (%s), confidence %.2f, %d findings, "+
		"techniques %s", c.ID, c.Title, c.Score, c.Severity, c.Confidence, c.FindingCount,
		strings.Join(c.Techniques, ", "))}
	var fs []ScoreFactor
	if json.Unmarshal(c.ScoreFactors, &fs) == nil {
		for _, f := range fs {
			out = append(out, fmt.Sprintf("%+d %s: %s", f.Points, f.Name, f.Detail))
		}
	}
	if a.Reason != "" {
		out = append(out, "proposed by "+a.Actor+": "+a.Reason)
	}
	for _, fl := range c.Flags {
		out = append(out, "case flag: "+fl)
	}
	return out
}

// undo describes the reversal of a call from its tool's contract.
func undo(spec tools.Spec, args map[string]any) string {
	if !spec.Reversible || spec.Undo == "" {
		return "cannot be undone: the tool is irreversible"
	}
	undoing := undoArgs(spec, args)
	parts := make([]string, 0, len(undoing))
	for arg, v := range undoing {
		parts = append(parts, fmt.Sprintf("%s=%v", arg, v))
	}
	sort.Strings(parts)
	return fmt.Sprintf("run %s %s", spec.Undo, strings.Join(parts, " "))
}

// undoArgs are the arguments of a call's undo: those its tool's contract
// names in UndoArgs, else those that name a target. The approver is shown
// them and the timer runs them.
func undoArgs(spec tools.Spec, args map[string]any) map[string]any {
	names := spec.UndoArgs
	if len(names) == 0 {
		names = slices.Collect(maps.Keys(spec.Targets))
	}
	out := map[string]any{}
	for _, arg := range names {
		if v, ok := args[arg]; ok {
			out[arg] = v
		}
	}
	return out
}

// radius lists what else an action on one target touches: who depends on a
// host, what an account owns, which other open cases name the same entity.
func (e *Engine) radius(ctx context.Context, caseID, kind, value string) []string {
	var out []string
	if d := e.cfg.Directory; d != nil {
		out = append(out, directoryRadius(d, kind, value)...)
	}
	key := kind + ":" + strings.ToLower(value)
	if kind == "email" || kind == "message" {
		return out
	}
	related, err := e.cfg.Store.RelatedCases(ctx, caseID, []string{key}, 10)
	if err != nil {
		return append(out, "other cases: unknown ("+err.Error()+")")
	}
	for _, r := range related {
		out = append(out, fmt.Sprintf("%s also names %s (%s, verdict %s)", r.CaseID, value,
			r.Title, orDash(r.Verdict)))
	}
	return out
}

func directoryRadius(d Directory, kind, value string) []string {
	switch kind {
	case "host":
		a, ok := d.Asset(value)
		if !ok {
			return []string{value + " is not in the inventory: its role is unknown"}
		}
		s := fmt.Sprintf("%s is a %s (%s criticality) owned by %s; isolation cuts every "+
			"connection but the EDR's", a.Name, a.Type, a.Criticality, orDash(a.Owner))
		if a.CrownJewel {
			s += "; it is a crown jewel: services that depend on it stop"
		}
		return []string{s}
	case "user":
		u, ok := d.User(value)
		if !ok {
			return []string{value + " is not in the directory"}
		}
		s := fmt.Sprintf("%s (%s, %s) loses access to every service", u.Name, u.Role,
			orDash(u.Department))
		if u.VIP {
			s += "; a VIP: expect a call from their office"
		}
		if u.BreakGlass {
			s += "; the break-glass account: emergency access is lost"
		}
		return []string{s}
	case "ip":
		if d.IsInternalIP(value) {
			return []string{value + " is inside the organisation's ranges: internal " +
				"traffic to it stops"}
		}
		return []string{"traffic between the organisation and " + value + " stops"}
	case "domain":
		return []string{"every host and user loses " + value + " and its subdomains"}
	case "email":
		s := "every delivered copy the call selects from " + value +
			" leaves its recipients' mailboxes"
		if u, ok := d.User(value); ok {
			s += fmt.Sprintf("; %s is the address of %s (%s), whose own messages are pulled",
				value, u.Name, u.Role)
		}
		return []string{s}
	case "message":
		return []string{"the delivered copies of " + value + " leave their mailboxes"}
	case "recipient":
		if u, ok := d.User(value); ok {
			return []string{fmt.Sprintf("%s (%s) receives the message", u.Name, u.Role)}
		}
		return []string{value + " receives the message, with whatever case data it holds"}
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
