package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/conductor-sec/conductor/guardrails"
)

// The statuses of an approval.
const (
	ApprovalPending  = "pending"
	ApprovalApproved = "approved"
	ApprovalRejected = "rejected"
	ApprovalExpired  = "expired"
	ApprovalUsed     = "used"
	ApprovalVoid     = "void"
)

// approvalCols is the column list scanApproval reads, in order.
const approvalCols = `id, action_id, case_id, tool, args, args_digest, requested_by,
	approver_role, reasons, created_at, expires_at, status, decided_by, decided_at, note`

func scanApproval(r rowScanner) (guardrails.Approval, error) {
	var a guardrails.Approval
	err := r.Scan(&a.ID, &a.ActionID, &a.CaseID, &a.Tool, rawCol{&a.Args}, &a.ArgsDigest,
		&a.RequestedBy, &a.ApproverRole, listCol{&a.Reasons}, timeCol{&a.CreatedAt},
		timeCol{&a.ExpiresAt}, &a.Status, &a.DecidedBy, timeCol{&a.DecidedAt}, &a.Note)
	return a, err
}

// PutApproval stores a new approval, setting ID ("APR-" and a number) when
// empty, Status to pending when empty and CreatedAt when zero. An id already
// stored is [ErrConflict]; approvals change only through
// [Store.DecideApproval] and [Store.MarkApprovalUsed].
func (s *Store) PutApproval(ctx context.Context, a *guardrails.Approval) error {
	if a.Status == "" {
		a.Status = ApprovalPending
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = s.clock()
	}

	return s.write(ctx, func(tx *sql.Tx) error {
		if a.ID == "" {
			id, err := newID(tx, prefixApproval)
			if err != nil {
				return err
			}
			a.ID = id
		}

		_, err := tx.ExecContext(ctx, `INSERT INTO approvals (`+approvalCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ID, a.ActionID, a.CaseID, a.Tool, blob(a.Args), a.ArgsDigest, a.RequestedBy,
			a.ApproverRole, encodeList(a.Reasons), fmtTime(a.CreatedAt),
			fmtTime(a.ExpiresAt), a.Status, a.DecidedBy, fmtTime(a.DecidedAt), a.Note)
		if isUnique(err) {
			return fmt.Errorf("putting approval %s: %w", a.ID, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("putting approval %s: %w", a.ID, err)
		}
		return nil
	})
}

// GetApproval returns one approval.
func (s *Store) GetApproval(ctx context.Context, id string) (guardrails.Approval, error) {
	row := s.db.QueryRowContext(ctx,
		`SELECT `+approvalCols+` FROM approvals WHERE id = ?`, id)
	a, err := scanApproval(row)
	if err != nil {
		return guardrails.Approval{}, notFound(err, "approval", id)
	}
	return a, nil
}

// ListApprovals returns the approvals with status ("" for all), oldest first.
func (s *Store) ListApprovals(ctx context.Context, status string) (
	[]guardrails.Approval, error) {
	as, err := queryAll(ctx, s.db, scanApproval, `SELECT `+approvalCols+` FROM approvals
		WHERE ? = '' OR status = ? ORDER BY created_at, rowid`, status, status)
	if err != nil {
		return nil, fmt.Errorf("listing approvals: %w", err)
	}
	return as, nil
}

// CaseApprovals returns the approvals of one case in status ("" for all),
// oldest first.
func (s *Store) CaseApprovals(ctx context.Context, caseID, status string) (
	[]guardrails.Approval, error) {
	as, err := queryAll(ctx, s.db, scanApproval, `SELECT `+approvalCols+` FROM approvals
		WHERE case_id = ? AND (? = '' OR status = ?) ORDER BY created_at, rowid`,
		caseID, status, status)
	if err != nil {
		return nil, fmt.Errorf("listing approvals of %s: %w", caseID, err)
	}
	return as, nil
}

// GivenApprovals returns the approvals humans gave on one case (approved or
// used), oldest first, with only what a policy input carries of them.
func (s *Store) GivenApprovals(ctx context.Context, caseID string) (
	[]guardrails.GivenApproval, error) {
	out, err := queryAll(ctx, s.db, func(r rowScanner) (guardrails.GivenApproval, error) {
		var g guardrails.GivenApproval
		return g, r.Scan(&g.ID, &g.Tool, &g.ApproverRole, &g.DecidedBy)
	}, `SELECT id, tool, approver_role, decided_by FROM approvals
		WHERE case_id = ? AND status IN (?, ?) ORDER BY created_at, rowid`,
		caseID, ApprovalApproved, ApprovalUsed)
	if err != nil {
		return nil, fmt.Errorf("listing approvals given on %s: %w", caseID, err)
	}
	return out, nil
}

// DecideApproval moves a pending approval to status (approved, rejected,
// expired or void), recording who decided, when and why. It is a
// compare-and-set: of two approvers racing, one wins and the other gets
// [ErrNotPending]. Approving after ExpiresAt marks the approval expired and
// returns [ErrExpired], so a late approval never turns into a permit.
func (s *Store) DecideApproval(ctx context.Context, id, status, by, note string,
	at time.Time) error {
	switch status {
	case ApprovalApproved, ApprovalRejected, ApprovalExpired, ApprovalVoid:
	default:
		return fmt.Errorf("deciding approval %s: status %q: %w", id, status, ErrInvalid)
	}
	if at.IsZero() {
		at = s.clock()
	}

	var expired bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		a, err := scanApproval(tx.QueryRowContext(ctx,
			`SELECT `+approvalCols+` FROM approvals WHERE id = ?`, id))
		if err != nil {
			return notFound(err, "approval", id)
		}
		if a.Status != ApprovalPending {
			return fmt.Errorf("deciding approval %s: it is %s: %w", id, a.Status, ErrNotPending)
		}

		expired = status == ApprovalApproved && !a.ExpiresAt.IsZero() && at.After(a.ExpiresAt)
		if expired {
			status = ApprovalExpired
		}
		_, err = tx.ExecContext(ctx, `UPDATE approvals SET status = ?, decided_by = ?,
			decided_at = ?, note = ? WHERE id = ?`, status, by, fmtTime(at), note, id)
		if err != nil {
			return fmt.Errorf("deciding approval %s: %w", id, err)
		}
		return nil
	})
	if err == nil && expired {
		return fmt.Errorf("approving %s after it expired: %w", id, ErrExpired)
	}
	return err
}

