package guardrails

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Outcome is what the policy decided for one action.
type Outcome string

// The three outcomes. Anything else, or a malformed result, is treated as
// [Deny].
const (
	Allow         Outcome = "allow"
	NeedsApproval Outcome = "needs_approval"
	Deny          Outcome = "deny"
)

// Provenance values say where an argument value came from.
const (
	// FromCaseEntity: the value is an entity observed in a structured field of
	// the case's findings (an alert's src_ip, an e-mail header).
	FromCaseEntity = "case_entity"
	// FromUntrustedText: the value appears only in untrusted free text (an alert
	// description, an e-mail body, a tool result).
	FromUntrustedText = "untrusted_text"
	// FromAnalyst: a human typed it.
	FromAnalyst = "analyst"
	// FromPlanner: it appears nowhere in the case; the planner produced it.
	FromPlanner = "planner"
)

// Request is the policy input for one proposed action: everything the policy
// needs, gathered by trusted code, never by the planner.
type Request struct {
	// ID identifies the action being decided.
	ID   string         `json:"id"`
	Tool string         `json:"tool"`
	Args map[string]any `json:"args"`
	// Risk is the tool's risk class: read_only, write, containment, destructive.
	Risk       string `json:"risk"`
	Reversible bool   `json:"reversible"`
	// Lifts is set when the tool ends a containment (a release, an unblock).
	Lifts bool `json:"lifts,omitempty"`
	// Actor is "analyst:NAME", "agent:llm", "agent:playbook" or "mcp:CLIENT".
	Actor string `json:"actor"`
	// ActorRole is the authenticated role of the actor: analyst, lead, agent,
	// admin. Empty means agent.
	ActorRole string    `json:"actor_role,omitempty"`
	Case      CaseFacts `json:"case"`
	// Targets describe the entities the arguments name.
	Targets []Target `json:"targets,omitempty"`
	// Provenance maps each argument name to one of the From* values.
	Provenance map[string]string `json:"provenance,omitempty"`
	Recent     Recent            `json:"recent"`
	// Approvals are the held actions humans already approved on this case,
	// oldest first, so a policy may weigh what a person has signed off.
	Approvals []GivenApproval `json:"approvals,omitempty"`
	// Time is when the action was proposed.
	Time time.Time `json:"time"`
}

// GivenApproval is one approval a human gave on the case.
type GivenApproval struct {
	ID   string `json:"id"`
	Tool string `json:"tool"`
	// ApproverRole is the role the policy asked for; DecidedBy who approved.
	ApproverRole string `json:"approver_role"`
	DecidedBy    string `json:"decided_by"`
}

// CaseFacts are the facts about the case an action belongs to.
type CaseFacts struct {
	ID string `json:"id"`
	// Score is the case severity score, 0 to 100.
	Score int `json:"score"`
	// Confidence is how sure the investigation is that the case is malicious,
	// 0 to 1.
	Confidence float64 `json:"confidence"`
	Verdict    string  `json:"verdict,omitempty"`
	// SuspectedInjection is set when case text tried to instruct the agent.
	SuspectedInjection bool `json:"suspected_injection,omitempty"`
}

// Target is what is known about one entity an action touches.
type Target struct {
	// Arg is the argument naming it; Kind is host, user, ip, domain, email,
	// message.
	Arg   string `json:"arg"`
	Kind  string `json:"kind"`
	Value string `json:"value"`
	// Known is false when the inventory or directory has no record of it.
	Known bool `json:"known"`
	// AssetType is workstation, laptop, server, domain_controller, database,
	// firewall, … for hosts.
	AssetType   string `json:"asset_type,omitempty"`
	Criticality string `json:"criticality,omitempty"`
	CrownJewel  bool   `json:"crown_jewel,omitempty"`
	// Role is the user's role for accounts (employee, admin, service, executive).
	Role       string `json:"role,omitempty"`
	VIP        bool   `json:"vip,omitempty"`
	BreakGlass bool   `json:"break_glass,omitempty"`
	// Internal is set for addresses inside the organisation's ranges or domains.
	Internal bool `json:"internal,omitempty"`
	// AllowListed is set for an entity on the organisation's allow-list in the
	// directory (known-good hosts, domains, addresses, mailboxes, such as
	// github.com): the policy denies containment and destructive actions on it.
	// data.json's allow_list is the policy's own and is checked separately.
	AllowListed bool `json:"allow_listed,omitempty"`
	// PublicSuffix is set for a domain that is itself a public suffix (co.uk,
	// github.io): blocking it blocks every domain registered under it.
	PublicSuffix bool `json:"public_suffix,omitempty"`
}

