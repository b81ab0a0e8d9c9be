package guardrails

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/conductor-sec/conductor/policies"
)

type decideCase struct {
	name    string
	req     Request
	outcome Outcome
	// reasons, when set, must equal the decision's reasons; contains must
	// each be among them.
	reasons  []string
	contains []string
	role     string
}

func decideCases() []decideCase {
	isolateAll := containment("edr.isolate_host", Target{Arg: "host", Kind: "host", Value: "*"})
	isolateAll.Actor = "agent:llm"
	isolateAll.Provenance["host"] = FromUntrustedText
	isolateAll.Case.SuspectedInjection = true

	disableRule := containment("firewall.disable_rule",
		Target{Arg: "rule_id", Kind: "host", Value: "FW-1", AssetType: "firewall"})
	disableRule.Actor = "agent:llm"
	disableRule.Provenance["rule_id"] = FromUntrustedText
	disableRule.Case.SuspectedInjection = true

	dcConfident := containment("edr.isolate_host", domainController)
	dcConfident.Case.Confidence = 1

	breakGlass := Target{Arg: "user", Kind: "user", Value: "bg-admin", Known: true,
		Role: "admin", BreakGlass: true}
	disableBG := containment("idp.disable_user", breakGlass)
	disableBGHuman := containment("idp.disable_user", breakGlass)
	disableBGHuman.Actor, disableBGHuman.ActorRole = "analyst:alice", "analyst"

	mcp := containment("edr.isolate_host", workstation)
	mcp.Actor = "mcp:ide"

	reset := containment("idp.reset_credentials",
		Target{Arg: "user", Kind: "user", Value: "jdoe", Known: true, Role: "employee"})
	reset.Risk, reset.Reversible = "destructive", false

	ip := func(v string) Request {
		return containment("firewall.block_ip", Target{Arg: "ip", Kind: "ip", Value: v})
	}

	allowListed := containment("dns.block_domain", Target{Arg: "domain", Kind: "domain",
		Value: "github.com", Known: true, AllowListed: true})
	allowListedHost := workstation
	allowListedHost.AllowListed = true

	return []decideCase{
		{name: "read_only_allowed", req: lookup(), outcome: Allow,
			reasons: []string{"read-only tool"}},
		{name: "write_allowed", req: ticket(), outcome: Allow},
		{name: "routine_isolation_allowed",
			req: containment("edr.isolate_host", workstation), outcome: Allow,
			reasons: []string{"reversible containment at confidence 0.9 (threshold 0.7)"}},
		{name: "T1_isolate_all_from_injected_text",
			req: isolateAll, outcome: Deny,
			contains: []string{`target host "*" is a wildcard, not one entity`}},
		{name: "T1_disable_firewall_rule_from_injected_text",
			req: disableRule, outcome: NeedsApproval, role: "lead",
			contains: []string{
				"argument rule_id comes from untrusted_text",
				"case is flagged as a suspected prompt injection",
			}},
		{name: "T3_block_whole_internet",
			req: ip("0.0.0.0/0"), outcome: Deny,
			reasons: []string{
				`argument ip "0.0.0.0/0" is a wildcard, not one entity`,
				`target ip "0.0.0.0/0" is a wildcard, not one entity`,
			}},
		{name: "T3_block_private_network",
			req: ip("10.2.3.0/24"), outcome: Deny,
			reasons: []string{"10.2.3.0/24 overlaps private (RFC 1918) range 10.0.0.0/8"}},
		{name: "T3_block_broad_network",
			req: ip("45.0.0.0/16"), outcome: Deny,
			reasons: []string{`"45.0.0.0/16" is broader than a /24 network`}},
		{name: "T3_block_ipv4_mapped_broad_network",
			req: ip("::ffff:32.0.0.0/99"), outcome: Deny,
			reasons: []string{`"::ffff:32.0.0.0/99" is an IPv4 network written as IPv6 ` +
				`(IPv4-mapped, ::ffff:0:0/96) and is broader than the IPv4 limit of a /24 ` +
				`(/120 as IPv6)`}},
		{name: "T3_block_all_ipv4_as_nat64",
			req: ip("64:ff9b::/96"), outcome: Deny,
			reasons: []string{`"64:ff9b::/96" is an IPv4 network written as IPv6 ` +
				`(NAT64, 64:ff9b::/96) and is broader than the IPv4 limit of a /24 ` +
				`(/120 as IPv6)`}},
		{name: "T3_block_private_address_as_nat64",
			req: ip("64:ff9b::a00:1"), outcome: Deny,
			reasons: []string{"64:ff9b::a00:1/128 overlaps private (RFC 1918) range " +
				"10.0.0.0/8, written as NAT64 64:ff9b::10.0.0.0/104"}},
		{name: "T3_block_private_address_as_ipv4_mapped",
			req: ip("::ffff:a00:1"), outcome: Deny,
			reasons: []string{"::ffff:a00:1/128 overlaps private (RFC 1918) range 10.0.0.0/8"}},
		{name: "block_outside_address_as_ipv4_mapped",
			req: ip("::ffff:203.0.113.7"), outcome: Allow},
		{name: "allow_listed_domain_block_denied", req: allowListed, outcome: Deny,
			reasons: []string{`domain "github.com" is on the organisation's allow-list: ` +
				`policies do not act on it`}},
		{name: "allow_listed_host_isolation_denied",
			req: containment("edr.isolate_host", allowListedHost), outcome: Deny,
			reasons: []string{`host "ws-042" is on the organisation's allow-list: ` +
				`policies do not act on it`}},
		{name: "T5_domain_controller_whatever_the_confidence",
			req: dcConfident, outcome: NeedsApproval, role: "lead",
			reasons: []string{
				`host "dc01" has critical criticality`,
				`host "dc01" is a crown jewel`,
				`host "dc01" is a domain controller`,
			}},
		{name: "T5_break_glass_by_agent", req: disableBG, outcome: Deny,
			reasons: []string{
				`account "bg-admin" is a break-glass account: agents never touch it`,
			}},
		{name: "T5_break_glass_by_analyst", req: disableBGHuman, outcome: NeedsApproval,
			role:     "lead",
			contains: []string{`account "bg-admin" is a break-glass account`}},
		{name: "mcp_containment_held", req: mcp, outcome: NeedsApproval, role: "analyst",
			reasons: []string{"MCP client mcp:ide: containment always needs approval"}},
		{name: "irreversible_destructive_by_agent", req: reset, outcome: Deny,
			reasons: []string{
				"irreversible destructive action by agent:playbook: agents never run one",
			}},
	}
}

