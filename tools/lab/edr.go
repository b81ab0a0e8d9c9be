package lab

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/conductor-sec/conductor/tools"
)

const hostSchema = `{
  "type": "object",
  "additionalProperties": false,
  "required": ["host"],
  "properties": {
    "host": {"type": "string", "minLength": 1, "maxLength": 255,
      "description": "Hostname (short or FQDN) or IP address of a known host."},
    ` + reasonProp + `
  }
}`

type hostArgs struct {
	Host   string `json:"host"`
	Reason string `json:"reason"`
}

type hostOutput struct {
	Host     string `json:"host"`
	IP       string `json:"ip"`
	Isolated bool   `json:"isolated"`
	Changed  bool   `json:"changed"`
}

func (l *Lab) edrTools() []*labTool {
	return []*labTool{
		{spec: tools.Spec{
			Name: "edr.isolate_host",
			Description: "Cut a host off the network through the EDR agent; it keeps " +
				"talking to the EDR console only.",
			Schema: json.RawMessage(hostSchema), Risk: tools.RiskContain,
			Reversible: true, Undo: "edr.release_host",
			Targets: map[string]string{"host": "host"},
		}, write: l.isolateHost},
		{spec: tools.Spec{
			Name:        "edr.release_host",
			Description: "Reconnect a host that edr.isolate_host cut off.",
			Schema:      json.RawMessage(hostSchema), Risk: tools.RiskContain,
			Reversible: true, Undo: "edr.isolate_host", Lifts: true,
			Targets: map[string]string{"host": "host"},
		}, write: l.releaseHost},
	}
}

// knownHost decodes host arguments and resolves the host.
func (l *Lab) knownHost(raw json.RawMessage) (hostArgs, Asset, error) {
	var a hostArgs
	if err := decodeArgs(raw, &a); err != nil {
		return a, Asset{}, err
	}
	h, ok := l.dir.asset(a.Host)
	if !ok {
		return a, Asset{}, notFound("unknown host %q: not in the lab inventory; "+
			"use a hostname or IP address that asset.get knows", a.Host)
	}
	return a, h, nil
}

func (l *Lab) isolateHost(ctx context.Context, tx *sql.Tx, call tools.Call) (
	tools.Result, error) {
	a, h, err := l.knownHost(call.Args)
	if err != nil {
		return tools.Result{}, err
	}
	ch, err := changed(tx.ExecContext(ctx, `INSERT INTO lab_isolations
		(host, reason, case_id, at) VALUES (?, ?, ?, ?) ON CONFLICT (host) DO NOTHING`,
		h.Name, a.Reason, call.CaseID, l.stamp()))
	if err != nil {
		return tools.Result{}, err
	}

	out := hostOutput{Host: h.Name, IP: h.IP, Isolated: true, Changed: ch}
	if !ch {
		return result(out, "%s was already isolated", h.Name)
	}
	return result(out, "isolated %s (%s) from the network", h.Name, h.IP)
}

func (l *Lab) releaseHost(ctx context.Context, tx *sql.Tx, call tools.Call) (
	tools.Result, error) {
	_, h, err := l.knownHost(call.Args)
	if err != nil {
		return tools.Result{}, err
	}
	ch, err := changed(tx.ExecContext(ctx, `DELETE FROM lab_isolations WHERE host = ?`, h.Name))
	if err != nil {
		return tools.Result{}, err
	}

	out := hostOutput{Host: h.Name, IP: h.IP, Isolated: false, Changed: ch}
	if !ch {
		return result(out, "%s was not isolated", h.Name)
	}
	return result(out, "released %s (%s) from isolation", h.Name, h.IP)
}
