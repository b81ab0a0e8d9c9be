package telemetry

import (
	"context"
	"database/sql"
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
func (w *batchWriter) flush(ctx context.Context) (err error) {
	if len(w.pending) == 0 {
		return nil
	}
	defer func() {
		clear(w.pending) // release the raw text for the collector
		w.pending = w.pending[:0]
	}()

	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning transaction: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, tx.Rollback())
		}
	}()

	stored, err := insertAll(ctx, tx, w.pending)
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing events: %w", err)
	}
	w.stored += stored
	w.dups += len(w.pending) - stored
	return nil
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
	tx                *sql.Tx
	event, fts, field *sql.Stmt
	rows              []any
}

func insertAll(ctx context.Context, tx *sql.Tx, recs []record) (int, error) {
	in, err := prepareInserts(ctx, tx)
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

func prepareInserts(ctx context.Context, tx *sql.Tx) (*inserts, error) {
	in := inserts{tx: tx}
	var err error
	if in.event, err = tx.PrepareContext(ctx, insertEvent); err != nil {
		return nil, fmt.Errorf("preparing event insert: %w", err)
	}
	if in.fts, err = tx.PrepareContext(ctx, insertFTS); err != nil {
		in.close()
		return nil, fmt.Errorf("preparing text insert: %w", err)
	}
	if in.field, err = tx.PrepareContext(ctx, insertFields(fieldRows)); err != nil {
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
	if _, err := in.tx.ExecContext(ctx, insertFields(len(in.rows)/3), in.rows...); err != nil {
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
