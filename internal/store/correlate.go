package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/conductor-sec/conductor/internal/finding"
)

// CorrelateItem is one finding with the entity keys that may join it to a
// case ("kind:value"; the caller chooses which entities count).
type CorrelateItem struct {
	Finding finding.Finding
	Keys    []string
}

// CorrelateOptions tunes [Store.Correlate].
type CorrelateOptions struct {
	// Window is how far before a finding's time a shared entity must have been
	// seen for the finding to join that case.
	Window time.Duration
	// Now stamps findings without a time of their own.
	Now time.Time
	// Actor names who recorded the ingest steps.
	Actor string
}

// Assignment says where one finding went.
type Assignment struct {
	FindingID string
	CaseID    string
	NewCase   bool
	Duplicate bool
	Count     int
}

// caseHit is an open case known to have seen an entity, and when.
type caseHit struct {
	caseID   string
	lastSeen string
}

// batch is the in-transaction state of one Correlate call: the entity index
// for this batch's keys, kept current as findings join or open cases, so one
// query serves the whole batch.
type batch struct {
	tx      *sql.Tx
	opts    CorrelateOptions
	index   map[string][]caseHit
	seq     int64
	head    string
	entStmt *sql.Stmt
	attStmt *sql.Stmt
	stepSt  *sql.Stmt
	// placed collects, per case in order of first touch, the findings this
	// batch put there; one ingest step per case records them.
	placed []*placement
	byCase map[string]*placement
	// seen holds the first and last sighting of each (key, case) in the batch.
	seen      map[entSeen][2]string
	seenOrder []entSeen
}

// placement is what one batch did to one case.
type placement struct {
	caseID   string
	opened   bool
	findings []string
	sources  []string
	title    string
}

// Correlate stores findings and places each in a case, in one transaction: an
// exact duplicate raises its count and stays where it is; a new finding joins
// the open case sharing the most of its keys seen within the window before
// its time, or opens a new case. Each placement is a step on the chain.
func (s *Store) Correlate(ctx context.Context, items []CorrelateItem,
	opts CorrelateOptions) ([]Assignment, error) {
	fs := make([]finding.Finding, len(items))
	for i := range items {
		fs[i] = items[i].Finding
		if fs[i].Time.IsZero() {
			fs[i].Time = opts.Now
		}
	}
	ps, err := prepareFindings(fs)
	if err != nil {
		return nil, err
	}

	var out []Assignment
	err = s.write(ctx, func(tx *sql.Tx) error {
		out, err = s.correlate(ctx, tx, items, fs, ps, opts)
		return err
	})
	return out, err
}

func (s *Store) correlate(ctx context.Context, tx *sql.Tx, items []CorrelateItem,
	fs []finding.Finding, ps []prepared, opts CorrelateOptions) ([]Assignment, error) {
	res, err := s.insertFindings(ctx, tx, ps)
	if err != nil {
		return nil, err
	}
	b, err := s.newBatch(ctx, tx, items, opts)
	if err != nil {
		return nil, err
	}
	defer b.close()

	out := make([]Assignment, len(items))
	for i, r := range res {
		out[i] = Assignment{FindingID: r.FindingID, Duplicate: r.Duplicate, Count: r.Count}
		if r.Duplicate {
			out[i].CaseID, err = caseOfFinding(ctx, tx, r.FindingID)
		} else {
			err = s.place(ctx, b, &out[i], &fs[i], items[i].Keys)
		}
		if err != nil {
			return nil, err
		}
	}
	if err := b.flushIndex(ctx); err != nil {
		return nil, err
	}
	for _, p := range b.placed {
		if err := b.step(ctx, s, p); err != nil {
			return nil, err
		}
	}
	return out, b.saveHead(ctx)
}

