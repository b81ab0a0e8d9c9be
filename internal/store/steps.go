package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// GenesisHash is the PrevHash of the first step of the chain: 64 zeros.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// stepDomain starts every step's hash input, so that a step hash cannot be
// confused with any other SHA-256 the system computes.
const stepDomain = "conductor.step.v1"

// Step is one entry of the audit chain: what was asked, decided, done and
// returned. Steps of all cases form one chain, so that deleting or reordering a
// row anywhere breaks it.
type Step struct {
	// Seq is the step's position in the chain, from 1; set by the store.
	Seq    int64
	CaseID string
	// Time is set by the store when zero; it is kept to the nanosecond in UTC.
	Time                   time.Time
	Actor, Kind, Ref, Tool string
	Args                   json.RawMessage
	Decision               string
	Reasons                []string
	PolicyVersion          string
	Status                 string
	Output                 json.RawMessage
	Summary                string
	IdempotencyKey         string
	// PrevHash is the Hash of the step before, or [GenesisHash]; Hash is the
	// step's own hash (see [StepHash]). Both are set by the store.
	PrevHash, Hash string
}

// StepHash returns the hex SHA-256 of a step's canonical encoding: the domain
// string "conductor.step.v1" and then, in this order, Seq (decimal), CaseID,
// Time (RFC 3339 with nanoseconds, UTC), Actor, Kind, Ref, Tool, Args,
// Decision, the number of Reasons (decimal) and each reason, PolicyVersion,
// Status, Output, Summary, IdempotencyKey and PrevHash, each written as an
// 8-byte big-endian length followed by its bytes. Hash itself is left out.
// Length prefixes make the encoding unambiguous whatever bytes a field holds,
// and an external verifier can rebuild it from this comment alone.
func StepHash(st *Step) string {
	h := sha256.New()
	field := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		io.WriteString(h, s)
	}

	field(stepDomain)
	field(strconv.FormatInt(st.Seq, 10))
	field(st.CaseID)
	field(st.Time.UTC().Format(time.RFC3339Nano))
	for _, s := range []string{st.Actor, st.Kind, st.Ref, st.Tool, string(st.Args),
		st.Decision, strconv.Itoa(len(st.Reasons))} {
		field(s)
	}
	for _, r := range st.Reasons {
		field(r)
	}
	for _, s := range []string{st.PolicyVersion, st.Status, string(st.Output),
		st.Summary, st.IdempotencyKey, st.PrevHash} {
		field(s)
	}
	return hexSum(h)
}

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// AppendStep adds st to the end of the chain, filling Seq, PrevHash, Hash and,
// when zero, Time. It is safe for concurrent use: the head of the chain is
// read and moved in the same write transaction.
func (s *Store) AppendStep(ctx context.Context, st *Step) error {
	if st.Time.IsZero() {
		st.Time = s.clock()
	}
	st.Time = st.Time.UTC().Round(0)

	return s.write(ctx, func(tx *sql.Tx) error {
		seq, prev, err := chainHead(ctx, tx)
		if err != nil {
			return err
		}
		st.Seq, st.PrevHash = seq+1, prev
		st.Hash = StepHash(st)

		if err := insertStep(ctx, tx, st); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO chain_head (id, seq, hash) VALUES (1, ?, ?)
			ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`,
			st.Seq, st.Hash)
		if err != nil {
			return fmt.Errorf("moving chain head: %w", err)
		}
		return nil
	})
}

// chainHead returns the last step's seq and hash, or 0 and [GenesisHash] for an
// empty chain. It reads chain_head rather than the steps table so that a
// deleted tail stays detectable instead of being papered over.
func chainHead(ctx context.Context, tx *sql.Tx) (int64, string, error) {
	var (
		seq int64
		h   string
	)
	err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM chain_head WHERE id = 1`).
		Scan(&seq, &h)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, GenesisHash, nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("reading chain head: %w", err)
	}
	return seq, h, nil
}