// RaiseApproverRole makes a pending approval need role, for reasons, until
// expires: the policy in force when someone tried to approve it wants more
// than the policy that held it, for as long as that role's approvals last.
// It is [ErrNotPending] once the approval is decided.
func (s *Store) RaiseApproverRole(ctx context.Context, id, role string, reasons []string,
	expires time.Time) error {
	rs, err := json.Marshal(reasons)
	if err != nil {
		return fmt.Errorf("raising the role of approval %s: %w", id, err)
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE approvals SET approver_role = ?, reasons = ?,
			expires_at = ? WHERE id = ? AND status = ?`, role, string(rs), fmtTime(expires), id,
			ApprovalPending)
		if err != nil {
			return fmt.Errorf("raising the role of approval %s: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		return fmt.Errorf("raising the role of approval %s: %w", id, ErrNotPending)
	})
}

// MarkApprovalUsed moves an approved approval to used, once: an approval is
// good for one run, and a second call (or one on an approval that is not
// approved) is [ErrNotPending].
func (s *Store) MarkApprovalUsed(ctx context.Context, id string, at time.Time) error {
	if at.IsZero() {
		at = s.clock()
	}

	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE approvals SET status = ?, used_at = ?
			WHERE id = ? AND status = ?`, ApprovalUsed, fmtTime(at), id, ApprovalApproved)
		if err != nil {
			return fmt.Errorf("using approval %s: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}

		var status string
		err = tx.QueryRowContext(ctx, `SELECT status FROM approvals WHERE id = ?`, id).
			Scan(&status)
		if err != nil {
			return notFound(err, "approval", id)
		}
		return fmt.Errorf("using approval %s: it is %s: %w", id, status, ErrNotPending)
	})
}
