package lab

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/conductor-sec/conductor/guardrails"
	"github.com/conductor-sec/conductor/tools"
)

// schemaSQL creates the lab tables. Times are UTC text in timeFormat, which
// sorts and compares as text.
const schemaSQL = `
CREATE TABLE IF NOT EXISTS lab_calls (
	key TEXT PRIMARY KEY,
	tool TEXT NOT NULL,
	args_digest TEXT NOT NULL,
	case_id TEXT NOT NULL DEFAULT '',
	actor TEXT NOT NULL DEFAULT '',
	result TEXT NOT NULL DEFAULT '',
	replays INTEGER NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS lab_isolations (
	host TEXT PRIMARY KEY,
	reason TEXT NOT NULL DEFAULT '',
	case_id TEXT NOT NULL DEFAULT '',
	at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS lab_blocks (
	kind TEXT NOT NULL,
	value TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	case_id TEXT NOT NULL DEFAULT '',
	expires_at TEXT NOT NULL DEFAULT '',
	at TEXT NOT NULL,
	PRIMARY KEY (kind, value)
);
CREATE TABLE IF NOT EXISTS lab_disabled (
	account TEXT PRIMARY KEY,
	reason TEXT NOT NULL DEFAULT '',
	case_id TEXT NOT NULL DEFAULT '',
	at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS lab_credential_resets (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	account TEXT NOT NULL,
	case_id TEXT NOT NULL DEFAULT '',
	at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS lab_quarantine (
	message_id TEXT PRIMARY KEY,
	reason TEXT NOT NULL DEFAULT '',
	case_id TEXT NOT NULL DEFAULT '',
	at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS lab_tickets (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	title TEXT NOT NULL,
	severity TEXT NOT NULL,
	case_id TEXT NOT NULL DEFAULT '',
	body TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS lab_ticket_comments (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	ticket_id INTEGER NOT NULL,
	comment TEXT NOT NULL,
	at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS lab_notifications (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	channel TEXT NOT NULL,
	recipient TEXT NOT NULL DEFAULT '',
	message TEXT NOT NULL,
	case_id TEXT NOT NULL DEFAULT '',
	at TEXT NOT NULL
);`

// timeFormat is fixed-width so stored times compare correctly as text.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

func migrate(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, schemaSQL); err != nil {
		return fmt.Errorf("creating lab tables: %w", err)
	}
	return nil
}

func (l *Lab) stamp() string {
	return l.now().UTC().Format(timeFormat)
}

func parseStamp(s string) time.Time {
	t, _ := time.Parse(timeFormat, s)
	return t
}

// effect applies one mutating call inside tx and describes the outcome.
type effect func(ctx context.Context, tx *sql.Tx, call tools.Call) (tools.Result, error)

// mutate runs run at most once per idempotency key. The key is claimed by
// the transaction's first statement, so the claim, the effect and the stored
// result commit together or not at all; a repeated key returns the stored
// result marked Replayed.
func (l *Lab) mutate(ctx context.Context, tool string, call tools.Call, run effect) (
	tools.Result, error) {
	if call.IdempotencyKey == "" {
		return tools.Result{}, fmt.Errorf("%s: %w", tool, ErrNoKey)
	}
	digest, err := guardrails.DigestArgs(call.Args)
	if err != nil {
		return tools.Result{}, fmt.Errorf("%s: %w: %w", tool, err, tools.ErrInvalidArgs)
	}

	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return tools.Result{}, fmt.Errorf("%s: starting transaction: %w", tool, err)
	}
	defer func() { _ = tx.Rollback() }()

	claimed, err := l.claim(ctx, tx, tool, digest, call)
	if err != nil {
		return tools.Result{}, err
	}
	if !claimed {
		return l.replay(ctx, tx, tool, digest, call.IdempotencyKey)
	}

	res, err := run(ctx, tx, call)
	if err != nil {
		return tools.Result{}, fmt.Errorf("%s: %w", tool, err)
	}
	if err := storeResult(ctx, tx, call.IdempotencyKey, res); err != nil {
		return tools.Result{}, err
	}
	if err := tx.Commit(); err != nil {
		return tools.Result{}, fmt.Errorf("%s: committing: %w", tool, err)
	}
	return res, nil
}

// claim records the key, reporting false when it was already recorded.
func (l *Lab) claim(ctx context.Context, tx *sql.Tx, tool, digest string, call tools.Call) (
	bool, error) {
	r, err := tx.ExecContext(ctx, `INSERT INTO lab_calls
		(key, tool, args_digest, case_id, actor, created_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (key) DO NOTHING`,
		call.IdempotencyKey, tool, digest, call.CaseID, call.Actor, l.stamp())
	if err != nil {
		return false, fmt.Errorf("%s: recording call: %w", tool, err)
	}
	n, err := r.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("%s: recording call: %w", tool, err)
	}
	return n == 1, nil
}

// replay returns the stored result of an earlier call with the same key.
func (l *Lab) replay(ctx context.Context, tx *sql.Tx, tool, digest, key string) (
	tools.Result, error) {
	var prevTool, prevDigest, stored string
	err := tx.QueryRowContext(ctx,
		`SELECT tool, args_digest, result FROM lab_calls WHERE key = ?`, key).
		Scan(&prevTool, &prevDigest, &stored)
	if err != nil {
		return tools.Result{}, fmt.Errorf("%s: reading earlier call: %w", tool, err)
	}
	if prevTool != tool || prevDigest != digest {
		return tools.Result{}, fmt.Errorf("%s: key %q was first used for %s: %w",
			tool, key, prevTool, ErrKeyReuse)
	}

	var res tools.Result
	if err := json.Unmarshal([]byte(stored), &res); err != nil {
		return tools.Result{}, fmt.Errorf("%s: decoding earlier result: %w", tool, err)
	}
	if _, err := tx.ExecContext(ctx,
		`UPDATE lab_calls SET replays = replays + 1 WHERE key = ?`, key); err != nil {
		return tools.Result{}, fmt.Errorf("%s: counting replay: %w", tool, err)
	}
	if err := tx.Commit(); err != nil {
		return tools.Result{}, fmt.Errorf("%s: committing replay: %w", tool, err)
	}
	res.Replayed = true
	return res, nil
}

func storeResult(ctx context.Context, tx *sql.Tx, key string, res tools.Result) error {
	res.Replayed = false
	b, err := json.Marshal(res)
	if err != nil {
		return fmt.Errorf("encoding result: %w", err)
	}
	_, err = tx.ExecContext(ctx, `UPDATE lab_calls SET result = ? WHERE key = ?`, string(b), key)
	if err != nil {
		return fmt.Errorf("storing result: %w", err)
	}
	return nil
}

// changed reports whether an INSERT or DELETE touched a row.
func changed(r sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := r.RowsAffected()
	if err != nil {
		return false, err
	}
	return n > 0, nil
}

// errNoRows reports whether err is an empty single-row result.
func errNoRows(err error) bool {
	return errors.Is(err, sql.ErrNoRows)
}
