package agent

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/conductor-sec/conductor/internal/finding"
	"github.com/conductor-sec/conductor/internal/injection"
	"github.com/conductor-sec/conductor/internal/netaddr"
	"github.com/conductor-sec/conductor/internal/score"
	"github.com/conductor-sec/conductor/internal/store"
)

// Case flags the engine sets.
const (
	FlagSuspectedInjection = "suspected_injection"
	FlagPlannerFallback    = "planner_fallback"
	FlagBudgetExhausted    = "budget_exhausted"
	FlagPolicyError        = "policy_error"
	FlagTruncatedInput     = "truncated_input"
	// FlagKnownBenign: every finding of the case matches activity the
	// organisation has explained (see [Directory.KnownBenign]).
	FlagKnownBenign = "known_benign"
)

// SignalInternalImpersonation is the e-mail signal the engine adds when a
// message's display name is an employee's but its address is outside.
const SignalInternalImpersonation = "internal_impersonation"

// intelKinds are the entity kinds worth an intelligence lookup.
var intelKinds = map[finding.Kind]bool{
	finding.KindIP: true, finding.KindDomain: true, finding.KindURL: true,
	finding.KindHash: true, finding.KindEmail: true,
}

// enrich gathers context for a case, scores it and fills the case's derived
// fields. It returns the view a planner sees, without steps. Similar closed
// cases are recalled only when recall is set: they are hints for a planner,
// count toward no score, and may cost an embedding call.
func (e *Engine) enrich(ctx context.Context, c *store.Case, fs []finding.Finding,
	recall bool) (*CaseView, error) {
	v := &CaseView{Findings: fs, Entities: mergeEntities(fs), Tools: e.cfg.Tools.Specs()}
	v.Enrichment = Enrichment{Assets: map[string]AssetFacts{}, Users: map[string]UserFacts{}}
	e.resolveHosts(v)
	e.lookupIntel(v)
	e.lookupDirectory(v)
	e.markImpersonation(v)

	keys := make([]string, 0, len(v.Entities))
	for _, o := range v.Entities {
		keys = append(keys, string(o.Kind)+":"+strings.ToLower(o.Value))
	}
	related, err := e.cfg.Store.RelatedCases(ctx, c.ID, keys, 5)
	if err != nil {
		return nil, fmt.Errorf("finding related cases: %w", err)
	}
	for _, r := range related {
		v.Enrichment.Related = append(v.Enrichment.Related, RelatedCase{
			ID: r.CaseID, Title: r.Title, Verdict: r.Verdict, Shared: r.Shared,
		})
	}
	if recall {
		e.recallSimilar(ctx, c, fs, v)
	}

	applyFindings(c, fs)
	if suspectedInjection(fs) {
		addFlag(c, FlagSuspectedInjection)
	}
	in := e.scoreInput(v)
	if len(in.KnownBenign) > 0 {
		addFlag(c, FlagKnownBenign)
	} else {
		removeFlag(c, FlagKnownBenign)
	}
	res := score.Score(in)
	c.Score, c.Confidence, c.Severity = res.Score, res.Confidence, res.Band
	for _, f := range res.Factors {
		v.Enrichment.Factors = append(v.Enrichment.Factors, ScoreFactor{
			Name: f.Name, Weight: f.Weight, Points: f.Points, Detail: f.Detail,
		})
	}
	c.ScoreFactors = mustJSON(v.Enrichment.Factors)
	v.Case = caseInfo(c)
	return v, nil
}

// mergeEntities returns the distinct observables of all findings, a structured
// origin winning over a textual one for the same kind and value.
func mergeEntities(fs []finding.Finding) []finding.Observable {
	idx := map[string]int{}
	var out []finding.Observable
	for _, f := range fs {
		for _, o := range f.Observables {
			k := o.Key() + "\x00" + o.Role
			if i, ok := idx[k]; ok {
				if o.Origin == finding.OriginField {
					out[i].Origin = finding.OriginField
				}
				continue
			}
			idx[k] = len(out)
			out = append(out, o)
		}
	}
	return out
}

