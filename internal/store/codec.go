package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// timeLayout is RFC 3339 with a fixed nine-digit fraction: stored times have
// one width, so text order is time order.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// fmtTime encodes t for a column; the zero time becomes "".
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

// parseTime decodes a column written by [fmtTime].
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("parsing stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// timeCol scans a time column in place of a *time.Time.
type timeCol struct{ t *time.Time }

// Scan implements sql.Scanner.
func (c timeCol) Scan(v any) error {
	s, err := textOf(v)
	if err != nil {
		return err
	}
	*c.t, err = parseTime(s)
	return err
}

// listCol scans a JSON list column in place of a *[]string.
type listCol struct{ l *[]string }

// Scan implements sql.Scanner.
func (c listCol) Scan(v any) error {
	s, err := textOf(v)
	if err != nil {
		return err
	}
	*c.l, err = decodeList(s)
	return err
}

// rawCol scans a BLOB column in place of a *json.RawMessage; NULL and empty
// both become nil.
type rawCol struct{ r *json.RawMessage }

// Scan implements sql.Scanner.
func (c rawCol) Scan(v any) error {
	switch b := v.(type) {
	case nil:
		*c.r = nil
	case []byte:
		*c.r = cloneBytes(b)
	case string:
		*c.r = cloneBytes([]byte(b))
	default:
		return fmt.Errorf("scanning %T as bytes", v)
	}
	return nil
}

func textOf(v any) (string, error) {
	switch s := v.(type) {
	case nil:
		return "", nil
	case string:
		return s, nil
	case []byte:
		return string(s), nil
	}
	return "", fmt.Errorf("scanning %T as text", v)
}

// cloneBytes copies b, because the driver may reuse its buffer; empty becomes
// nil.
func cloneBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}

// encodeList stores a string list as a JSON array; empty lists become "".
func encodeList(l []string) string {
	if len(l) == 0 {
		return ""
	}
	// A []string always marshals: invalid UTF-8 is replaced, not refused.
	b, _ := json.Marshal(l)
	return string(b)
}

func decodeList(s string) ([]string, error) {
	if s == "" || s == "[]" {
		return nil, nil
	}
	var l []string
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		return nil, fmt.Errorf("decoding stored list: %w", err)
	}
	return l, nil
}

// blob returns b for a BLOB parameter, with empty stored as NULL.
func blob(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	c := e.Code()
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// isForeignKey reports whether err is a FOREIGN KEY violation.
func isForeignKey(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// notFound maps sql.ErrNoRows to [ErrNotFound], naming what was looked up.
func notFound(err error, what, id string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s %s: %w", what, id, ErrNotFound)
	}
	return fmt.Errorf("reading %s %s: %w", what, id, err)
}

// nextSeq takes the next number of the named counter inside tx.
func nextSeq(tx *sql.Tx, name string) (int64, error) {
	var n int64
	err := tx.QueryRow(`INSERT INTO counters (name, value) VALUES (?, 1)
		ON CONFLICT (name) DO UPDATE SET value = value + 1
		RETURNING value`, name).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("taking %s number: %w", name, err)
	}
	return n, nil
}

// readSeq returns the last number the named counter handed out.
func readSeq(tx *sql.Tx, name string) (int64, error) {
	var n int64
	err := tx.QueryRow(`SELECT value FROM counters WHERE name = ?`, name).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading %s counter: %w", name, err)
	}
	return n, nil
}

// setSeq records n as the last number the named counter handed out.
func setSeq(tx *sql.Tx, name string, n int64) error {
	_, err := tx.Exec(`INSERT INTO counters (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, n)
	if err != nil {
		return fmt.Errorf("writing %s counter: %w", name, err)
	}
	return nil
}

// The prefixes of readable ids; each has its own counter.
const (
	prefixFinding  = "FND"
	prefixCase     = "CASE"
	prefixAction   = "ACT"
	prefixDecision = "DEC"
	prefixApproval = "APR"
	prefixTask     = "TSK"
	prefixTimer    = "TMR"
)

// formatID makes a readable id such as "CASE-000042".
func formatID(prefix string, n int64) string { return fmt.Sprintf("%s-%06d", prefix, n) }

// newID takes the next number of prefix's counter and formats it.
func newID(tx *sql.Tx, prefix string) (string, error) {
	n, err := nextSeq(tx, prefix)
	if err != nil {
		return "", err
	}
	return formatID(prefix, n), nil
}

// queryAll runs q and scans every row with scan.
func queryAll[T any](ctx context.Context, db *sql.DB, scan func(rowScanner) (T, error),
	q string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()

	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// rowScanner is what *sql.Row and *sql.Rows have in common.
type rowScanner interface {
	Scan(dest ...any) error
}
