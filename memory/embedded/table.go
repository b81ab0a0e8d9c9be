package embedded

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/conductor-sec/conductor/memory"
)

// schema creates the table. The vector is kept as given, not scaled, so that
// the table stays a faithful copy of what was upserted.
const schema = `CREATE TABLE IF NOT EXISTS mem_items (
	collection TEXT NOT NULL,
	id         TEXT NOT NULL,
	dims       INTEGER NOT NULL,
	vector     BLOB NOT NULL,
	payload    TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	PRIMARY KEY (collection, id)
)`

// deleteChunk keeps the number of SQL variables in one DELETE well under
// SQLite's limit.
const deleteChunk = 500

// load reads the collection's items into the graph.
func (s *Store) load(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id, dims, vector, payload FROM mem_items
		WHERE collection = ? ORDER BY id`, s.coll)
	if err != nil {
		return fmt.Errorf("loading memory: %w", err)
	}
	defer rows.Close()

	for rows.Next() {
		var (
			id, payload string
			dims        int
			blob        []byte
		)
		if err := rows.Scan(&id, &dims, &blob, &payload); err != nil {
			return fmt.Errorf("loading memory: %w", err)
		}
		if err := s.loadRow(id, dims, blob, payload); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("loading memory: %w", err)
	}
	return nil
}

func (s *Store) loadRow(id string, dims int, blob []byte, payload string) error {
	if dims != s.dims {
		return fmt.Errorf("loading memory item %s of collection %s: %d dimensions stored, "+
			"%d configured: %w", id, s.coll, dims, s.dims, memory.ErrDimension)
	}
	vec, err := decodeVector(blob, dims)
	if err != nil {
		return fmt.Errorf("loading memory item %s: %w", id, err)
	}
	var p memory.Payload
	if err := json.Unmarshal([]byte(payload), &p); err != nil {
		return fmt.Errorf("loading memory item %s: %w", id, err)
	}
	if err := memory.CheckVector(vec, s.dims); err != nil {
		return fmt.Errorf("loading memory item %s: %w", id, err)
	}
	s.put(id, memory.Normalize(vec), p)
	return nil
}

// writeItems upserts rows in one transaction.
func (s *Store) writeItems(ctx context.Context, items []memory.Item) error {
	now := time.Now().UTC().Format(time.RFC3339Nano)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO mem_items
			(collection, id, dims, vector, payload, updated_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (collection, id) DO UPDATE SET dims = excluded.dims,
			vector = excluded.vector, payload = excluded.payload,
			updated_at = excluded.updated_at`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, it := range items {
			p, err := json.Marshal(it.Payload)
			if err != nil {
				return fmt.Errorf("encoding payload of %s: %w", it.ID, err)
			}
			_, err = stmt.ExecContext(ctx, s.coll, it.ID, len(it.Vector),
				encodeVector(it.Vector), string(p), now)
			if err != nil {
				return fmt.Errorf("writing %s: %w", it.ID, err)
			}
		}
		return nil
	})
}

// deleteRows removes rows in one transaction.
func (s *Store) deleteRows(ctx context.Context, ids []string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for start := 0; start < len(ids); start += deleteChunk {
			chunk := ids[start:min(start+deleteChunk, len(ids))]
			args := make([]any, 0, len(chunk)+1)
			args = append(args, s.coll)
			for _, id := range chunk {
				args = append(args, id)
			}
			marks := strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",")
			_, err := tx.ExecContext(ctx, `DELETE FROM mem_items WHERE collection = ?
				AND id IN (`+marks+`)`, args...)
			if err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback() // fn's error is the one worth reporting.
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing: %w", err)
	}
	return nil
}

// encodeVector writes v as little-endian float32 values.
func encodeVector(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// decodeVector reads dims little-endian float32 values.
func decodeVector(b []byte, dims int) ([]float32, error) {
	if len(b) != 4*dims {
		return nil, fmt.Errorf("vector blob of %d bytes, want %d: %w", len(b), 4*dims,
			memory.ErrDimension)
	}
	v := make([]float32, dims)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}