// resolveHosts names the host behind each internal source address the
// inventory knows, so a network alert about 10.10.1.42 becomes a case about
// WS-0142. Only sources: a destination inside is usually a server the host
// talked to (the DNS resolver, a file share), not the compromised machine.
func (e *Engine) resolveHosts(v *CaseView) {
	d := e.cfg.Directory
	if d == nil {
		return
	}
	var add []finding.Observable
	for _, o := range v.Entities {
		if o.Kind != finding.KindIP || o.Role != "src" || !d.IsInternalIP(o.Value) {
			continue
		}
		if a, ok := d.Asset(o.Value); ok {
			add = append(add, finding.Observable{
				Kind: finding.KindHost, Value: a.Name, Role: "src", Origin: o.Origin,
			})
		}
	}
	v.Entities = mergeEntities([]finding.Finding{{Observables: append(v.Entities, add...)}})
}

func (e *Engine) lookupIntel(v *CaseView) {
	if e.cfg.Intel == nil {
		return
	}
	seen := map[string]bool{}
	for _, o := range v.Entities {
		if !intelKinds[o.Kind] || seen[o.Key()] {
			continue
		}
		// Private, loopback and reserved addresses are the organisation's own
		// (or nobody's): a feed entry covering them is noise, and an attacker
		// who writes 10.0.0.0 in an alert must not buy score with it.
		if o.Kind == finding.KindIP && !netaddr.RoutableString(o.Value) {
			continue
		}
		seen[o.Key()] = true
		v.Enrichment.Intel = append(v.Enrichment.Intel, e.cfg.Intel.Lookup(string(o.Kind), o.Value)...)
	}
}

func (e *Engine) lookupDirectory(v *CaseView) {
	d := e.cfg.Directory
	if d == nil {
		return
	}
	for _, o := range v.Entities {
		switch o.Kind {
		case finding.KindHost, finding.KindIP:
			if a, ok := d.Asset(o.Value); ok {
				v.Enrichment.Assets[a.Name] = a
			}
		case finding.KindUser, finding.KindEmail:
			if u, ok := d.User(o.Value); ok {
				v.Enrichment.Users[u.Name] = u
			}
		}
	}
}

// applyFindings refreshes the case fields that come straight from findings.
func applyFindings(c *store.Case, fs []finding.Finding) {
	techs := map[string]bool{}
	srcs := map[string]bool{}
	for _, f := range fs {
		for _, t := range f.Techniques {
			techs[t] = true
		}
		srcs[f.Source] = true
		if f.Truncated {
			addFlag(c, FlagTruncatedInput)
		}
	}
	c.Techniques = sortedKeys(techs)
	c.Sources = sortedKeys(srcs)
	c.FindingCount = len(fs)
}

// suspectedInjection scans the untrusted text of findings for instructions
// aimed at the agent (threat T1). The text stays data either way; the flag
// tightens the policy and tells the analyst.
func suspectedInjection(fs []finding.Finding) bool {
	for _, f := range fs {
		for _, t := range f.UntrustedTexts() {
			if injection.Suspicious(t) {
				return true
			}
		}
	}
	return false
}

