package app

import (
	"context"
	"time"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/internal/intel"
	"github.com/conductor-sec/conductor/internal/telemetry"
	"github.com/conductor-sec/conductor/tools/lab"
)

// directory presents the lab's inventory and user directory to the engine.
type directory struct{ l *lab.Lab }

var _ agent.Directory = directory{}

func (d directory) Asset(name string) (agent.AssetFacts, bool) {
	a, ok := d.l.Asset(name)
	if !ok {
		return agent.AssetFacts{}, false
	}
	return agent.AssetFacts{
		Name: a.Name, Type: a.Type, Owner: a.Owner, Criticality: a.Criticality,
		CrownJewel: a.CrownJewel, IP: a.IP,
	}, true
}

func (d directory) User(name string) (agent.UserFacts, bool) {
	u, ok := d.l.User(name)
	if !ok {
		return agent.UserFacts{}, false
	}
	return agent.UserFacts{
		Name: u.Name, Email: u.Email, Role: u.Role, Department: u.Department,
		VIP: u.VIP, BreakGlass: u.BreakGlass,
	}, true
}

func (d directory) IsInternalIP(ip string) bool         { return d.l.IsInternalIP(ip) }
func (d directory) IsInternalDomain(domain string) bool { return d.l.IsInternalDomain(domain) }
func (d directory) AllowListed(kind, value string) bool { return d.l.AllowListed(kind, value) }

func (d directory) KnownBenign(hosts, users, techniques []string, at time.Time) []string {
	return d.l.KnownBenign(hosts, users, techniques, at)
}

// IntelSets looks a value up in several indicator sets.
type IntelSets []*intel.Set

// Lookup returns the matches of every set.
func (s IntelSets) Lookup(kind, value string) []intel.Match {
	var out []intel.Match
	for _, set := range s {
		out = append(out, set.Lookup(kind, value)...)
	}
	return out
}

// engineIntel presents indicator matches to the engine's enrichment.
type engineIntel struct{ s IntelSets }

func (i engineIntel) Lookup(kind, value string) []agent.IntelHit {
	var out []agent.IntelHit
	for _, m := range i.s.Lookup(kind, value) {
		out = append(out, agent.IntelHit{
			Kind: m.Kind, Value: m.Matched, Source: m.Source, Threat: m.Threat,
			Confidence: m.Confidence, Tags: m.Tags,
		})
	}
	return out
}

// labIntel presents indicator matches to the lab's intel.lookup tool.
type labIntel struct{ s IntelSets }

func (i labIntel) Lookup(kind, value string) []lab.IntelMatch {
	var out []lab.IntelMatch
	for _, m := range i.s.Lookup(kind, value) {
		out = append(out, lab.IntelMatch{
			Source: m.Source, Threat: m.Threat, Confidence: m.Confidence, Tags: m.Tags,
		})
	}
	return out
}

// labSearch presents telemetry search to the lab's siem.search tool.
type labSearch struct{ t *telemetry.Store }

func (s labSearch) Search(ctx context.Context, q string, limit int, since,
	until time.Time) (lab.SearchResult, error) {
	total, events, err := s.t.SearchString(ctx, q, limit, since, until)
	if err != nil {
		return lab.SearchResult{}, err
	}
	return lab.SearchResult{Total: total, Events: events}, nil
}
