package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// The states of a case.
const (
	StateNew             = "new"
	StateInvestigating   = "investigating"
	StateWaitingApproval = "waiting_approval"
	StateContained       = "contained"
	StatePaused          = "paused"
	// StateTriaged: the investigation finished with nothing running and
	// nothing waiting; the case waits for an analyst to close it.
	StateTriaged = "triaged"
	StateClosed  = "closed"
)

// FilterOpen is a [CaseFilter] state matching every case that is not closed.
const FilterOpen = "open"

// validState reports whether s is one of the case states.
func validState(s string) bool {
	switch s {
	case StateNew, StateInvestigating, StateWaitingApproval, StateContained,
		StatePaused, StateTriaged, StateClosed:
		return true
	}
	return false
}

// Case is one investigation: the findings correlated into it and what the
// investigation concluded.
type Case struct {
	// ID is "CASE-" and a sequence number, set by [Store.CreateCase].
	ID, Title, State, Verdict, Summary string
	// AnalystVerdict, AnalystNote and AnalystName record a human correction of
	// the verdict; empty until an analyst gives one.
	AnalystVerdict, AnalystNote, AnalystName string
	Score                                    int
	Confidence                               float64
	Severity                                 string
	Techniques                               []string
	Sources                                  []string
	// Flags mark notable conditions, e.g. "suspected_injection".
	Flags []string
	// Planner names the planner that worked the case: "playbook", "llm".
	Planner      string
	ScoreFactors json.RawMessage
	// FindingCount is the number of distinct findings attached; it is derived
	// on read and ignored on write.
	FindingCount int
	// CreatedAt and UpdatedAt are set by the store; ClosedAt when the case is
	// first stored as closed, unless the caller set it.
	CreatedAt, UpdatedAt, ClosedAt time.Time
}

// caseCols is the column list scanCase reads, in order.
const caseCols = `id, title, state, verdict, summary, analyst_verdict, analyst_note,
	analyst_name, score, confidence, severity, techniques, sources, flags, planner,
	score_factors, created_at, updated_at, closed_at,
	(SELECT count(*) FROM case_findings cf WHERE cf.case_id = cases.id)`

func scanCase(r rowScanner) (Case, error) {
	var c Case
	err := r.Scan(&c.ID, &c.Title, &c.State, &c.Verdict, &c.Summary, &c.AnalystVerdict,
		&c.AnalystNote, &c.AnalystName, &c.Score, &c.Confidence, &c.Severity,
		listCol{&c.Techniques}, listCol{&c.Sources}, listCol{&c.Flags}, &c.Planner,
		rawCol{&c.ScoreFactors}, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt},
		timeCol{&c.ClosedAt}, &c.FindingCount)
	return c, err
}

// CreateCase stores a new case, setting its ID, its state to new when empty,
// CreatedAt (when zero) and UpdatedAt.
func (s *Store) CreateCase(ctx context.Context, c *Case) error {
	if c.State == "" {
		c.State = StateNew
	}
	if !validState(c.State) {
		return fmt.Errorf("creating case: state %q: %w", c.State, ErrInvalid)
	}

	return s.write(ctx, func(tx *sql.Tx) error { return s.createCase(ctx, tx, c) })
}

// closeTime stamps ClosedAt the first time a case is stored as closed.
func closeTime(c *Case, now time.Time) {
	if c.State == StateClosed && c.ClosedAt.IsZero() {
		c.ClosedAt = now
	}
}

// UpdateCase stores every field of c except ID, CreatedAt and FindingCount,
// and sets UpdatedAt (and ClosedAt, see [Case]).
func (s *Store) UpdateCase(ctx context.Context, c *Case) error {
	if !validState(c.State) {
		return fmt.Errorf("updating case %s: state %q: %w", c.ID, c.State, ErrInvalid)
	}

	return s.write(ctx, func(tx *sql.Tx) error {
		now := s.clock()
		c.UpdatedAt = now
		closeTime(c, now)
		return updateCase(ctx, tx, c)
	})
}

func updateCase(ctx context.Context, tx *sql.Tx, c *Case) error {
	res, err := tx.ExecContext(ctx, `UPDATE cases SET title = ?, state = ?, verdict = ?,
		summary = ?, analyst_verdict = ?, analyst_note = ?, analyst_name = ?, score = ?,
		confidence = ?, severity = ?, techniques = ?, sources = ?, flags = ?,
		planner = ?, score_factors = ?, updated_at = ?, closed_at = ?
		WHERE id = ?`,
		c.Title, c.State, c.Verdict, c.Summary, c.AnalystVerdict, c.AnalystNote,
		c.AnalystName, c.Score, c.Confidence, c.Severity, encodeList(c.Techniques),
		encodeList(c.Sources), encodeList(c.Flags), c.Planner, blob(c.ScoreFactors),
		fmtTime(c.UpdatedAt), fmtTime(c.ClosedAt), c.ID)
	if err != nil {
		return fmt.Errorf("updating case %s: %w", c.ID, err)
	}
	return mustAffect(res, "case", c.ID)
}

// mustAffect turns an update that matched no row into [ErrNotFound].
func mustAffect(res sql.Result, what, id string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("updating %s %s: %w", what, id, err)
	}
	if n == 0 {
		return fmt.Errorf("%s %s: %w", what, id, ErrNotFound)
	}
	return nil
}

// GetCase returns one case.
func (s *Store) GetCase(ctx context.Context, id string) (Case, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+caseCols+` FROM cases WHERE id = ?`, id)
	c, err := scanCase(row)
	if err != nil {
		return Case{}, notFound(err, "case", id)
	}
	return c, nil
}

// CaseFilter selects cases for [Store.ListCases].
type CaseFilter struct {
	// State keeps cases in this state; "" keeps all, [FilterOpen] all but
	// closed ones.
	State string
	// Limit caps the number of cases; 0 means no cap.
	Limit int
}

// ListCases returns the cases matching f, newest first.
func (s *Store) ListCases(ctx context.Context, f CaseFilter) ([]Case, error) {
	var (
		where []string
		args  []any
	)
	switch f.State {
	case "":
	case FilterOpen:
		where = append(where, "state != ?")
		args = append(args, StateClosed)
	default:
		where = append(where, "state = ?")
		args = append(args, f.State)
	}

	q := `SELECT ` + caseCols + ` FROM cases`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY seq DESC`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	return s.queryCases(ctx, q, args...)
}

// CountCases returns how many cases are in each state that has any.
func (s *Store) CountCases(ctx context.Context) (map[string]int, error) {
	type count struct {
		state string
		n     int
	}
	counts, err := queryAll(ctx, s.db, func(r rowScanner) (c count, err error) {
		return c, r.Scan(&c.state, &c.n)
	}, `SELECT state, count(*) FROM cases GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("counting cases: %w", err)
	}

	out := make(map[string]int, len(counts))
	for _, c := range counts {
		out[c.state] = c.n
	}
	return out, nil
}

func (s *Store) queryCases(ctx context.Context, q string, args ...any) ([]Case, error) {
	cs, err := queryAll(ctx, s.db, scanCase, q, args...)
	if err != nil {
		return nil, fmt.Errorf("listing cases: %w", err)
	}
	return cs, nil
}
