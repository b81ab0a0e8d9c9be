package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/conductor-sec/conductor/tools"
)

// IntelSource answers threat-intelligence lookups for intel.lookup.
type IntelSource interface {
	// Lookup returns what the source knows about value of kind ip, domain,
	// url, hash or email; nil when nothing.
	Lookup(kind, value string) []IntelMatch
}

// IntelMatch is one threat-intelligence record about a value.
type IntelMatch struct {
	Source string `json:"source"`
	Threat string `json:"threat,omitempty"`
	// Confidence is 0 to 100.
	Confidence int      `json:"confidence"`
	Tags       []string `json:"tags,omitempty"`
}

// Searcher runs telemetry searches for siem.search.
type Searcher interface {
	// Search runs query and returns at most limit events between since and
	// until; a zero time leaves that end open.
	Search(ctx context.Context, q string, limit int, since, until time.Time) (SearchResult, error)
}

// SearchResult is the answer to a telemetry search.
type SearchResult struct {
	// Total counts every matching event, beyond those returned.
	Total  int               `json:"total"`
	Events []json.RawMessage `json:"events"`
}

const intelSchema = `{
  "type": "object",
  "additionalProperties": false,
  "required": ["kind", "value"],
  "properties": {
    "kind": {"enum": ["ip", "domain", "url", "hash", "email"]},
    "value": {"type": "string", "minLength": 1, "maxLength": 2048}
  }
}`

const assetGetSchema = `{
  "type": "object",
  "additionalProperties": false,
  "required": ["host"],
  "properties": {
    "host": {"type": "string", "minLength": 1, "maxLength": 255,
      "description": "Hostname (short or FQDN) or IP address."}
  }
}`

const userGetSchema = `{
  "type": "object",
  "additionalProperties": false,
  "required": ["user"],
  "properties": {
    "user": {"type": "string", "minLength": 1, "maxLength": 320,
      "description": "Account name, e-mail/UPN, or DOMAIN\\name."}
  }
}`

const siemSchema = `{
  "type": "object",
  "additionalProperties": false,
  "required": ["query"],
  "properties": {
    "query": {"type": "string", "minLength": 1, "maxLength": 4096},
    "limit": {"type": "integer", "minimum": 1, "maximum": 1000,
      "description": "Most events to return; default 100."},
    "since": {"type": "string", "format": "date-time"},
    "until": {"type": "string", "format": "date-time"}
  }
}`

// defaultSearchLimit applies when siem.search has no limit.
const defaultSearchLimit = 100

func (l *Lab) lookupTools() []*labTool {
	spec := func(name, desc, schema string, targets map[string]string) tools.Spec {
		return tools.Spec{Name: name, Description: desc, Schema: json.RawMessage(schema),
			Risk: tools.RiskRead, Targets: targets}
	}
	return []*labTool{
		{spec: spec("intel.lookup", "Look a value up in threat intelligence.",
			intelSchema, nil), read: l.intelLookup},
		{spec: spec("asset.get", "Describe a host from the inventory, with its "+
			"isolation state.", assetGetSchema, map[string]string{"host": "host"}),
			read: l.assetGet},
		{spec: spec("user.get", "Describe an account from the directory, with its "+
			"state and the hosts it owns.", userGetSchema, map[string]string{"user": "user"}),
			read: l.userGet},
		{spec: spec("siem.search", "Search the loaded telemetry.", siemSchema, nil),
			read: l.siemSearch},
	}
}

type intelArgs struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

type intelOutput struct {
	Kind        string       `json:"kind"`
	Value       string       `json:"value"`
	Configured  bool         `json:"configured"`
	AllowListed bool         `json:"allow_listed"`
	Matches     []IntelMatch `json:"matches"`
}

