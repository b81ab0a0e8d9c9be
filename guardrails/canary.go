package guardrails

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// canaryTimeout bounds one canary decision; loading is not on the hot path.
const canaryTimeout = 2 * time.Second

// canary is an input with a known right answer. A policy whose tests pass yet
// whose decision rule is trivially permissive - an empty or always-true body -
// answers one of these wrongly and is refused (T7).
type canary struct {
	name string
	req  Request
	// not and want: the outcome must differ from not, or equal want.
	not, want Outcome
}

func (c canary) ok(o Outcome) bool {
	if c.want != "" {
		return o == c.want
	}
	return o != c.not
}

func canaryRequest(tool, risk string, target Target, patch func(*Request)) Request {
	r := Request{
		ID:         "CANARY-" + tool,
		Tool:       tool,
		Args:       map[string]any{target.Arg: target.Value},
		Risk:       risk,
		Reversible: true,
		Actor:      "agent:playbook",
		Case:       CaseFacts{ID: "CANARY", Score: 95, Confidence: 0.99},
		Targets:    []Target{target},
		Provenance: map[string]string{target.Arg: FromCaseEntity},
		Recent:     Recent{WindowSeconds: 3600},
		Time:       time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	if patch != nil {
		patch(&r)
	}
	return r
}

var canaries = func() []canary {
	workstation := Target{Arg: "host", Kind: "host", Value: "ws-001", Known: true,
		AssetType: "workstation", Criticality: "low"}
	dc := Target{Arg: "host", Kind: "host", Value: "dc01", Known: true,
		AssetType: "domain_controller", Criticality: "critical", CrownJewel: true}
	everything := Target{Arg: "ip", Kind: "ip", Value: "0.0.0.0/0"}
	breakGlass := Target{Arg: "user", Kind: "user", Value: "bg-admin", Known: true,
		Role: "admin", BreakGlass: true}
	employee := Target{Arg: "user", Kind: "user", Value: "jdoe", Known: true, Role: "employee"}
	// All of IPv4, written as NAT64 (64:ff9b::/96): narrow as IPv6, yet every
	// address there is.
	everythingAsIPv6 := Target{Arg: "ip", Kind: "ip", Value: "64:ff9b::/96"}
	allowListed := workstation
	allowListed.AllowListed = true

	return []canary{
		{name: "read-only lookup runs", want: Allow,
			req: canaryRequest("intel.lookup", "read_only", workstation, nil)},
		{name: "domain controller isolation is held", not: Allow,
			req: canaryRequest("edr.isolate_host", "containment", dc, nil)},
		{name: "whole-internet block is denied", want: Deny,
			req: canaryRequest("firewall.block_ip", "containment", everything, nil)},
		{name: "all of IPv4 written as IPv6 is denied", want: Deny,
			req: canaryRequest("firewall.block_ip", "containment", everythingAsIPv6, nil)},
		{name: "allow-listed target is not contained", not: Allow,
			req: canaryRequest("edr.isolate_host", "containment", allowListed, nil)},
		{name: "irreversible destructive by an agent is denied", want: Deny,
			req: canaryRequest("idp.reset_credentials", "destructive", employee,
				func(r *Request) { r.Reversible = false })},
		{name: "break-glass disable by an agent is denied", want: Deny,
			req: canaryRequest("idp.disable_user", "containment", breakGlass, nil)},
		{name: "unknown risk class is denied", want: Deny,
			req: canaryRequest("edr.isolate_host", "unheard_of", workstation, nil)},
		{name: "untrusted argument is not allowed", not: Allow,
			req: canaryRequest("edr.isolate_host", "containment", workstation,
				func(r *Request) { r.Provenance["host"] = FromUntrustedText })},
		{name: "blast radius is enforced", not: Allow,
			req: canaryRequest("edr.isolate_host", "containment", workstation,
				func(r *Request) { r.Recent.SameToolCase = 39 })},
		{name: "MCP containment is held", not: Allow,
			req: canaryRequest("edr.isolate_host", "containment", workstation,
				func(r *Request) { r.Actor = "mcp:client" })},
	}
}()

// checkCanaries runs every canary against p and reports every wrong answer.
func checkCanaries(ctx context.Context, p *policy) error {
	var errs []error
	for _, c := range canaries {
		if err := runCanary(ctx, p, c); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("policy fails the canaries: %w", errors.Join(errs...))
	}
	return nil
}

func runCanary(ctx context.Context, p *policy, c canary) error {
	input, ok := requestValue(c.req)
	if !ok {
		return fmt.Errorf("canary %q: request has no policy input", c.name)
	}

	v, err := p.eval(ctx, input, canaryTimeout)
	if err != nil {
		return fmt.Errorf("canary %q: %w", c.name, err)
	}
	if !c.ok(v.outcome) {
		return fmt.Errorf("canary %q: policy decided %s", c.name, v.outcome)
	}
	return nil
}