func insertStep(ctx context.Context, tx *sql.Tx, st *Step) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO steps (seq, case_id, time, actor, kind,
		ref, tool, args, decision, reasons, policy_version, status, output, summary,
		idempotency_key, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		st.Seq, st.CaseID, fmtTime(st.Time), st.Actor, st.Kind, st.Ref, st.Tool,
		blob(st.Args), st.Decision, encodeReasons(st.Reasons), st.PolicyVersion,
		st.Status, blob(st.Output), st.Summary, st.IdempotencyKey, st.PrevHash, st.Hash)
	if err != nil {
		return fmt.Errorf("appending step: %w", err)
	}
	return nil
}

// encodeReasons stores reasons as JSON. Unlike [encodeList] it must keep every
// byte, because the hash covers them: invalid UTF-8 would come back replaced,
// so such a list is stored as a JSON array of byte arrays instead.
func encodeReasons(rs []string) string {
	for _, r := range rs {
		if !utf8.ValidString(r) {
			bs := make([][]byte, len(rs))
			for i, r := range rs {
				bs[i] = []byte(r)
			}
			b, _ := json.Marshal(map[string]any{"b": bs}) // always marshals
			return string(b)
		}
	}
	return encodeList(rs)
}

func decodeReasons(s string) ([]string, error) {
	if !strings.HasPrefix(s, "{") {
		return decodeList(s)
	}
	var v struct{ B [][]byte }
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("decoding stored reasons: %w", err)
	}
	rs := make([]string, len(v.B))
	for i, b := range v.B {
		rs[i] = string(b)
	}
	return rs, nil
}

// stepCols is the column list scanStep reads, in order.
const stepCols = `seq, case_id, time, actor, kind, ref, tool, args, decision, reasons,
	policy_version, status, output, summary, idempotency_key, prev_hash, hash`

// decodeError is a step row that could be read but not decoded: its seq is
// known, so verification can name it.
type decodeError struct {
	seq int64
	err error
}

func (e *decodeError) Error() string { return fmt.Sprintf("step %d: %v", e.seq, e.err) }
func (e *decodeError) Unwrap() error { return e.err }

func scanStep(r rowScanner) (Step, error) {
	var (
		st           Step
		at, reasons  string
		args, output []byte
	)
	err := r.Scan(&st.Seq, &st.CaseID, &at, &st.Actor, &st.Kind, &st.Ref, &st.Tool, &args,
		&st.Decision, &reasons, &st.PolicyVersion, &st.Status, &output, &st.Summary,
		&st.IdempotencyKey, &st.PrevHash, &st.Hash)
	if err != nil {
		return Step{}, err
	}
	if len(args) > 0 {
		st.Args = args
	}
	if len(output) > 0 {
		st.Output = output
	}

	if st.Time, err = parseTime(at); err != nil {
		return st, &decodeError{st.Seq, err}
	}
	if st.Reasons, err = decodeReasons(reasons); err != nil {
		return st, &decodeError{st.Seq, err}
	}
	return st, nil
}

// Steps returns a case's steps in chain order.
func (s *Store) Steps(ctx context.Context, caseID string) ([]Step, error) {
	return s.StepsAfter(ctx, caseID, 0)
}

// StepsAfter returns a case's steps whose seq is above after, in chain order:
// what a watcher has not seen yet.
func (s *Store) StepsAfter(ctx context.Context, caseID string, after int64) ([]Step, error) {
	var out []Step
	err := s.eachStep(ctx, `WHERE case_id = ? AND seq > ?`, []any{caseID, after},
		func(st Step) error {
			out = append(out, st)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("reading steps of %s: %w", caseID, err)
	}
	return out, nil
}

// eachStep calls fn for each step matching where, in seq order.
func (s *Store) eachStep(ctx context.Context, where string, args []any,
	fn func(Step) error) error {
	rows, err := s.db.QueryContext(ctx,
		`SELECT `+stepCols+` FROM steps `+where+` ORDER BY seq`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()

	for rows.Next() {
		st, err := scanStep(rows)
		if err != nil {
			return err
		}
		if err := fn(st); err != nil {
			return err
		}
	}
	return rows.Err()
}