// knownBenign returns the reasons the case's activity is expected, but only
// when every finding of the case is explained: one unexplained finding keeps
// the whole case under suspicion.
func (e *Engine) knownBenign(v *CaseView) []string {
	d := e.cfg.Directory
	if d == nil || len(v.Findings) == 0 {
		return nil
	}
	var out []string
	for i := range v.Findings {
		f := &v.Findings[i]
		hosts := append(f.Values(finding.KindHost), f.Values(finding.KindIP)...)
		reasons := d.KnownBenign(hosts, f.Values(finding.KindUser), f.Techniques, f.Time)
		reasons = append(reasons, allowListed(d, f)...)
		if len(reasons) == 0 {
			return nil
		}
		for _, r := range reasons {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

// allowListed explains a finding by the allow-list: a low-severity alert about
// traffic to an allow-listed domain, or files whose every hash is known good
// (a test file such as EICAR).
func allowListed(d Directory, f *finding.Finding) []string {
	var out []string
	// A reported e-mail is judged on its content: phishing links to real
	// sites as decoys, so an allow-listed link explains nothing there.
	if f.Severity.Rank() <= finding.SeverityLow.Rank() && f.Email == nil {
		for _, dom := range f.Values(finding.KindDomain) {
			if d.AllowListed("domain", dom) {
				out = append(out, "low-severity traffic to allow-listed "+dom)
				break
			}
		}
	}
	hashes := f.Values(finding.KindHash)
	if len(hashes) > 0 && !slices.ContainsFunc(hashes, func(h string) bool {
		return !d.AllowListed("hash", h)
	}) {
		out = append(out, "every file hash is allow-listed as known good")
	}
	return out
}

func (e *Engine) scoreInput(v *CaseView) score.Input {
	in := score.Input{Findings: v.Findings, KnownBenign: e.knownBenign(v)}
	for _, h := range v.Enrichment.Intel {
		in.IntelHits = append(in.IntelHits, score.Hit{
			Kind: h.Kind, Value: h.Value, Threat: h.Threat, Confidence: h.Confidence,
		})
	}
	for _, a := range sortedAssets(v.Enrichment.Assets) {
		in.Assets = append(in.Assets, score.AssetFact{
			Name: a.Name, Criticality: a.Criticality, CrownJewel: a.CrownJewel,
		})
	}
	for _, u := range sortedUsers(v.Enrichment.Users) {
		in.Users = append(in.Users, score.UserFact{
			Name: u.Name, Role: u.Role, VIP: u.VIP, BreakGlass: u.BreakGlass,
		})
	}
	for _, r := range v.Enrichment.Related {
		// Only shared entities count: a case recalled for similar text alone
		// is a hint, and the text may be an attacker's.
		if r.Verdict == "malicious" && len(r.Shared) > 0 {
			in.RelatedMalicious++
		}
	}
	return in
}

func caseInfo(c *store.Case) CaseInfo {
	return CaseInfo{
		ID: c.ID, Title: c.Title, State: c.State, Score: c.Score, Severity: c.Severity,
		Confidence: c.Confidence, Verdict: c.Verdict, Techniques: c.Techniques,
		Sources: c.Sources, Flags: c.Flags,
	}
}

func addFlag(c *store.Case, flag string) {
	if !slices.Contains(c.Flags, flag) {
		c.Flags = append(c.Flags, flag)
		sort.Strings(c.Flags)
	}
}

func hasFlag(c *store.Case, flag string) bool { return slices.Contains(c.Flags, flag) }

func removeFlag(c *store.Case, flag string) {
	c.Flags = slices.DeleteFunc(c.Flags, func(f string) bool { return f == flag })
}

// markImpersonation flags reported e-mails whose display name is an
// employee's while the address is outside the organisation: the classic
// executive-impersonation lure, which no header check catches. The directory
// is asked for the name written as first.last, the lab's account convention.
// TODO: match display names through the directory itself once it carries them
// for real organisations, where account names follow other conventions.
func (e *Engine) markImpersonation(v *CaseView) {
	d := e.cfg.Directory
	if d == nil {
		return
	}
	for i := range v.Findings {
		m := v.Findings[i].Email
		if m == nil || len(strings.Fields(m.From.Name)) < 2 {
			continue
		}
		at := strings.LastIndex(m.From.Address, "@")
		if at < 0 || d.IsInternalDomain(m.From.Address[at+1:]) {
			continue
		}
		// Services the organisation trusts send on behalf of employees
		// ("Alex Kim" <notifications@github.com>): not an impersonation.
		if d.AllowListed("email", m.From.Address) ||
			d.AllowListed("domain", m.From.Address[at+1:]) {
			continue
		}
		account := strings.ToLower(strings.Join(strings.Fields(m.From.Name), "."))
		if _, ok := d.User(account); ok && !slices.Contains(m.Signals,
			SignalInternalImpersonation) {
			m.Signals = append(slices.Clone(m.Signals), SignalInternalImpersonation)
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedAssets(m map[string]AssetFacts) []AssetFacts {
	out := make([]AssetFacts, 0, len(m))
	for _, a := range m {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func sortedUsers(m map[string]UserFacts) []UserFacts {
	out := make([]UserFacts, 0, len(m))
	for _, u := range m {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
