package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Timer statuses.
const (
	// TimerPending waits for its due time.
	TimerPending = "pending"
	// TimerConfirmed was cancelled by a human who confirmed the containment.
	TimerConfirmed = "confirmed"
	// TimerFired ran its undo (or handed it to the guard, which decided).
	TimerFired = "fired"
	// TimerSuperseded will not run: the containment was lifted, or a human
	// applied or approved it again, before it was due.
	TimerSuperseded = "superseded"
)

// Timer undoes a reversible action at Due unless a human confirms the action
// first.
type Timer struct {
	ID       string `json:"id"`
	ActionID string `json:"action_id"`
	CaseID   string `json:"case_id"`
	// Tool and Args are the undo call.
	Tool      string          `json:"undo"`
	Args      json.RawMessage `json:"args"`
	Due       time.Time       `json:"due"`
	Status    string          `json:"status"`
	Note      string          `json:"note,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

const timerCols = `id, action_id, case_id, tool, args, due, status, note, created_at,
	updated_at`

func scanTimer(r rowScanner) (Timer, error) {
	var t Timer
	err := r.Scan(&t.ID, &t.ActionID, &t.CaseID, &t.Tool, rawCol{&t.Args}, timeCol{&t.Due},
		&t.Status, &t.Note, timeCol{&t.CreatedAt}, timeCol{&t.UpdatedAt})
	return t, err
}

// PutTimer stores a pending timer for an action, setting ID and times. An
// action has at most one timer: a second one for the same action loads the
// first into t and reports existing.
func (s *Store) PutTimer(ctx context.Context, t *Timer) (existing bool, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		stored, err := scanTimer(tx.QueryRowContext(ctx, `SELECT `+timerCols+` FROM timers
			WHERE action_id = ?`, t.ActionID))
		if err == nil {
			*t, existing = stored, true
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("looking up timer of %s: %w", t.ActionID, err)
		}
		if t.ID, err = newID(tx, prefixTimer); err != nil {
			return err
		}
		now := s.clock()
		t.Status, t.CreatedAt, t.UpdatedAt = TimerPending, now, now
		_, err = tx.ExecContext(ctx, `INSERT INTO timers (`+timerCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, t.ID, t.ActionID, t.CaseID, t.Tool,
			blob(t.Args), fmtTime(t.Due), t.Status, t.Note, fmtTime(now), fmtTime(now))
		if err != nil {
			return fmt.Errorf("storing timer of %s: %w", t.ActionID, err)
		}
		return nil
	})
	return existing, err
}

// DueTimers returns the pending timers due at or before now, oldest first.
func (s *Store) DueTimers(ctx context.Context, now time.Time) ([]Timer, error) {
	ts, err := queryAll(ctx, s.db, scanTimer, `SELECT `+timerCols+` FROM timers
		WHERE status = ? AND due <= ? ORDER BY due, id`, TimerPending, fmtTime(now))
	if err != nil {
		return nil, fmt.Errorf("listing due timers: %w", err)
	}
	return ts, nil
}

// ListTimers returns timers in status ("" for all), soonest due first.
func (s *Store) ListTimers(ctx context.Context, status string) ([]Timer, error) {
	ts, err := queryAll(ctx, s.db, scanTimer, `SELECT `+timerCols+` FROM timers
		WHERE ? = '' OR status = ? ORDER BY due, id`, status, status)
	if err != nil {
		return nil, fmt.Errorf("listing timers: %w", err)
	}
	return ts, nil
}

// TimersFor returns the timers in status whose undo is tool with exactly
// args, oldest first: those that would undo one containment.
func (s *Store) TimersFor(ctx context.Context, tool string, args json.RawMessage,
	status string) ([]Timer, error) {
	ts, err := queryAll(ctx, s.db, scanTimer, `SELECT `+timerCols+` FROM timers
		WHERE tool = ? AND args = ? AND status = ? ORDER BY created_at, id`, tool, blob(args),
		status)
	if err != nil {
		return nil, fmt.Errorf("listing timers of %s %s: %w", tool, args, err)
	}
	return ts, nil
}

// TimerOf returns the timer of an action, or [ErrNotFound].
func (s *Store) TimerOf(ctx context.Context, actionID string) (Timer, error) {
	t, err := scanTimer(s.db.QueryRowContext(ctx, `SELECT `+timerCols+` FROM timers
		WHERE action_id = ?`, actionID))
	if err != nil {
		return Timer{}, notFound(err, "timer of action", actionID)
	}
	return t, nil
}

// SettleTimer moves a pending timer to status (confirmed or fired), once:
// a timer that is no longer pending is [ErrNotPending], so a confirmation and
// the timer firing cannot both win.
func (s *Store) SettleTimer(ctx context.Context, id, status, note string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE timers SET status = ?, note = ?,
			updated_at = ? WHERE id = ? AND status = ?`, status, note, fmtTime(s.clock()), id,
			TimerPending)
		if err != nil {
			return fmt.Errorf("settling timer %s: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("settling timer %s: %w", id, ErrNotPending)
		}
		return nil
	})
}
