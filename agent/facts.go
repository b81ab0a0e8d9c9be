package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/conductor-sec/conductor/guardrails"
	"github.com/conductor-sec/conductor/internal/finding"
	"github.com/conductor-sec/conductor/internal/store"
	"github.com/conductor-sec/conductor/tools"
)

// countedStatuses are the action statuses that count toward blast-radius
// limits: what ran, or is running.
var countedStatuses = []string{ActionExecuted, ActionRunning}

// request gathers, from trusted sources only, the facts the policy needs about
// one action. Nothing here comes from the planner except the call itself.
func (e *Engine) request(ctx context.Context, c *store.Case, v *CaseView, a *store.Action,
	spec tools.Spec, role string) (guardrails.Request, error) {
	args := map[string]any{}
	if err := json.Unmarshal(a.Args, &args); err != nil {
		return guardrails.Request{}, fmt.Errorf("decoding arguments of %s: %w", a.ID, err)
	}
	now := e.now().UTC()
	req := guardrails.Request{
		ID: a.ID, Tool: a.Tool, Args: args, Risk: string(spec.Risk),
		Reversible: spec.Reversible, Lifts: spec.Lifts, Actor: a.Actor, ActorRole: role,
		Case: guardrails.CaseFacts{
			ID: c.ID, Score: c.Score, Confidence: c.Confidence, Verdict: c.Verdict,
			SuspectedInjection: hasFlag(c, FlagSuspectedInjection),
		},
		Provenance: map[string]string{},
		Time:       now,
	}

	for arg, kind := range spec.Targets {
		for _, val := range stringValues(args[arg]) {
			req.Targets = append(req.Targets, e.target(arg, kind, val))
			req.Provenance[arg] = worst(req.Provenance[arg], provenance(a.Actor, val, v))
		}
	}

	since := now.Add(-e.cfg.RecentWindow)
	var err error
	if req.Recent.SameToolCase, err = e.cfg.Store.CountActions(ctx, a.Tool, c.ID, since,
		countedStatuses...); err != nil {
		return guardrails.Request{}, fmt.Errorf("counting recent %s: %w", a.Tool, err)
	}
	if req.Recent.SameToolWindow, err = e.cfg.Store.CountActions(ctx, a.Tool, "", since,
		countedStatuses...); err != nil {
		return guardrails.Request{}, fmt.Errorf("counting recent %s: %w", a.Tool, err)
	}
	req.Recent.WindowSeconds = int(e.cfg.RecentWindow.Seconds())

	// A read runs whatever was approved; nothing else needs the list.
	if spec.Risk != tools.RiskRead {
		if req.Approvals, err = e.cfg.Store.GivenApprovals(ctx, c.ID); err != nil {
			return guardrails.Request{}, err
		}
	}
	return req, nil
}

// actorRole maps an actor to its role when no authenticated principal says
// otherwise. Analysts acting through the CLI are analysts.
func actorRole(actor string) string {
	if strings.HasPrefix(actor, "analyst:") {
		return "analyst"
	}
	return "agent"
}

// target looks up what the organisation knows about one entity.
func (e *Engine) target(arg, kind, value string) guardrails.Target {
	t := guardrails.Target{Arg: arg, Kind: kind, Value: value}
	d := e.cfg.Directory
	switch kind {
	case "host":
		if d != nil {
			if a, ok := d.Asset(value); ok {
				t.Known, t.AssetType, t.Criticality, t.CrownJewel =
					true, a.Type, a.Criticality, a.CrownJewel
			}
		}
	case "user":
		if d != nil {
			if u, ok := d.User(value); ok {
				t.Known, t.Role, t.VIP, t.BreakGlass = true, u.Role, u.VIP, u.BreakGlass
			}
		}
	case "email":
		// An outside sender is known as what it is: an address. A mailbox of
		// the organisation carries its owner's facts.
		t.Known = strings.Count(value, "@") == 1
		if d != nil {
			if u, ok := d.User(value); ok {
				t.Role, t.VIP, t.BreakGlass = u.Role, u.VIP, u.BreakGlass
			}
			t.Internal = d.IsInternalDomain(value[strings.LastIndex(value, "@")+1:])
		}
	case "ip":
		t.Known = true
		t.Internal = internalIP(value) || (d != nil && d.IsInternalIP(value))
		if d != nil {
			if a, ok := d.Asset(value); ok {
				t.AssetType, t.Criticality, t.CrownJewel = a.Type, a.Criticality, a.CrownJewel
			}
		}
	case "domain":
		t.Known = true
		t.Internal = d != nil && d.IsInternalDomain(value)
		t.PublicSuffix = isPublicSuffix(value)
	case "recipient":
		// A person, a group or an address: internal when the directory knows
		// the person, the address is in one of the organisation's domains, or
		// it is a bare group name, which only the organisation's systems resolve.
		t.Known = true
		if d != nil {
			_, person := d.User(value)
			at := strings.LastIndex(value, "@")
			address := strings.Count(value, "@") == 1 && !strings.ContainsAny(value, ", ;<>")
			t.Internal = person || address && d.IsInternalDomain(value[at+1:]) ||
				groupName.MatchString(value)
		}
	default:
		t.Known = true
	}
	// What the organisation lists as known-good, the policy never acts on.
	t.AllowListed = d != nil && d.AllowListed(kind, value)
	return t
}