func (s *Store) newBatch(ctx context.Context, tx *sql.Tx, items []CorrelateItem,
	opts CorrelateOptions) (*batch, error) {
	b := &batch{tx: tx, opts: opts, index: map[string][]caseHit{},
		byCase: map[string]*placement{}, seen: map[entSeen][2]string{}}
	var all []string
	for _, it := range items {
		all = append(all, it.Keys...)
	}
	for _, chunk := range chunks(uniqueKeys(all)) {
		if err := b.load(ctx, chunk); err != nil {
			return nil, err
		}
	}

	var err error
	if b.seq, b.head, err = chainHead(ctx, tx); err != nil {
		return nil, err
	}
	if b.entStmt, err = tx.PrepareContext(ctx, `INSERT INTO case_entities
		(key, case_id, first_seen, last_seen) VALUES (?, ?, ?, ?)
		ON CONFLICT (key, case_id) DO UPDATE SET
		first_seen = min(first_seen, excluded.first_seen),
		last_seen = max(last_seen, excluded.last_seen)`); err != nil {
		return nil, fmt.Errorf("preparing entity index: %w", err)
	}
	if b.attStmt, err = tx.PrepareContext(ctx, `INSERT INTO case_findings
		(case_id, finding_num, attached_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`); err != nil {
		return nil, fmt.Errorf("preparing attach: %w", err)
	}
	b.stepSt, err = tx.PrepareContext(ctx, `INSERT INTO steps (seq, case_id, time, actor,
		kind, ref, tool, args, decision, reasons, policy_version, status, output, summary,
		idempotency_key, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return nil, fmt.Errorf("preparing step insert: %w", err)
	}
	return b, nil
}

// load reads the open cases that saw any of keys into the batch index.
func (b *batch) load(ctx context.Context, keys []string) error {
	in, args := placeholders(keys)
	args = append(args, StateClosed)
	rows, err := b.tx.QueryContext(ctx, `SELECT e.key, e.case_id, e.last_seen
		FROM case_entities e JOIN cases c ON c.id = e.case_id
		WHERE e.key IN (`+in+`) AND c.state != ?`, args...)
	if err != nil {
		return fmt.Errorf("loading correlation index: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var h caseHit
		if err := rows.Scan(&k, &h.caseID, &h.lastSeen); err != nil {
			return fmt.Errorf("loading correlation index: %w", err)
		}
		b.index[k] = append(b.index[k], h)
	}
	return rows.Err()
}

func (b *batch) close() {
	for _, st := range []*sql.Stmt{b.entStmt, b.attStmt, b.stepSt} {
		if st != nil {
			st.Close()
		}
	}
}

// best picks the open case sharing the most keys seen at or after since; ties
// go to the most recent sighting.
func (b *batch) best(keys []string, since string) string {
	shared := map[string]int{}
	latest := map[string]string{}
	for _, k := range uniqueKeys(keys) {
		for _, h := range b.index[k] {
			if h.lastSeen < since {
				continue
			}
			shared[h.caseID]++
			latest[h.caseID] = max(latest[h.caseID], h.lastSeen)
		}
	}
	best := ""
	for id, n := range shared {
		if best == "" || n > shared[best] || (n == shared[best] && latest[id] > latest[best]) ||
			(n == shared[best] && latest[id] == latest[best] && id > best) {
			best = id
		}
	}
	return best
}

// place puts one new finding in a case and records the step.
func (s *Store) place(ctx context.Context, b *batch, a *Assignment, f *finding.Finding,
	keys []string) error {
	since := fmtTime(f.Time.Add(-b.opts.Window))
	a.CaseID = b.best(keys, since)
	if a.CaseID == "" {
		c := Case{Title: f.Title, State: StateNew, Severity: string(f.Severity),
			Sources: []string{f.Source}, Techniques: f.Techniques}
		if err := s.createCase(ctx, b.tx, &c); err != nil {
			return err
		}
		a.CaseID, a.NewCase = c.ID, true
	}

	num, _ := findingNum(a.FindingID)
	now := fmtTime(s.clock())
	if _, err := b.attStmt.ExecContext(ctx, a.CaseID, num, now); err != nil {
		return fmt.Errorf("attaching %s to %s: %w", a.FindingID, a.CaseID, err)
	}
	b.indexKeys(a.CaseID, keys, fmtTime(f.Time))
	b.note(a, f)
	return nil
}

// note remembers a placement for the batch's ingest step of that case.
func (b *batch) note(a *Assignment, f *finding.Finding) {
	p := b.byCase[a.CaseID]
	if p == nil {
		p = &placement{caseID: a.CaseID, opened: a.NewCase, title: f.Title}
		b.byCase[a.CaseID] = p
		b.placed = append(b.placed, p)
	}
	p.findings = append(p.findings, a.FindingID)
	if !slices.Contains(p.sources, f.Source) {
		p.sources = append(p.sources, f.Source)
	}
}

// indexKeys records, in memory, that caseID saw keys at; flushIndex writes
// each (key, case) pair once per batch, however many findings repeat it.
func (b *batch) indexKeys(caseID string, keys []string, at string) {
	for _, k := range uniqueKeys(keys) {
		seen := entSeen{key: k, caseID: caseID}
		if r, ok := b.seen[seen]; ok {
			b.seen[seen] = [2]string{min(r[0], at), max(r[1], at)}
		} else {
			b.seen[seen] = [2]string{at, at}
			b.seenOrder = append(b.seenOrder, seen)
		}
		hits := b.index[k]
		found := false
		for i := range hits {
			if hits[i].caseID == caseID {
				hits[i].lastSeen, found = max(hits[i].lastSeen, at), true
			}
		}
		if !found {
			b.index[k] = append(hits, caseHit{caseID: caseID, lastSeen: at})
		}
	}
}

// entSeen is one (entity key, case) pair of the correlation index.
type entSeen struct{ key, caseID string }

// flushIndex writes the batch's sightings to the correlation index.
func (b *batch) flushIndex(ctx context.Context) error {
	for _, e := range b.seenOrder {
		r := b.seen[e]
		if _, err := b.entStmt.ExecContext(ctx, e.key, e.caseID, r[0], r[1]); err != nil {
			return fmt.Errorf("indexing entity of %s: %w", e.caseID, err)
		}
	}
	return nil
}

// step appends one ingest step to the chain for the findings a batch put in
// one case: a burst of alerts is one record per case, not one per alert.
func (b *batch) step(ctx context.Context, s *Store, p *placement) error {
	verb := "joined"
	if p.opened {
		verb = "opened"
	}
	ids := p.findings
	more := ""
	if len(ids) > 20 {
		ids, more = ids[:20], fmt.Sprintf(" and %d more", len(p.findings)-20)
	}
	st := Step{
		Seq: b.seq + 1, CaseID: p.caseID, Time: s.clock(), Actor: b.opts.Actor,
		Kind: "finding", Ref: p.findings[0], Status: "done", PrevHash: b.head,
		Summary: fmt.Sprintf("%d %s finding(s) %s the case: %s%s; first: %s",
			len(p.findings), strings.Join(p.sources, ","), verb, strings.Join(ids, ", "),
			more, p.title),
	}
	st.Hash = StepHash(&st)
	_, err := b.stepSt.ExecContext(ctx, st.Seq, st.CaseID, fmtTime(st.Time), st.Actor,
		st.Kind, st.Ref, st.Tool, blob(st.Args), st.Decision, encodeReasons(st.Reasons),
		st.PolicyVersion, st.Status, blob(st.Output), st.Summary, st.IdempotencyKey,
		st.PrevHash, st.Hash)
	if err != nil {
		return fmt.Errorf("appending ingest step: %w", err)
	}
	b.seq, b.head = st.Seq, st.Hash
	return nil
}

func (b *batch) saveHead(ctx context.Context) error {
	_, err := b.tx.ExecContext(ctx, `INSERT INTO chain_head (id, seq, hash) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`,
		b.seq, b.head)
	if err != nil {
		return fmt.Errorf("moving chain head: %w", err)
	}
	return nil
}

// caseOfFinding returns the case a stored finding belongs to, the newest when
// several.
func caseOfFinding(ctx context.Context, tx *sql.Tx, findingID string) (string, error) {
	num, ok := findingNum(findingID)
	if !ok {
		return "", fmt.Errorf("finding %s: %w", findingID, ErrNotFound)
	}
	var id string
	err := tx.QueryRowContext(ctx, `SELECT cf.case_id FROM case_findings cf
		JOIN cases c ON c.id = cf.case_id WHERE cf.finding_num = ?
		ORDER BY c.seq DESC LIMIT 1`, num).Scan(&id)
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("finding the case of %s: %w", findingID, err)
	}
	return id, nil
}

// createCase inserts a new case inside tx, setting its ID and times.
func (s *Store) createCase(ctx context.Context, tx *sql.Tx, c *Case) error {
	n, err := nextSeq(tx, prefixCase)
	if err != nil {
		return err
	}
	now := s.clock()
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now
	}
	c.ID, c.UpdatedAt = formatID(prefixCase, n), now
	closeTime(c, now)

	_, err = tx.ExecContext(ctx, `INSERT INTO cases (id, seq, created_at, state,
		updated_at) VALUES (?, ?, ?, '', '')`, c.ID, n, fmtTime(c.CreatedAt))
	if err != nil {
		return fmt.Errorf("creating case: %w", err)
	}
	return updateCase(ctx, tx, c)
}