func TestDecide(t *testing.T) {
	g := newTestGuard(t, Config{})
	for _, tc := range decideCases() {
		t.Run(tc.name, func(t *testing.T) {
			d := g.Decide(context.Background(), tc.req)
			if d.Outcome != tc.outcome {
				t.Fatalf("Decide(%s).Outcome = %s, want %s (reasons %q)",
					tc.name, d.Outcome, tc.outcome, d.Reasons)
			}
			if tc.reasons != nil {
				if diff := cmp.Diff(tc.reasons, d.Reasons); diff != "" {
					t.Errorf("Decide(%s).Reasons (-want +got):\n%s", tc.name, diff)
				}
			}
			for _, r := range tc.contains {
				if !containsString(d.Reasons, r) {
					t.Errorf("Decide(%s).Reasons = %q, want one to be %q", tc.name, d.Reasons, r)
				}
			}
			if d.ApproverRole != tc.role {
				t.Errorf("Decide(%s).ApproverRole = %q, want %q", tc.name, d.ApproverRole, tc.role)
			}
		})
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// T4: of 40 isolations proposed on one case, the first 3 run on their own.
func TestDecideBlastRadius(t *testing.T) {
	g := newTestGuard(t, Config{})
	var allowed, held int
	for n := range 40 {
		req := containment("edr.isolate_host", workstation)
		req.Args["host"] = fmt.Sprintf("ws-%03d", n)
		req.Targets[0].Value = req.Args["host"].(string)
		req.Recent.SameToolCase, req.Recent.SameToolWindow = n, n
		switch o := g.Decide(context.Background(), req).Outcome; o {
		case Allow:
			allowed++
		case NeedsApproval:
			held++
		default:
			t.Fatalf("isolation %d: outcome %s, want allow or needs_approval", n, o)
		}
	}
	if allowed != 3 || held != 37 {
		t.Errorf("40 isolations: %d allowed, %d held; want 3 and 37", allowed, held)
	}
}

func TestDecideFields(t *testing.T) {
	g := newTestGuard(t, Config{})
	req := containment("edr.isolate_host", domainController)
	d := g.Decide(context.Background(), req)

	raw, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	want := Decision{
		ID:            d.ID,
		Outcome:       NeedsApproval,
		Reasons:       d.Reasons,
		ApproverRole:  "lead",
		ExpiresAt:     testNow.Add(time.Hour),
		PolicyVersion: g.Version(),
		InputDigest:   hex.EncodeToString(sum[:]),
		Time:          testNow,
	}
	if diff := cmp.Diff(want, d, cmp.AllowUnexported(Permit{})); diff != "" {
		t.Errorf("Decide(dc01) (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(d.ID, "DEC-") || len(d.ID) != 30 {
		t.Errorf("Decide(dc01).ID = %q, want DEC- and 26 random characters", d.ID)
	}
	if len(g.Version()) != 16 {
		t.Errorf("Version() = %q, want 16 hex digits", g.Version())
	}
	if other := g.Decide(context.Background(), req); other.ID == d.ID {
		t.Errorf("two decisions share ID %s", d.ID)
	}
}

func TestDecidePermit(t *testing.T) {
	g := newTestGuard(t, Config{})
	req := containment("edr.isolate_host", workstation)
	d := g.Decide(context.Background(), req)
	if d.Outcome != Allow {
		t.Fatalf("Decide(ws-042).Outcome = %s, want allow", d.Outcome)
	}

	tests := []struct {
		name, tool, caseID string
		args               string
		ok                 bool
	}{
		{"same_call", "edr.isolate_host", "CASE-1", `{"host":"ws-042"}`, true},
		{"same_call_other_spacing", "edr.isolate_host", "CASE-1", `{ "host" : "ws-042" }`, true},
		{"other_host", "edr.isolate_host", "CASE-1", `{"host":"ws-043"}`, false},
		{"extra_argument", "edr.isolate_host", "CASE-1", `{"host":"ws-042","all":true}`, false},
		{"other_tool", "edr.release_host", "CASE-1", `{"host":"ws-042"}`, false},
		{"other_case", "edr.isolate_host", "CASE-2", `{"host":"ws-042"}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := d.Permit.Authorizes(tc.tool, json.RawMessage(tc.args), tc.caseID)
			if tc.ok && err != nil {
				t.Errorf("Authorizes(%s, %s, %s) = %v, want nil", tc.tool, tc.args, tc.caseID, err)
			}
			if !tc.ok && !errors.Is(err, ErrNoPermit) {
				t.Errorf("Authorizes(%s, %s, %s) = %v, want ErrNoPermit",
					tc.tool, tc.args, tc.caseID, err)
			}
		})
	}
	if d.Permit.DecisionID() != d.ID {
		t.Errorf("Permit.DecisionID() = %q, want %q", d.Permit.DecisionID(), d.ID)
	}

	held := g.Decide(context.Background(), containment("edr.isolate_host", domainController))
	if err := held.Permit.Authorizes("edr.isolate_host", json.RawMessage(`{"host":"dc01"}`),
		"CASE-1"); !errors.Is(err, ErrNoPermit) {
		t.Errorf("held decision's permit Authorizes = %v, want ErrNoPermit", err)
	}
}

func TestDecideConcurrent(t *testing.T) {
	g := newTestGuard(t, Config{})
	cases := decideCases()
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for w := range 8 {
		wg.Go(func() {
			for i := range 50 {
				tc := cases[(w+i)%len(cases)]
				if got := g.Decide(context.Background(), tc.req).Outcome; got != tc.outcome {
					errs <- fmt.Sprintf("%s: outcome %s, want %s", tc.name, got, tc.outcome)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestNewReadOnly(t *testing.T) {
	g, err := NewReadOnly(context.Background(), Config{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()

	read := g.Decide(context.Background(), lookup())
	if read.Outcome != Allow || read.PolicyVersion != NoPolicyVersion {
		t.Errorf("Decide(lookup) = %s with version %q, want allow with %q",
			read.Outcome, read.PolicyVersion, NoPolicyVersion)
	}
	if err := read.Permit.Authorizes("intel.lookup", json.RawMessage(`{"value":"203.0.113.7"}`),
		"CASE-1"); err != nil {
		t.Errorf("read-only permit Authorizes = %v, want nil", err)
	}

	for _, req := range []Request{ticket(), containment("edr.isolate_host", workstation)} {
		d := g.Decide(context.Background(), req)
		want := []string{"policy_error: no valid policy: only read-only tools run"}
		if d.Outcome != Deny || !cmp.Equal(d.Reasons, want) {
			t.Errorf("Decide(%s) = %s %q, want deny %q", req.Tool, d.Outcome, d.Reasons, want)
		}
	}

	s := g.Status()
	if !s.Degraded || s.Version != NoPolicyVersion {
		t.Errorf("Status() = %+v, want degraded with version %q", s, NoPolicyVersion)
	}

	// Reload takes the embedded policy and the guard is whole again.
	if err := g.Reload(context.Background()); err != nil {
		t.Fatalf("Reload() = %v", err)
	}
	if s := g.Status(); s.Degraded || s.LastError != "" || s.Version == NoPolicyVersion {
		t.Errorf("Status() after Reload = %+v, want a healthy policy", s)
	}
	if d := g.Decide(context.Background(), ticket()); d.Outcome != Allow {
		t.Errorf("Decide(ticket) after Reload = %s, want allow", d.Outcome)
	}
}

func TestNewRefusesBadPolicy(t *testing.T) {
	tests := []struct {
		name string
		dir  string
		want string
	}{
		{"missing_folder", "testdata/no-such-folder", "no such file or directory"},
		{"undefined_decision", "testdata/undefined", "decision is undefined"},
		{"no_tests", "testdata/malformed", "policy has no tests"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, err := New(context.Background(), Config{Dir: tc.dir})
			if !errors.Is(err, ErrNoPolicy) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New(%s) = %v, want ErrNoPolicy mentioning %q", tc.dir, err, tc.want)
			}
			if g != nil {
				t.Errorf("New(%s) returned a guard with its error", tc.dir)
			}
			if Code(err) != "no_policy" {
				t.Errorf("Code(New(%s)) = %q, want no_policy", tc.dir, Code(err))
			}
		})
	}
}

func TestNewConfig(t *testing.T) {
	if _, err := New(context.Background(), Config{Timeout: -time.Second}); err == nil {
		t.Error("New(Timeout -1s) = nil error, want one")
	}

	g, err := New(context.Background(), Config{Dir: copyPolicies(t, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if g.cfg.Timeout != 50*time.Millisecond {
		t.Errorf("default Timeout = %s, want 50ms", g.cfg.Timeout)
	}
	embedded := newTestGuard(t, Config{})
	if g.Version() != embedded.Version() {
		t.Errorf("Version of a copy = %s, of the embedded policy = %s; want equal",
			g.Version(), embedded.Version())
	}
}

// A data file that lacks a setting, or mistypes one, is refused at load with
// the setting named: a missing protected list would protect nothing.
func TestNewRefusesIncompleteData(t *testing.T) {
	raw, err := fs.ReadFile(policies.FS, "data.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]map[string]map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	cfg := doc["conductor"]["config"]
	delete(cfg, "protected_networks")
	cfg["blast_radius"] = map[string]any{"per_case": "3", "global": 10}
	broken, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}

	_, err = New(context.Background(), Config{Dir: copyPolicies(t,
		map[string]string{"data.json": string(broken)})})
	for _, want := range []string{
		"policy data refused",
		"policy data lacks conductor.config.protected_networks",
		"conductor.config.blast_radius.per_case must be a number",
	} {
		if !errors.Is(err, ErrNoPolicy) || !strings.Contains(err.Error(), want) {
			t.Errorf("New(incomplete data) = %v, want ErrNoPolicy mentioning %q", err, want)
		}
	}
}

// A kill switch set to anything but false - a typo such as "true", 1 or "on"
// included - is accepted and holds every change; refusing it would keep the
// last good policy, with the switch off, in force. Only a missing one is
// refused.
func TestNewKillSwitchTypoEngages(t *testing.T) {
	raw, err := fs.ReadFile(policies.FS, "data.json")
	if err != nil {
		t.Fatal(err)
	}
	const off = `"kill_switch": false`
	if !strings.Contains(string(raw), off) {
		t.Fatalf("data.json lacks %s", off)
	}
	for _, v := range []string{`true`, `"true"`, `1`, `"on"`, `null`} {
		t.Run(v, func(t *testing.T) {
			data := strings.Replace(string(raw), off, `"kill_switch": `+v, 1)
			g := newTestGuard(t, Config{Dir: copyPolicies(t, map[string]string{"data.json": data})})
			for _, req := range []Request{ticket(), containment("edr.isolate_host", workstation)} {
				d := g.Decide(context.Background(), req)
				if d.Outcome != NeedsApproval ||
					!containsString(d.Reasons, "kill switch is on: every change waits for a human") {
					t.Errorf("kill_switch %s: Decide(%s) = %s %q, want held by the kill switch",
						v, req.Tool, d.Outcome, d.Reasons)
				}
			}
			if d := g.Decide(context.Background(), lookup()); d.Outcome != Allow {
				t.Errorf("kill_switch %s: Decide(lookup) = %s, want allow", v, d.Outcome)
			}
		})
	}

	t.Run("missing", func(t *testing.T) {
		data := strings.Replace(string(raw), off+",", "", 1)
		_, err := New(context.Background(), Config{Dir: copyPolicies(t,
			map[string]string{"data.json": data})})
		want := "policy data lacks conductor.config.kill_switch"
		if !errors.Is(err, ErrNoPolicy) || !strings.Contains(err.Error(), want) {
			t.Errorf("New(no kill_switch) = %v, want ErrNoPolicy mentioning %q", err, want)
		}
	})
}
