package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"
)

// keyChunk bounds the placeholders of one query, far below SQLite's limit;
// longer key lists are queried in chunks and merged in Go.
const keyChunk = 500

// AttachFindings links stored findings to a case. Attaching a finding twice is
// a no-op; an unknown case or finding is [ErrNotFound] and attaches nothing.
func (s *Store) AttachFindings(ctx context.Context, caseID string, findingIDs []string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := caseExists(ctx, tx, caseID); err != nil {
			return err
		}

		stmt, err := tx.PrepareContext(ctx, `INSERT INTO case_findings
			(case_id, finding_num, attached_at) VALUES (?, ?, ?)
			ON CONFLICT DO NOTHING`)
		if err != nil {
			return fmt.Errorf("attaching findings: %w", err)
		}
		defer stmt.Close()

		now := fmtTime(s.clock())
		for _, id := range findingIDs {
			num, ok := findingNum(id)
			if !ok {
				return fmt.Errorf("attaching finding %s: %w", id, ErrNotFound)
			}
			_, err := stmt.ExecContext(ctx, caseID, num, now)
			if isForeignKey(err) {
				return fmt.Errorf("attaching finding %s: %w", id, ErrNotFound)
			}
			if err != nil {
				return fmt.Errorf("attaching finding %s to %s: %w", id, caseID, err)
			}
		}
		return nil
	})
}

