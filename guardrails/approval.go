package guardrails

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// roleRank orders the human roles: a role satisfies every role ranked at or
// below it (lead satisfies analyst, admin satisfies all). Agents rank nowhere.
var roleRank = map[string]int{"analyst": 1, "lead": 2, "admin": 3}

// satisfies reports whether role have may approve what needs role need. An
// unknown need is met only by an admin, so a malformed approval stays safe.
func satisfies(have, need string) bool {
	n, ok := roleRank[need]
	if !ok {
		n = roleRank["admin"]
	}
	return roleRank[have] >= n
}

// CheckApproval validates approver's decision on the held action a, presented
// for calling tool with args on case caseID at time now, and returns a
// [Permit] for exactly that call (T8). It refuses, with an error wrapping the
// matching sentinel, an approval that is no longer pending ([ErrApprovalUsed]),
// has lapsed ([ErrApprovalExpired]), is for another call ([ErrApprovalScope]),
// is approved by its requester ([ErrSelfApproval]) or by a principal whose
// role falls short ([ErrApproverRole]). Agents and MCP clients never approve.
func CheckApproval(a Approval, approver Principal, tool string, args json.RawMessage,
	caseID string, now time.Time) (Permit, error) {
	if err := checkState(a, now); err != nil {
		return Permit{}, err
	}

	if err := checkScope(a, tool, args, caseID); err != nil {
		return Permit{}, err
	}

	if err := checkApprover(a, approver); err != nil {
		return Permit{}, err
	}

	p, err := issuePermit(tool, args, caseID, a.ID)
	if err != nil {
		return Permit{}, fmt.Errorf("approval %s: %w", a.ID, err)
	}
	return p, nil
}

func checkState(a Approval, now time.Time) error {
	switch {
	case a.Status == "expired":
		return fmt.Errorf("approval %s: %w", a.ID, ErrApprovalExpired)
	case a.Status != "pending":
		return fmt.Errorf("approval %s is %q: %w", a.ID, a.Status, ErrApprovalUsed)
	case a.ExpiresAt.IsZero() || now.After(a.ExpiresAt):
		// A missing expiry is treated as lapsed: approvals never live forever.
		return fmt.Errorf("approval %s lapsed at %s: %w",
			a.ID, a.ExpiresAt.Format(time.RFC3339), ErrApprovalExpired)
	}
	return nil
}

func checkScope(a Approval, tool string, args json.RawMessage, caseID string) error {
	if tool != a.Tool || caseID != a.CaseID {
		return fmt.Errorf("approval %s is for %s on case %s, not %s on case %s: %w",
			a.ID, a.Tool, a.CaseID, tool, caseID, ErrApprovalScope)
	}

	want := a.ArgsDigest
	if want == "" && len(a.Args) > 0 {
		d, err := DigestArgs(a.Args)
		if err != nil {
			return fmt.Errorf("approval %s: %w: %w", a.ID, ErrApprovalScope, err)
		}
		want = d
	}

	got, err := DigestArgs(args)
	if err != nil || want == "" || got != want {
		return fmt.Errorf("approval %s is for other arguments: %w", a.ID, ErrApprovalScope)
	}
	return nil
}

func checkApprover(a Approval, approver Principal) error {
	if err := checkPerson("approver", approver); err != nil {
		return err
	}
	if Identity(approver.Name) == Identity(a.RequestedBy) {
		return fmt.Errorf("approver %s requested %s as %s: %w", approver.Name, a.ID,
			a.RequestedBy, ErrSelfApproval)
	}
	return checkRole("approver", a, approver)
}

// Identity is the person or program behind an actor: the name after its
// "analyst:", "mcp:" or "agent:" prefix, trimmed and lower-cased. One API key
// acts as analyst:lee over REST and as mcp:lee over MCP; both are lee, so lee
// may not approve what either asked for.
func Identity(actor string) string {
	name := actor
	for _, prefix := range []string{"analyst:", "mcp:", "agent:"} {
		if rest, ok := strings.CutPrefix(actor, prefix); ok {
			name = rest
			break
		}
	}
	return strings.ToLower(strings.TrimSpace(name))
}

// CheckRejection validates a human's refusal of the held action a. A refusal
// never runs anything, so the requester may withdraw their own request, but
// the refuser must still be a person whose role may decide a: otherwise an
// analyst could quietly drop what only a lead may weigh.
func CheckRejection(a Approval, who Principal) error {
	if err := checkPerson("rejecter", who); err != nil {
		return err
	}
	return checkRole("rejecter", a, who)
}

// CheckHuman refuses anyone but a named person with a human role (analyst,
// lead or admin), such as someone confirming that a time-limited containment
// should stand.
func CheckHuman(as string, who Principal) error {
	if err := checkPerson(as, who); err != nil {
		return err
	}
	if _, ok := roleRank[who.Role]; !ok {
		return fmt.Errorf("%s %s has role %q, not analyst, lead or admin: %w", as, who.Name,
			who.Role, ErrApproverRole)
	}
	return nil
}

// checkPerson refuses agents, MCP clients and the anonymous: only a person
// decides a held action.
func checkPerson(as string, who Principal) error {
	if Identity(who.Name) == "" || strings.HasPrefix(who.Name, "agent:") ||
		strings.HasPrefix(who.Name, "mcp:") {
		return fmt.Errorf("%s %q is not a person: %w", as, who.Name, ErrApproverRole)
	}
	return nil
}

// CheckRole refuses a principal whose role ranks below need (analyst, lead,
// admin; an unknown need is met by an admin only).
func CheckRole(who Principal, need string) error {
	if !satisfies(who.Role, need) {
		return fmt.Errorf("%s is %q, the action needs %q: %w", who.Name, who.Role, need,
			ErrApproverRole)
	}
	return nil
}

// checkRole refuses a person whose role ranks below the one a needs.
func checkRole(as string, a Approval, who Principal) error {
	if err := CheckRole(who, a.ApproverRole); err != nil {
		return fmt.Errorf("%s %w", as, err)
	}
	return nil
}
