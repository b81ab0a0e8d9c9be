package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/conductor-sec/conductor/internal/finding"
)

// IngestResult says what [Store.PutFindings] did with one finding.
type IngestResult struct {
	// FindingID is the stored finding's id, the earlier one for a duplicate.
	FindingID string
	// Duplicate is set when the same source and raw bytes were stored before.
	Duplicate bool
	// Count is how many times the finding has now been seen.
	Count int
}

// prepared is one finding encoded before the write lock is taken.
type prepared struct {
	fp  []byte
	doc []byte
	f   *finding.Finding
}

// PutFindings stores a batch of findings in one transaction and returns one
// result per finding, in order. An exact duplicate ([finding.Finding.Fingerprint]
// already stored, in an earlier batch or earlier in this one) is not stored
// again: its count and last_seen go up. The findings' ID fields are ignored;
// the store assigns ids such as "FND-000123".
func (s *Store) PutFindings(ctx context.Context, fs []finding.Finding) ([]IngestResult, error) {
	ps, err := prepareFindings(fs)
	if err != nil {
		return nil, err
	}

	var out []IngestResult
	err = s.write(ctx, func(tx *sql.Tx) error {
		out, err = s.insertFindings(ctx, tx, ps)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// prepareFindings does the hashing and JSON encoding outside the write lock.
// The document leaves out the id (the row has it) and Raw (its own column).
func prepareFindings(fs []finding.Finding) ([]prepared, error) {
	ps := make([]prepared, len(fs))
	for i := range fs {
		f := fs[i]
		f.ID = ""
		doc, err := json.Marshal(&f)
		if err != nil {
			return nil, fmt.Errorf("encoding finding %d: %w", i, err)
		}
		fp, err := hex.DecodeString(f.Fingerprint())
		if err != nil {
			return nil, fmt.Errorf("decoding fingerprint: %w", err)
		}
		ps[i] = prepared{fp: fp, doc: doc, f: &fs[i]}
	}
	return ps, nil
}

// findingStmts are the statements one batch reuses.
type findingStmts struct {
	insert, bump *sql.Stmt
}

func prepareFindingStmts(ctx context.Context, tx *sql.Tx) (findingStmts, error) {
	ins, err := tx.PrepareContext(ctx, `INSERT INTO findings
		(fingerprint, source, rule_id, time, severity, title, count, first_seen,
		 last_seen, doc, raw)
		VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)
		ON CONFLICT (fingerprint) DO NOTHING`)
	if err != nil {
		return findingStmts{}, fmt.Errorf("preparing finding insert: %w", err)
	}
	bump, err := tx.PrepareContext(ctx, `UPDATE findings
		SET count = count + 1, last_seen = ?
		WHERE fingerprint = ? RETURNING num, count`)
	if err != nil {
		ins.Close()
		return findingStmts{}, fmt.Errorf("preparing finding update: %w", err)
	}
	return findingStmts{insert: ins, bump: bump}, nil
}

func (st findingStmts) close() {
	st.insert.Close()
	st.bump.Close()
}

// insertFindings writes ps inside tx.
func (s *Store) insertFindings(ctx context.Context, tx *sql.Tx, ps []prepared) (
	[]IngestResult, error) {
	st, err := prepareFindingStmts(ctx, tx)
	if err != nil {
		return nil, err
	}
	defer st.close()

	now := fmtTime(s.clock())
	out := make([]IngestResult, len(ps))
	for i, p := range ps {
		if out[i], err = st.put(ctx, p, now); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// put inserts one finding, or counts it again if it is a duplicate.
func (st findingStmts) put(ctx context.Context, p prepared, now string) (
	IngestResult, error) {
	f := p.f
	res, err := st.insert.ExecContext(ctx, p.fp, f.Source, f.RuleID, fmtTime(f.Time),
		string(f.Severity), f.Title, now, now, p.doc, nonNil(f.Raw))
	if err != nil {
		return IngestResult{}, fmt.Errorf("inserting finding: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		num, err2 := res.LastInsertId()
		return IngestResult{FindingID: findingID(num), Count: 1}, errors.Join(err, err2)
	}

	var num int64
	r := IngestResult{Duplicate: true}
	if err := st.bump.QueryRowContext(ctx, now, p.fp).Scan(&num, &r.Count); err != nil {
		return IngestResult{}, fmt.Errorf("counting duplicate finding: %w", err)
	}
	r.FindingID = findingID(num)
	return r, nil
}

// findingID formats a finding's number as its id.
func findingID(num int64) string { return formatID(prefixFinding, num) }

// findingNum parses a finding id; ok is false for anything that is not one.
func findingNum(id string) (num int64, ok bool) {
	digits, ok := strings.CutPrefix(id, prefixFinding+"-")
	if !ok {
		return 0, false
	}
	num, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || num <= 0 || findingID(num) != id {
		return 0, false
	}
	return num, true
}

// nonNil keeps an empty raw record a zero-length BLOB rather than NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// GetFinding returns one finding with its id and its raw bytes exactly as they
// were stored (an empty raw record comes back nil).
func (s *Store) GetFinding(ctx context.Context, id string) (finding.Finding, error) {
	num, ok := findingNum(id)
	if !ok {
		return finding.Finding{}, fmt.Errorf("finding %s: %w", id, ErrNotFound)
	}
	row := s.db.QueryRowContext(ctx, `SELECT num, doc, raw FROM findings WHERE num = ?`, num)
	f, err := scanFinding(row)
	if err != nil {
		return finding.Finding{}, notFound(err, "finding", id)
	}
	return f, nil
}

// CaseFindings returns the findings attached to a case, oldest event first.
func (s *Store) CaseFindings(ctx context.Context, caseID string) ([]finding.Finding, error) {
	fs, err := queryAll(ctx, s.db, scanFinding, `SELECT f.num, f.doc, f.raw
		FROM case_findings cf JOIN findings f ON f.num = cf.finding_num
		WHERE cf.case_id = ? ORDER BY f.time, f.num`, caseID)
	if err != nil {
		return nil, fmt.Errorf("listing findings of %s: %w", caseID, err)
	}
	return fs, nil
}

func scanFinding(r rowScanner) (finding.Finding, error) {
	var (
		f        finding.Finding
		num      int64
		doc, raw []byte
	)
	if err := r.Scan(&num, &doc, &raw); err != nil {
		return finding.Finding{}, err
	}

	if err := json.Unmarshal(doc, &f); err != nil {
		return finding.Finding{}, fmt.Errorf("decoding finding %s: %w", findingID(num), err)
	}
	f.ID = findingID(num)
	if len(raw) > 0 {
		f.Raw = raw // database/sql already copied it out of the driver's buffer.
	}
	return f, nil
}
