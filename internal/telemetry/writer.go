package telemetry

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"
)

// batchWriter inserts records in transactions of size records.
type batchWriter struct {
	db      *sql.DB
	size    int
	pending []record
	stored  int
	dups    int
}

// add queues rec and reports whether a batch was committed.
func (w *batchWriter) add(ctx context.Context, rec record) (bool, error) {
	w.pending = append(w.pending, rec)
	if len(w.pending) < w.size {
		return false, nil
	}
	return true, w.flush(ctx)
}

// flush inserts the queued records in one transaction. On error the batch is rolled
// back and dropped; batches committed before stay.
func (w *batchWriter) flush(ctx context.Context) error {
	if len(w.pending) == 0 {
		return nil
	}
	defer func() {
		clear(w.pending) // release the raw text for the collector
		w.pending = w.pending[:0]
	}()

	conn, err := w.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("getting a connection: %w", err)
	}
	defer conn.Close()

	stored, err := inImmediateTx(ctx, conn, func() (int, error) {
		return insertAll(ctx, conn, w.pending)
	})
	if err != nil {
		return err
	}
	w.stored += stored
	w.dups += len(w.pending) - stored
	return nil
}

// inImmediateTx runs fn in a BEGIN IMMEDIATE transaction on conn. database/sql's
// BeginTx starts a deferred transaction, and in WAL mode a deferred transaction that
// turns into a writer fails at once with SQLITE_BUSY when another writer got there
// first; an immediate one takes the write lock up front and waits out the busy
// timeout instead, so concurrent loads queue rather than fail.
func inImmediateTx(ctx context.Context, conn *sql.Conn, fn func() (int, error)) (int, error) {
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return 0, fmt.Errorf("beginning transaction: %w", err)
	}

	n, err := fn()
	// COMMIT and ROLLBACK must run even when ctx has ended, or the connection would
	// go back to the pool inside a transaction.
	end := context.WithoutCancel(ctx)
	if err == nil {
		if _, err = conn.ExecContext(end, "COMMIT"); err == nil {
			return n, nil
		}
		err = fmt.Errorf("committing events: %w", err)
	}
	if _, rbErr := conn.ExecContext(end, "ROLLBACK"); rbErr != nil {
		// A connection in an unknown state must not be reused.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		err = errors.Join(err, fmt.Errorf("rolling back: %w", rbErr))
	}
	return 0, err
}

// fieldRows is how many tel_fields rows one INSERT carries: per-statement overhead
// dominates single-row inserts, and 3 × 100 parameters stay far below SQLite's limit.
const fieldRows = 100

const (
	insertEvent = `INSERT OR IGNORE INTO tel_events
		(time, host, source, event_id, event_type, dedup, raw) VALUES (?, ?, ?, ?, ?, ?, ?)`
	insertFTS = `INSERT INTO tel_fts (rowid, body) VALUES (?, ?)`
)

func insertFields(rows int) string {
	return "INSERT OR IGNORE INTO tel_fields (key, value, event) VALUES " +
		strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", rows), ", ")
}

// inserts holds the statements of one transaction and the field rows not yet
// written.
type inserts struct {
	conn              *sql.Conn
	event, fts, field *sql.Stmt
	rows              []any
}

func insertAll(ctx context.Context, conn *sql.Conn, recs []record) (int, error) {
	in, err := prepareInserts(ctx, conn)
	if err != nil {
		return 0, err
	}
	defer in.close()

	stored := 0
	for i := range recs {
		ok, err := in.insert(ctx, &recs[i])
		if err != nil {
			return 0, err
		}
		if ok {
			stored++
		}
	}
	return stored, in.flushFields(ctx)
}

func prepareInserts(ctx context.Context, conn *sql.Conn) (*inserts, error) {
	in := inserts{conn: conn}
	var err error
	if in.event, err = conn.PrepareContext(ctx, insertEvent); err != nil {
		return nil, fmt.Errorf("preparing event insert: %w", err)
	}
	if in.fts, err = conn.PrepareContext(ctx, insertFTS); err != nil {
		in.close()
		return nil, fmt.Errorf("preparing text insert: %w", err)
	}
	if in.field, err = conn.PrepareContext(ctx, insertFields(fieldRows)); err != nil {
		in.close()
		return nil, fmt.Errorf("preparing field insert: %w", err)
	}
	return &in, nil
}

func (in *inserts) close() {
	for _, st := range []*sql.Stmt{in.event, in.fts, in.field} {
		if st != nil {
			_ = st.Close()
		}
	}
}

// insert stores one record and reports false when it was already stored.
func (in *inserts) insert(ctx context.Context, r *record) (bool, error) {
	res, err := in.event.ExecContext(ctx, timeArg(r.time), r.host, r.source, r.eventID,
		r.eventType, r.dedupKey(), string(r.raw))
	if err != nil {
		return false, fmt.Errorf("inserting event: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return false, fmt.Errorf("reading event id: %w", err)
	}

	if _, err := in.fts.ExecContext(ctx, id, r.body); err != nil {
		return false, fmt.Errorf("indexing event text: %w", err)
	}
	for _, f := range r.fields {
		in.rows = append(in.rows, f.key, f.value, id)
		if len(in.rows) == 3*fieldRows {
			if _, err := in.field.ExecContext(ctx, in.rows...); err != nil {
				return false, fmt.Errorf("indexing event fields: %w", err)
			}
			in.rows = in.rows[:0]
		}
	}
	return true, nil
}

// flushFields writes the field rows left over after the last full statement.
func (in *inserts) flushFields(ctx context.Context) error {
	if len(in.rows) == 0 {
		return nil
	}
	if _, err := in.conn.ExecContext(ctx, insertFields(len(in.rows)/3), in.rows...); err != nil {
		return fmt.Errorf("indexing event fields: %w", err)
	}
	return nil
}

// timeArg stores a time as Unix nanoseconds, or NULL when it is unknown.
func timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}
