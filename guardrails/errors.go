package guardrails

import "errors"

// codedError is a guard outcome with a stable snake_case code that callers
// (the API, the audit record) keep when the message is rewrapped or translated.
type codedError struct {
	code string
	msg  string
}

func (e *codedError) Error() string { return e.msg }

// Code returns the stable snake_case code of e.
func (e *codedError) Code() string { return e.code }

// The sentinel errors of the guard. Each has a Code method; use [Code] to read
// the code of an error that wraps one.
var (
	// ErrSelfApproval: the approver is the actor who requested the action.
	ErrSelfApproval error = &codedError{"self_approval", "approver requested the action"}
	// ErrApprovalScope: the approval is for another tool, case or arguments.
	ErrApprovalScope error = &codedError{"out_of_scope", "approval is for another call"}
	// ErrApprovalExpired: the approval lapsed before it was decided.
	ErrApprovalExpired error = &codedError{"expired", "approval has expired"}
	// ErrApprovalUsed: the approval was already decided, used or voided.
	ErrApprovalUsed error = &codedError{"already_used", "approval is no longer pending"}
	// ErrApproverRole: the approver's role does not satisfy the approval's.
	ErrApproverRole error = &codedError{"wrong_role", "approver lacks the required role"}
	// ErrNoPolicy: no policy compiled, passed its tests and passed the canaries.
	ErrNoPolicy error = &codedError{"no_policy", "no valid policy"}
)

// Code returns the stable code of the first error in err's chain that has one
// (see [ErrSelfApproval] and its siblings), or "" when none does.
func Code(err error) string {
	var c interface{ Code() string }
	if errors.As(err, &c) {
		return c.Code()
	}
	return ""
}