// Recent counts recent actions of the same tool, for blast-radius limits.
type Recent struct {
	SameToolCase   int `json:"same_tool_case"`
	SameToolWindow int `json:"same_tool_window"`
	WindowSeconds  int `json:"window_seconds"`
}

// Decision is the guard's answer for one [Request].
type Decision struct {
	ID      string   `json:"id"`
	Outcome Outcome  `json:"outcome"`
	Reasons []string `json:"reasons"`
	// ApproverRole is the role that may approve a held action.
	ApproverRole string `json:"approver_role,omitempty"`
	// ExpiresAt is when a held action's approval lapses.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// UndoAfter, set on an allowed reversible action, is how long it may stand
	// before it is undone unless a human confirms it; zero means it stands.
	UndoAfter     time.Duration `json:"undo_after,omitempty"`
	PolicyVersion string        `json:"policy_version"`
	InputDigest   string        `json:"input_digest"`
	Time          time.Time     `json:"time"`
	// Permit is set only when Outcome is Allow.
	Permit Permit `json:"-"`
}

// Permit is proof that the guard allowed one exact call. Its fields are
// unexported, so only this package can make a valid one.
type Permit struct {
	tool       string
	argsDigest string
	caseID     string
	decisionID string
}

// ErrNoPermit is returned when a call has no permit, or one for another call.
var ErrNoPermit = errors.New("no policy permit for this call")

// Authorizes reports, as an error wrapping [ErrNoPermit], whether p permits
// calling tool with args on case caseID.
func (p Permit) Authorizes(tool string, args json.RawMessage, caseID string) error {
	if p.decisionID == "" {
		return ErrNoPermit
	}
	if p.tool != tool || p.caseID != caseID {
		return fmt.Errorf("permit is for %s on case %s: %w", p.tool, p.caseID, ErrNoPermit)
	}
	d, err := DigestArgs(args)
	if err != nil || d != p.argsDigest {
		return fmt.Errorf("permit is for other arguments: %w", ErrNoPermit)
	}
	return nil
}

// DecisionID returns the id of the decision or approval that issued p.
func (p Permit) DecisionID() string { return p.decisionID }

// issuePermit makes a permit bound to one call.
func issuePermit(tool string, args json.RawMessage, caseID, decisionID string) (Permit, error) {
	d, err := DigestArgs(args)
	if err != nil {
		return Permit{}, err
	}
	return Permit{tool: tool, argsDigest: d, caseID: caseID, decisionID: decisionID}, nil
}

// DigestArgs returns the SHA-256 of the canonical JSON form of args (object keys
// sorted), so that equal arguments digest equally whatever their formatting.
func DigestArgs(args json.RawMessage) (string, error) {
	var v any
	if len(args) == 0 {
		args = json.RawMessage("{}")
	}
	if err := json.Unmarshal(args, &v); err != nil {
		return "", fmt.Errorf("digesting arguments: %w", err)
	}
	canon, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("digesting arguments: %w", err)
	}
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:]), nil
}

// Principal is an authenticated caller.
type Principal struct {
	// Name is the actor string, e.g. "analyst:alice".
	Name string `json:"name"`
	// Role is analyst, lead, agent or admin.
	Role string `json:"role"`
}

// Approval is a held action waiting for, or having had, a human decision.
type Approval struct {
	ID       string `json:"id"`
	ActionID string `json:"action_id"`
	CaseID   string `json:"case_id"`
	Tool     string `json:"tool"`
	// Args are the exact arguments approved; ArgsDigest binds them.
	Args         json.RawMessage `json:"args"`
	ArgsDigest   string          `json:"args_digest"`
	RequestedBy  string          `json:"requested_by"`
	ApproverRole string          `json:"approver_role"`
	Reasons      []string        `json:"reasons"`
	CreatedAt    time.Time       `json:"created_at"`
	ExpiresAt    time.Time       `json:"expires_at"`
	// Status is pending, approved, rejected, expired, used or void.
	Status    string    `json:"status"`
	DecidedBy string    `json:"decided_by,omitempty"`
	DecidedAt time.Time `json:"decided_at,omitzero"`
	Note      string    `json:"note,omitempty"`
}
