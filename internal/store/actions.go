package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The statuses of an action.
const (
	ActionProposed   = "proposed"
	ActionHeld       = "held"
	ActionAllowed    = "allowed"
	ActionRunning    = "running"
	ActionExecuted   = "executed"
	ActionDenied     = "denied"
	ActionFailed     = "failed"
	ActionRejected   = "rejected"
	ActionExpired    = "expired"
	ActionManual     = "manual"
	ActionSuperseded = "superseded"
)

// Action is the mutable state of one proposed tool call, keyed by its
// idempotency key: whatever happens to the process, one key is one action.
type Action struct {
	// ID is "ACT-" and a number, set by [Store.PutAction] when empty.
	ID, CaseID, Ref string
	// IdempotencyKey is required and unique across the store.
	IdempotencyKey string
	Tool           string
	Args           json.RawMessage
	Actor          string
	// Status is one of the Action* constants; empty means proposed.
	Status string
	Reason string
	// Decision is the guard's decision, Result the tool's result, as JSON.
	Decision json.RawMessage
	Result   json.RawMessage
	Error    string
	Attempts int
	// ApprovalID names the approval that released a held action.
	ApprovalID string
	// CreatedAt is set when zero; UpdatedAt on every write.
	CreatedAt, UpdatedAt time.Time
}

// actionCols is the column list scanAction reads, in order.
const actionCols = `id, case_id, ref, idempotency_key, tool, args, actor, status, reason,
	decision, result, error, attempts, approval_id, created_at, updated_at`

func scanAction(r rowScanner) (Action, error) {
	var a Action
	err := r.Scan(&a.ID, &a.CaseID, &a.Ref, &a.IdempotencyKey, &a.Tool, rawCol{&a.Args},
		&a.Actor, &a.Status, &a.Reason, rawCol{&a.Decision}, rawCol{&a.Result}, &a.Error,
		&a.Attempts, &a.ApprovalID, timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt})
	return a, err
}

// PutAction stores a new action. If an action with the same idempotency key
// exists, nothing is written: the stored action is loaded into *a and existing
// is true, so a step retried after a crash finds what the first attempt did.
func (s *Store) PutAction(ctx context.Context, a *Action) (existing bool, err error) {
	if a.IdempotencyKey == "" {
		return false, fmt.Errorf("putting action: no idempotency key: %w", ErrInvalid)
	}

	err = s.write(ctx, func(tx *sql.Tx) error {
		row := tx.QueryRowContext(ctx,
			`SELECT `+actionCols+` FROM actions WHERE idempotency_key = ?`, a.IdempotencyKey)
		stored, err := scanAction(row)
		if err == nil {
			*a, existing = stored, true
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("looking up action %s: %w", a.IdempotencyKey, err)
		}
		return s.insertAction(ctx, tx, a)
	})
	return existing, err
}

func (s *Store) insertAction(ctx context.Context, tx *sql.Tx, a *Action) error {
	if a.ID == "" {
		id, err := newID(tx, prefixAction)
		if err != nil {
			return err
		}
		a.ID = id
	}
	if a.Status == "" {
		a.Status = ActionProposed
	}
	a.UpdatedAt = s.clock()
	if a.CreatedAt.IsZero() {
		a.CreatedAt = a.UpdatedAt
	}

	_, err := tx.ExecContext(ctx, `INSERT INTO actions (`+actionCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.CaseID, a.Ref, a.IdempotencyKey, a.Tool, blob(a.Args), a.Actor, a.Status,
		a.Reason, blob(a.Decision), blob(a.Result), a.Error, a.Attempts, a.ApprovalID,
		fmtTime(a.CreatedAt), fmtTime(a.UpdatedAt))
	if isUnique(err) {
		return fmt.Errorf("putting action %s: %w", a.ID, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("putting action %s: %w", a.ID, err)
	}
	return nil
}

// UpdateAction stores the mutable state of an action: Status, Reason,
// Decision, Result, Error, Attempts and ApprovalID, and sets UpdatedAt. What
// identifies the call (CaseID, Ref, IdempotencyKey, Tool, Args, Actor,
// CreatedAt) is fixed by [Store.PutAction] and not changed here.
func (s *Store) UpdateAction(ctx context.Context, a *Action) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		now := s.clock()
		res, err := tx.ExecContext(ctx, `UPDATE actions SET status = ?, reason = ?,
			decision = ?, result = ?, error = ?, attempts = ?, approval_id = ?,
			updated_at = ? WHERE id = ?`,
			a.Status, a.Reason, blob(a.Decision), blob(a.Result), a.Error, a.Attempts,
			a.ApprovalID, fmtTime(now), a.ID)
		if err != nil {
			return fmt.Errorf("updating action %s: %w", a.ID, err)
		}
		if err := mustAffect(res, "action", a.ID); err != nil {
			return err
		}
		a.UpdatedAt = now
		return nil
	})
}

// GetAction returns one action by id.
func (s *Store) GetAction(ctx context.Context, id string) (Action, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+actionCols+` FROM actions WHERE id = ?`, id)
	a, err := scanAction(row)
	if err != nil {
		return Action{}, notFound(err, "action", id)
	}
	return a, nil
}

// ActionByKey returns the action with an idempotency key.
func (s *Store) ActionByKey(ctx context.Context, key string) (Action, error) {
	row := s.db.QueryRowContext(ctx,
		`SELECT `+actionCols+` FROM actions WHERE idempotency_key = ?`, key)
	a, err := scanAction(row)
	if err != nil {
		return Action{}, notFound(err, "action with key", key)
	}
	return a, nil
}

// CaseActions returns a case's actions, oldest first.
func (s *Store) CaseActions(ctx context.Context, caseID string) ([]Action, error) {
	return s.queryActions(ctx, `SELECT `+actionCols+` FROM actions
		WHERE case_id = ? ORDER BY created_at, rowid`, caseID)
}

// ActionsByStatus returns the actions in any of statuses, oldest first; with
// no statuses, none.
func (s *Store) ActionsByStatus(ctx context.Context, statuses ...string) ([]Action, error) {
	if len(statuses) == 0 {
		return nil, nil
	}
	in, args := placeholders(statuses)
	return s.queryActions(ctx, `SELECT `+actionCols+` FROM actions
		WHERE status IN (`+in+`) ORDER BY created_at, rowid`, args...)
}

func (s *Store) queryActions(ctx context.Context, q string, args ...any) ([]Action, error) {
	as, err := queryAll(ctx, s.db, scanAction, q, args...)
	if err != nil {
		return nil, fmt.Errorf("listing actions: %w", err)
	}
	return as, nil
}

// CountActions counts the actions of tool created at or after since whose
// status is one of statuses (any status when none are given), on one case or,
// when caseID is "", on all cases. It feeds blast-radius limits.
func (s *Store) CountActions(ctx context.Context, tool, caseID string, since time.Time,
	statuses ...string) (int, error) {
	where := []string{"tool = ?", "created_at >= ?"}
	args := []any{tool, fmtTime(since)}
	if caseID != "" {
		where = append(where, "case_id = ?")
		args = append(args, caseID)
	}
	if len(statuses) > 0 {
		in, sargs := placeholders(statuses)
		where = append(where, "status IN ("+in+")")
		args = append(args, sargs...)
	}

	var n int
	err := s.db.QueryRowContext(ctx,
		`SELECT count(*) FROM actions WHERE `+strings.Join(where, " AND "), args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("counting %s actions: %w", tool, err)
	}
	return n, nil
}
