package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// DecisionRecord is one entry of the decision log: a guard decision with the
// exact policy input it was made on, so that a candidate policy can be
// replayed over past actions.
type DecisionRecord struct {
	// ID is the guard's decision id, or "DEC-" and a number when empty.
	ID, ActionID, CaseID, Tool string
	// Time is set by the store when zero.
	Time time.Time
	// Input is the guardrails.Request as JSON.
	Input       json.RawMessage
	InputDigest string
	// Outcome is allow, needs_approval or deny.
	Outcome       string
	Reasons       []string
	PolicyVersion string
}

// PutDecision appends d to the decision log. An id already logged is
// [ErrConflict].
func (s *Store) PutDecision(ctx context.Context, d DecisionRecord) error {
	if d.Time.IsZero() {
		d.Time = s.clock()
	}

	return s.write(ctx, func(tx *sql.Tx) error {
		if d.ID == "" {
			id, err := newID(tx, prefixDecision)
			if err != nil {
				return err
			}
			d.ID = id
		}

		_, err := tx.ExecContext(ctx, `INSERT INTO decisions (`+decisionCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.ID, d.ActionID, d.CaseID, d.Tool, fmtTime(d.Time), blob(d.Input),
			d.InputDigest, d.Outcome, encodeList(d.Reasons), d.PolicyVersion)
		if isUnique(err) {
			return fmt.Errorf("logging decision %s: %w", d.ID, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("logging decision %s: %w", d.ID, err)
		}
		return nil
	})
}

// decisionCols is the column list scanDecision reads, in order.
const decisionCols = `id, action_id, case_id, tool, time, input, input_digest, outcome,
	reasons, policy_version`

func scanDecision(r rowScanner) (DecisionRecord, error) {
	var d DecisionRecord
	err := r.Scan(&d.ID, &d.ActionID, &d.CaseID, &d.Tool, timeCol{&d.Time},
		rawCol{&d.Input}, &d.InputDigest, &d.Outcome, listCol{&d.Reasons},
		&d.PolicyVersion)
	return d, err
}

// Decisions returns the decisions made at or after since, oldest first.
func (s *Store) Decisions(ctx context.Context, since time.Time) ([]DecisionRecord, error) {
	var out []DecisionRecord
	err := s.DecisionsFunc(ctx, since, func(d DecisionRecord) error {
		out = append(out, d)
		return nil
	})
	return out, err
}

// DecisionsFunc calls fn for each decision made at or after since, oldest
// first, without holding them all in memory. An error from fn stops the walk
// and is returned as is.
func (s *Store) DecisionsFunc(ctx context.Context, since time.Time,
	fn func(DecisionRecord) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT `+decisionCols+` FROM decisions
		WHERE time >= ? ORDER BY time, rowid`, fmtTime(since))
	if err != nil {
		return fmt.Errorf("reading decisions: %w", err)
	}
	defer rows.Close()

	for rows.Next() {
		d, err := scanDecision(rows)
		if err != nil {
			return fmt.Errorf("reading decisions: %w", err)
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading decisions: %w", err)
	}
	return nil
}
