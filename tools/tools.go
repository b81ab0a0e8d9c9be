// Package tools defines the contract every orchestration tool meets and the
// registry that validates and runs them.
//
// A tool is called only with a [guardrails.Permit] for that exact call: the
// registry refuses anything else, so no code path reaches a connector without a
// policy decision. Connectors live in child packages (the built-in lab in
// tools/lab).
package tools

import (
	"context"
	"encoding/json"
)

// Risk is the risk class of a tool; policies decide on it.
type Risk string

// The risk classes, least dangerous first.
const (
	// RiskRead reads and changes nothing (searches, lookups).
	RiskRead Risk = "read_only"
	// RiskWrite records or communicates without touching the estate (tickets,
	// notifications).
	RiskWrite Risk = "write"
	// RiskContain changes the estate to stop harm and can be undone (isolate,
	// block, disable, quarantine).
	RiskContain Risk = "containment"
	// RiskDestructive changes the estate in a way that cannot be fully undone
	// (credential reset, deletion).
	RiskDestructive Risk = "destructive"
)

// Spec describes a tool to planners, policies and MCP clients.
type Spec struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Schema is the JSON Schema of the arguments. It should set
	// "additionalProperties": false so unknown fields are rejected.
	Schema     json.RawMessage `json:"schema"`
	Risk       Risk            `json:"risk"`
	Reversible bool            `json:"reversible"`
	// Undo names the tool that reverses this one, when Reversible.
	Undo string `json:"undo,omitempty"`
	// UndoArgs names the arguments of a call that its undo takes, unchanged,
	// to select what the call changed; empty means the arguments in Targets.
	// A quarantine by sender and subject is released by both, not by the
	// sender alone.
	UndoArgs []string `json:"undo_args,omitempty"`
	// Lifts is set on a containment tool that ends a containment (a release,
	// an unblock, a re-enable): the policy lets it undo what is in force even
	// on targets it would never let an agent contain, and never time-limits it.
	Lifts bool `json:"lifts,omitempty"`
	// Targets maps argument names to the entity kind they name ("host", "user",
	// "ip", "domain", "email", "message"), so the engine can look up facts about
	// the target (criticality, role) for the policy.
	Targets map[string]string `json:"targets,omitempty"`
}

// Call is one invocation of a tool.
type Call struct {
	Tool string          `json:"tool"`
	Args json.RawMessage `json:"args"`
	// IdempotencyKey is stable across retries and restarts: a tool that sees the
	// same key twice must act once and return the first result.
	IdempotencyKey string `json:"idempotency_key"`
	CaseID         string `json:"case_id"`
	Actor          string `json:"actor"`
}

// Result is what a tool returned.
type Result struct {
	// Output is the tool's structured answer; untrusted data.
	Output json.RawMessage `json:"output"`
	// Summary is one human line about what happened.
	Summary string `json:"summary"`
	// Replayed is true when the tool had already seen the idempotency key.
	Replayed bool `json:"replayed,omitempty"`
}

// Tool is an orchestration capability: a lookup, a containment action, a ticket.
type Tool interface {
	Spec() Spec
	// Invoke performs the call. Args have already been validated against the
	// schema. Errors that a retry may cure should wrap [ErrTransient].
	Invoke(ctx context.Context, call Call) (Result, error)
}
