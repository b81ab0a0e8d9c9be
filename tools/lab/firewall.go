package lab

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/conductor-sec/conductor/tools"
)

const blockIPSchema = `{
  "type": "object",
  "additionalProperties": false,
  "required": ["ip"],
  "properties": {
    "ip": {"type": "string", "minLength": 1, "maxLength": 64,
      "description": "An IP address (203.0.113.7) or CIDR network (203.0.113.0/24)."},
    ` + reasonProp + `,
    "duration_minutes": {"type": "integer", "minimum": 1, "maximum": 525600,
      "description": "Lift the block after this long; omit for no end."}
  }
}`

const unblockIPSchema = `{
  "type": "object",
  "additionalProperties": false,
  "required": ["ip"],
  "properties": {
    "ip": {"type": "string", "minLength": 1, "maxLength": 64},
    ` + reasonProp + `
  }
}`

const domainSchema = `{
  "type": "object",
  "additionalProperties": false,
  "required": ["domain"],
  "properties": {
    "domain": {"type": "string", "minLength": 1, "maxLength": 253,
      "description": "A DNS name; its subdomains are blocked too."},
    ` + reasonProp + `
  }
}`

type blockArgs struct {
	IP              string `json:"ip"`
	Domain          string `json:"domain"`
	Reason          string `json:"reason"`
	DurationMinutes int    `json:"duration_minutes"`
}

type blockOutput struct {
	Kind      string    `json:"kind"`
	Value     string    `json:"value"`
	Blocked   bool      `json:"blocked"`
	Changed   bool      `json:"changed"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// lifts marks a tool that ends a containment (see tools.Spec.Lifts).
func lifts(s tools.Spec) tools.Spec {
	s.Lifts = true
	return s
}

func (l *Lab) firewallTools() []*labTool {
	spec := func(name, desc, schema, undo, arg, kind string) tools.Spec {
		return tools.Spec{Name: name, Description: desc, Schema: json.RawMessage(schema),
			Risk: tools.RiskContain, Reversible: true, Undo: undo,
			Targets: map[string]string{arg: kind}}
	}
	return []*labTool{
		{spec: spec("firewall.block_ip", "Block traffic to and from an IP address or "+
			"network at the perimeter firewall.", blockIPSchema, "firewall.unblock_ip",
			"ip", "ip"), write: l.blockIP},
		{spec: lifts(spec("firewall.unblock_ip", "Lift a block set by firewall.block_ip.",
			unblockIPSchema, "firewall.block_ip", "ip", "ip")), write: l.unblockIP},
		{spec: spec("firewall.block_domain", "Block resolution of and traffic to a domain "+
			"and its subdomains.", domainSchema, "firewall.unblock_domain", "domain",
			"domain"), write: l.blockDomain},
		{spec: lifts(spec("firewall.unblock_domain", "Lift a block set by "+
			"firewall.block_domain.", domainSchema, "firewall.block_domain", "domain",
			"domain")), write: l.unblockDomain},
	}
}

// blockTarget decodes block arguments into the canonical value to store.
func blockTarget(raw json.RawMessage, kind string) (blockArgs, string, error) {
	var a blockArgs
	if err := decodeArgs(raw, &a); err != nil {
		return a, "", err
	}
	if kind == "domain" {
		d, err := normalizeDomain(a.Domain)
		if err != nil {
			return a, "", invalid("domain: %v", err)
		}
		return a, d, nil
	}
	p, err := parseNetwork(a.IP)
	if err != nil {
		return a, "", invalid("ip: %v", err)
	}
	return a, networkString(p), nil
}

func (l *Lab) blockIP(ctx context.Context, tx *sql.Tx, call tools.Call) (tools.Result, error) {
	return l.block(ctx, tx, call, "ip")
}

func (l *Lab) blockDomain(ctx context.Context, tx *sql.Tx, call tools.Call) (
	tools.Result, error) {
	return l.block(ctx, tx, call, "domain")
}

func (l *Lab) unblockIP(ctx context.Context, tx *sql.Tx, call tools.Call) (
	tools.Result, error) {
	return l.unblock(ctx, tx, call, "ip")
}

func (l *Lab) unblockDomain(ctx context.Context, tx *sql.Tx, call tools.Call) (
	tools.Result, error) {
	return l.unblock(ctx, tx, call, "domain")
}

// block adds or renews a block. A block that exists and has not expired is
// left as it is, so a repeat never shortens it.
func (l *Lab) block(ctx context.Context, tx *sql.Tx, call tools.Call, kind string) (
	tools.Result, error) {
	a, value, err := blockTarget(call.Args, kind)
	if err != nil {
		return tools.Result{}, err
	}
	now := l.now().UTC()
	var expires time.Time
	if a.DurationMinutes > 0 {
		expires = now.Add(time.Duration(a.DurationMinutes) * time.Minute)
	}

	ch, err := changed(tx.ExecContext(ctx, `INSERT INTO lab_blocks
		(kind, value, reason, case_id, expires_at, at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (kind, value) DO UPDATE SET reason = excluded.reason,
			case_id = excluded.case_id, expires_at = excluded.expires_at, at = excluded.at
		WHERE lab_blocks.expires_at != '' AND lab_blocks.expires_at <= excluded.at`,
		kind, value, a.Reason, call.CaseID, stampOrEmpty(expires), now.Format(timeFormat)))
	if err != nil {
		return tools.Result{}, err
	}

	out := blockOutput{Kind: kind, Value: value, Blocked: true, Changed: ch, ExpiresAt: expires}
	if !ch {
		out.ExpiresAt = time.Time{}
		return result(out, "%s %s was already blocked", kind, value)
	}
	return result(out, "blocked %s %s", kind, value)
}

func (l *Lab) unblock(ctx context.Context, tx *sql.Tx, call tools.Call, kind string) (
	tools.Result, error) {
	_, value, err := blockTarget(call.Args, kind)
	if err != nil {
		return tools.Result{}, err
	}
	ch, err := changed(tx.ExecContext(ctx,
		`DELETE FROM lab_blocks WHERE kind = ? AND value = ?`, kind, value))
	if err != nil {
		return tools.Result{}, err
	}

	out := blockOutput{Kind: kind, Value: value, Blocked: false, Changed: ch}
	if !ch {
		return result(out, "%s %s was not blocked", kind, value)
	}
	return result(out, "unblocked %s %s", kind, value)
}

func stampOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeFormat)
}