// groupName is a bare name such as soc-leads, which only the organisation's
// own systems resolve; anything with a dot, an @, a colon or a slash may
// name something outside.
var groupName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// isPublicSuffix reports whether domain is itself a public suffix, ICANN's
// (co.uk) or a private one (github.io), in the Public Suffix List that
// golang.org/x/net carries.
func isPublicSuffix(domain string) bool {
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
	if d == "" || !strings.Contains(d, ".") || isAddress(d) {
		return false // refused by the policy for another reason
	}
	suffix, _ := publicsuffix.PublicSuffix(d)
	return suffix == d
}

// isAddress reports whether s is an IP address or network.
func isAddress(s string) bool {
	if _, err := netip.ParseAddr(s); err == nil {
		return true
	}
	_, err := netip.ParsePrefix(s)
	return err == nil
}

// internalIP reports private, loopback, link-local and unspecified addresses,
// for single addresses and for the base of a CIDR.
func internalIP(s string) bool {
	addr, err := netip.ParseAddr(s)
	if err != nil {
		p, perr := netip.ParsePrefix(s)
		if perr != nil {
			return false
		}
		addr = p.Addr()
	}
	return addr.IsPrivate() || addr.IsLoopback() || addr.IsLinkLocalUnicast() ||
		addr.IsUnspecified() || addr.IsMulticast()
}

func stringValues(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// provenance says where an argument value came from (see the From* values of
// package guardrails). An entity parsed from a structured field, or a link the
// e-mail parser extracted, is a case entity; a value found only in free text
// or a tool's output is untrusted text; anything else the planner made up.
func provenance(actor, value string, v *CaseView) string {
	if strings.HasPrefix(actor, "analyst:") {
		return guardrails.FromAnalyst
	}
	val := strings.ToLower(strings.TrimSpace(value))
	for _, o := range v.Entities {
		if sameEntity(o, val) && (o.Origin == finding.OriginField || o.Role == "link") {
			return guardrails.FromCaseEntity
		}
	}
	if inUntrustedText(val, v) {
		return guardrails.FromUntrustedText
	}
	return guardrails.FromPlanner
}

// sameEntity compares case-insensitively, and lets a short host name match its
// fully qualified form.
func sameEntity(o finding.Observable, val string) bool {
	ov := strings.ToLower(o.Value)
	if ov == val {
		return true
	}
	if o.Kind == finding.KindHost {
		return strings.HasPrefix(ov, val+".") || strings.HasPrefix(val, ov+".")
	}
	if o.Kind == finding.KindUser {
		return strings.HasSuffix(ov, `\`+val) || strings.HasPrefix(ov, val+"@")
	}
	return false
}

func inUntrustedText(val string, v *CaseView) bool {
	if val == "" {
		return false
	}
	for _, o := range v.Entities {
		if sameEntity(o, val) {
			return true
		}
	}
	for _, f := range v.Findings {
		text := f.Title + "\n" + f.Description
		if f.Email != nil {
			text += "\n" + f.Email.Subject + "\n" + f.Email.BodyText
		}
		if strings.Contains(strings.ToLower(text), val) {
			return true
		}
	}
	for _, s := range v.Steps {
		if strings.Contains(strings.ToLower(string(s.Output)), val) {
			return true
		}
	}
	return false
}

// worst keeps the least trusted of two provenance values.
func worst(a, b string) string {
	rank := map[string]int{
		"": 0, guardrails.FromAnalyst: 1, guardrails.FromCaseEntity: 2,
		guardrails.FromUntrustedText: 3, guardrails.FromPlanner: 4,
	}
	if rank[b] > rank[a] {
		return b
	}
	return a
}
