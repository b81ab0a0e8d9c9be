package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The statuses of a task.
const (
	TaskOpen = "open"
	TaskDone = "done"
)

// Task is work for a human: a step that could not run, or a decision point a
// playbook asks an analyst to settle.
type Task struct {
	// ID is "TSK-" and a number, set by [Store.PutTask].
	ID, CaseID string
	// Ref identifies the task within its case; a non-empty Ref is stored once.
	Ref, Title, Detail string
	// Status is open or done; empty means open.
	Status string
	// CreatedAt is set when zero.
	CreatedAt time.Time
}

// taskCols is the column list scanTask reads, in order.
const taskCols = `id, case_id, ref, title, detail, status, created_at`

func scanTask(r rowScanner) (Task, error) {
	var t Task
	err := r.Scan(&t.ID, &t.CaseID, &t.Ref, &t.Title, &t.Detail, &t.Status,
		timeCol{&t.CreatedAt})
	return t, err
}

// PutTask stores a new task. If the case already has a task with the same
// non-empty Ref, nothing is written: the stored task is loaded into *t and
// existing is true.
func (s *Store) PutTask(ctx context.Context, t *Task) (existing bool, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		if t.Ref != "" {
			stored, err := scanTask(tx.QueryRowContext(ctx, `SELECT `+taskCols+` FROM tasks
				WHERE case_id = ? AND ref = ?`, t.CaseID, t.Ref))
			if err == nil {
				*t, existing = stored, true
				return nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("looking up task %s: %w", t.Ref, err)
			}
		}
		return s.insertTask(ctx, tx, t)
	})
	return existing, err
}

func (s *Store) insertTask(ctx context.Context, tx *sql.Tx, t *Task) error {
	id, err := newID(tx, prefixTask)
	if err != nil {
		return err
	}
	t.ID = id
	if t.Status == "" {
		t.Status = TaskOpen
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = s.clock()
	}

	_, err = tx.ExecContext(ctx, `INSERT INTO tasks (`+taskCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.CaseID, t.Ref, t.Title, t.Detail, t.Status, fmtTime(t.CreatedAt))
	if err != nil {
		return fmt.Errorf("putting task %s: %w", t.ID, err)
	}
	return nil
}

// SetTaskStatus marks a task open or done.
func (s *Store) SetTaskStatus(ctx context.Context, id, status string) error {
	if status != TaskOpen && status != TaskDone {
		return fmt.Errorf("setting task %s: status %q: %w", id, status, ErrInvalid)
	}

	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tasks SET status = ? WHERE id = ?`,
			status, id)
		if err != nil {
			return fmt.Errorf("setting task %s: %w", id, err)
		}
		return mustAffect(res, "task", id)
	})
}

// CaseTasks returns a case's tasks, oldest first.
func (s *Store) CaseTasks(ctx context.Context, caseID string) ([]Task, error) {
	return s.queryTasks(ctx, `SELECT `+taskCols+` FROM tasks WHERE case_id = ?
		ORDER BY created_at, rowid`, caseID)
}

// ListTasks returns the tasks with status ("" for all) across cases, oldest
// first.
func (s *Store) ListTasks(ctx context.Context, status string) ([]Task, error) {
	return s.queryTasks(ctx, `SELECT `+taskCols+` FROM tasks WHERE ? = '' OR status = ?
		ORDER BY created_at, rowid`, status, status)
}

func (s *Store) queryTasks(ctx context.Context, q string, args ...any) ([]Task, error) {
	ts, err := queryAll(ctx, s.db, scanTask, q, args...)
	if err != nil {
		return nil, fmt.Errorf("listing tasks: %w", err)
	}
	return ts, nil
}