func caseExists(ctx context.Context, tx *sql.Tx, caseID string) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM cases WHERE id = ?`, caseID).Scan(&one)
	if err != nil {
		return notFound(err, "case", caseID)
	}
	return nil
}

// IndexEntities records that a case saw the entity keys ("kind:value", see
// finding.Observable.Key) at seen; a zero seen means now. A key seen again
// keeps its latest time.
func (s *Store) IndexEntities(ctx context.Context, caseID string, keys []string,
	seen time.Time) error {
	if seen.IsZero() {
		seen = s.clock()
	}
	at := fmtTime(seen)

	return s.write(ctx, func(tx *sql.Tx) error {
		if err := caseExists(ctx, tx, caseID); err != nil {
			return err
		}

		stmt, err := tx.PrepareContext(ctx, `INSERT INTO case_entities
			(key, case_id, first_seen, last_seen) VALUES (?, ?, ?, ?)
			ON CONFLICT (key, case_id) DO UPDATE SET
			first_seen = min(first_seen, excluded.first_seen),
			last_seen = max(last_seen, excluded.last_seen)`)
		if err != nil {
			return fmt.Errorf("indexing entities of %s: %w", caseID, err)
		}
		defer stmt.Close()

		for _, k := range uniqueKeys(keys) {
			if _, err := stmt.ExecContext(ctx, k, caseID, at, at); err != nil {
				return fmt.Errorf("indexing entity of %s: %w", caseID, err)
			}
		}
		return nil
	})
}

// uniqueKeys returns keys sorted, without duplicates and empty strings.
func uniqueKeys(keys []string) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if k != "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)

	n := 0
	for i, k := range out {
		if i == 0 || k != out[n-1] {
			out[n] = k
			n++
		}
	}
	return out[:n]
}

// placeholders returns "?, ?, …" for n parameters and the keys as arguments.
func placeholders(keys []string) (string, []any) {
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(keys)), ", "), args
}

// chunks splits keys into slices of at most keyChunk.
func chunks(keys []string) [][]string {
	var out [][]string
	for len(keys) > keyChunk {
		out = append(out, keys[:keyChunk])
		keys = keys[keyChunk:]
	}
	if len(keys) > 0 {
		out = append(out, keys)
	}
	return out
}

// openMatch is one candidate of [Store.FindOpenCase].
type openMatch struct {
	id       string
	shared   int
	lastSeen string
	seq      int64
}

// FindOpenCase returns the case, not closed, that shares the most keys seen at
// or after since. Ties go to the case that saw a shared key most recently, then
// to the newest case. ok is false when no open case shares a key.
func (s *Store) FindOpenCase(ctx context.Context, keys []string, since time.Time) (
	id string, ok bool, err error) {
	byCase := map[string]*openMatch{}
	for _, chunk := range chunks(uniqueKeys(keys)) {
		if err := s.openMatches(ctx, chunk, since, byCase); err != nil {
			return "", false, err
		}
	}

	var best *openMatch
	for _, m := range byCase {
		if best == nil || betterOpen(m, best) {
			best = m
		}
	}
	if best == nil {
		return "", false, nil
	}
	return best.id, true, nil
}

func betterOpen(a, b *openMatch) bool {
	if a.shared != b.shared {
		return a.shared > b.shared
	}
	if a.lastSeen != b.lastSeen {
		return a.lastSeen > b.lastSeen
	}
	return a.seq > b.seq
}

// openMatches adds to byCase the open cases sharing keys seen since.
func (s *Store) openMatches(ctx context.Context, keys []string, since time.Time,
	byCase map[string]*openMatch) error {
	in, args := placeholders(keys)
	args = append(args, fmtTime(since), StateClosed)
	rows, err := s.db.QueryContext(ctx, `SELECT e.case_id, count(*), max(e.last_seen), c.seq
		FROM case_entities e JOIN cases c ON c.id = e.case_id
		WHERE e.key IN (`+in+`) AND e.last_seen >= ? AND c.state != ?
		GROUP BY e.case_id`, args...)
	if err != nil {
		return fmt.Errorf("finding open case: %w", err)
	}
	defer rows.Close()

	for rows.Next() {
		var m openMatch
		if err := rows.Scan(&m.id, &m.shared, &m.lastSeen, &m.seq); err != nil {
			return fmt.Errorf("finding open case: %w", err)
		}
		if prev := byCase[m.id]; prev != nil {
			m.shared += prev.shared
			m.lastSeen = max(m.lastSeen, prev.lastSeen)
		}
		byCase[m.id] = &m
	}
	return rows.Err()
}

// Related is another case that shares entities with the one at hand.
type Related struct {
	CaseID, Title string
	// Verdict is the analyst's verdict when one was given, else the case's.
	Verdict string
	// Shared are the shared entity keys, sorted.
	Shared []string
}

// relatedMatch is one candidate of [Store.RelatedCases].
type relatedMatch struct {
	Related
	seq int64
}

// RelatedCases returns other cases, in any state, that share any of keys, the
// most shared keys first, then the newest; at most limit (10 when limit <= 0).
// With no keys, the case's own indexed keys are used.
func (s *Store) RelatedCases(ctx context.Context, caseID string, keys []string,
	limit int) ([]Related, error) {
	if limit <= 0 {
		limit = 10
	}
	if len(keys) == 0 {
		var err error
		if keys, err = s.CaseKeys(ctx, caseID); err != nil {
			return nil, err
		}
	}

	byCase := map[string]*relatedMatch{}
	for _, chunk := range chunks(uniqueKeys(keys)) {
		if err := s.related(ctx, caseID, chunk, byCase); err != nil {
			return nil, err
		}
	}
	return rankRelated(byCase, limit), nil
}

func rankRelated(byCase map[string]*relatedMatch, limit int) []Related {
	ms := make([]*relatedMatch, 0, len(byCase))
	for _, m := range byCase {
		sort.Strings(m.Shared)
		ms = append(ms, m)
	}
	sort.Slice(ms, func(i, j int) bool {
		if len(ms[i].Shared) != len(ms[j].Shared) {
			return len(ms[i].Shared) > len(ms[j].Shared)
		}
		return ms[i].seq > ms[j].seq
	})

	out := make([]Related, 0, min(limit, len(ms)))
	for _, m := range ms[:min(limit, len(ms))] {
		out = append(out, m.Related)
	}
	return out
}

// related adds to byCase the cases other than caseID sharing keys.
func (s *Store) related(ctx context.Context, caseID string, keys []string,
	byCase map[string]*relatedMatch) error {
	in, args := placeholders(keys)
	args = append(args, caseID)
	rows, err := s.db.QueryContext(ctx, `SELECT e.case_id, e.key, c.seq, c.title,
		CASE WHEN c.analyst_verdict != '' THEN c.analyst_verdict ELSE c.verdict END
		FROM case_entities e JOIN cases c ON c.id = e.case_id
		WHERE e.key IN (`+in+`) AND e.case_id != ?`, args...)
	if err != nil {
		return fmt.Errorf("finding related cases: %w", err)
	}
	defer rows.Close()

	for rows.Next() {
		var (
			r   relatedMatch
			key string
		)
		if err := rows.Scan(&r.CaseID, &key, &r.seq, &r.Title, &r.Verdict); err != nil {
			return fmt.Errorf("finding related cases: %w", err)
		}
		if byCase[r.CaseID] == nil {
			byCase[r.CaseID] = &r
		}
		byCase[r.CaseID].Shared = append(byCase[r.CaseID].Shared, key)
	}
	return rows.Err()
}

// CaseKeys returns the entity keys indexed for a case, sorted.
func (s *Store) CaseKeys(ctx context.Context, caseID string) ([]string, error) {
	keys, err := queryAll(ctx, s.db, scanString,
		`SELECT key FROM case_entities WHERE case_id = ? ORDER BY key`, caseID)
	if err != nil {
		return nil, fmt.Errorf("reading keys of %s: %w", caseID, err)
	}
	return keys, nil
}

func scanString(r rowScanner) (string, error) {
	var s string
	err := r.Scan(&s)
	return s, err
}