func (l *Lab) intelLookup(_ context.Context, call tools.Call) (tools.Result, error) {
	var a intelArgs
	if err := decodeArgs(call.Args, &a); err != nil {
		return tools.Result{}, fmt.Errorf("intel.lookup: %w", err)
	}
	out := intelOutput{Kind: a.Kind, Value: a.Value, Matches: []IntelMatch{},
		AllowListed: l.AllowListed(a.Kind, a.Value)}
	if l.intel == nil {
		return result(out, "no intel configured")
	}

	out.Configured = true
	if m := l.intel.Lookup(a.Kind, a.Value); m != nil {
		out.Matches = m
	}
	return result(out, "%d intel matches for %s %s", len(out.Matches), a.Kind, a.Value)
}

type assetOutput struct {
	Known bool   `json:"known"`
	Query string `json:"query"`
	*Asset
}

func (l *Lab) assetGet(_ context.Context, call tools.Call) (tools.Result, error) {
	var a hostArgs
	if err := decodeArgs(call.Args, &a); err != nil {
		return tools.Result{}, fmt.Errorf("asset.get: %w", err)
	}
	h, ok := l.Asset(a.Host)
	if !ok {
		return result(assetOutput{Query: a.Host}, "no host %q in the inventory", a.Host)
	}
	return result(assetOutput{Known: true, Query: a.Host, Asset: &h},
		"%s is a %s %s owned by %s", h.Name, h.Criticality, h.Type, h.Owner)
}

type userOutput struct {
	Known bool   `json:"known"`
	Query string `json:"query"`
	*User
	Hosts []string `json:"hosts,omitempty"`
}

func (l *Lab) userGet(_ context.Context, call tools.Call) (tools.Result, error) {
	var a userArgs
	if err := decodeArgs(call.Args, &a); err != nil {
		return tools.Result{}, fmt.Errorf("user.get: %w", err)
	}
	u, ok := l.User(a.User)
	if !ok {
		return result(userOutput{Query: a.User}, "no user %q in the directory", a.User)
	}

	out := userOutput{Known: true, Query: a.User, User: &u}
	for _, h := range l.dir.org.Hosts {
		if h.Owner == u.Name {
			out.Hosts = append(out.Hosts, h.Name)
		}
	}
	slices.Sort(out.Hosts)
	return result(out, "%s (%s, %s)", u.Name, u.Role, u.Department)
}

type siemArgs struct {
	Query string `json:"query"`
	Limit int    `json:"limit"`
	Since string `json:"since"`
	Until string `json:"until"`
}

type siemOutput struct {
	Configured bool              `json:"configured"`
	Total      int               `json:"total"`
	Returned   int               `json:"returned"`
	Events     []json.RawMessage `json:"events"`
}

func (l *Lab) siemSearch(ctx context.Context, call tools.Call) (tools.Result, error) {
	a, since, until, err := siemParams(call.Args)
	if err != nil {
		return tools.Result{}, fmt.Errorf("siem.search: %w", err)
	}
	if l.search == nil {
		return result(siemOutput{Events: []json.RawMessage{}}, "no telemetry loaded")
	}

	r, err := l.search.Search(ctx, a.Query, a.Limit, since, until)
	if err != nil {
		return tools.Result{}, fmt.Errorf("siem.search: %w", err)
	}
	out := siemOutput{Configured: true, Total: r.Total, Returned: len(r.Events), Events: r.Events}
	if out.Events == nil {
		out.Events = []json.RawMessage{}
	}
	return result(out, "%d events match, %d returned", out.Total, out.Returned)
}

func siemParams(raw json.RawMessage) (siemArgs, time.Time, time.Time, error) {
	var a siemArgs
	var since, until time.Time
	if err := decodeArgs(raw, &a); err != nil {
		return a, since, until, err
	}
	if a.Limit <= 0 {
		a.Limit = defaultSearchLimit
	}
	var err error
	if since, err = parseOptionalTime("since", a.Since); err != nil {
		return a, since, until, err
	}
	if until, err = parseOptionalTime("until", a.Until); err != nil {
		return a, since, until, err
	}
	if !since.IsZero() && !until.IsZero() && until.Before(since) {
		return a, since, until, invalid("until %s is before since %s", a.Until, a.Since)
	}
	return a, since, until, nil
}

func parseOptionalTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, invalid("%s %q is not an RFC 3339 time like 2024-05-14T08:00:00Z",
			field, s)
	}
	return t, nil
}
