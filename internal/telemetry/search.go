package telemetry

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Result limits.
const (
	defaultLimit = 100
	maxLimit     = 10000
)

// Query is a search over the store.
type Query struct {
	// Text is a query in the language described in the package documentation; empty
	// matches every event.
	Text string

	// Limit caps the events returned; 0 means 100, and more than 10000 is cut to
	// 10000. Result.Total counts every match regardless.
	Limit int

	// Since (inclusive) and Until (exclusive) bound event time when set; events
	// whose time is unknown are then left out.
	Since, Until time.Time
}

// Event is one stored event.
type Event struct {
	ID      int64           `json:"id"`
	Time    time.Time       `json:"time,omitzero"` // zero when no time field could be read
	Host    string          `json:"host,omitempty"`
	Source  string          `json:"source,omitempty"`
	EventID string          `json:"event_id,omitempty"`
	Raw     json.RawMessage `json:"raw"`
}

// Result holds the newest matching events first, and how many matched in all.
// Its JSON is that of the REST API's GET /logs/search.
type Result struct {
	Total  int     `json:"total"`
	Events []Event `json:"events"`
}

// Search runs q. Invalid query text returns a [*QueryError].
func (s *Store) Search(ctx context.Context, q Query) (Result, error) {
	pq, err := ParseQuery(q.Text)
	if err != nil {
		return Result{}, err
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && q.Since.After(q.Until) {
		return Result{}, fmt.Errorf("%w: since %s is after until %s", ErrBadQuery,
			q.Since.Format(time.RFC3339), q.Until.Format(time.RFC3339))
	}

	where, args := buildWhere(pq, q.Since, q.Until)
	var res Result
	err = s.db.QueryRowContext(ctx, "SELECT count(*) FROM tel_events e WHERE "+where,
		args...).Scan(&res.Total)
	if err != nil {
		return Result{}, fmt.Errorf("counting events: %w", err)
	}
	if res.Total == 0 {
		return res, nil
	}

	res.Events, err = s.fetch(ctx, where, args, limit(q.Limit))
	if err != nil {
		return Result{}, err
	}
	return res, nil
}

// SearchString runs a search for the lab's siem.search tool, which wants only the
// total and the raw events.
func (s *Store) SearchString(ctx context.Context, q string, limit int, since, until time.Time) (
	int, []json.RawMessage, error,
) {
	res, err := s.Search(ctx, Query{Text: q, Limit: limit, Since: since, Until: until})
	if err != nil {
		return 0, nil, err
	}
	events := make([]json.RawMessage, len(res.Events))
	for i, e := range res.Events {
		events[i] = e.Raw
	}
	return res.Total, events, nil
}

func limit(n int) int {
	switch {
	case n <= 0:
		return defaultLimit
	case n > maxLimit:
		return maxLimit
	}
	return n
}

func (s *Store) fetch(ctx context.Context, where string, args []any, n int) ([]Event, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT e.id, e.time, e.host, e.source, e.event_id,
		e.raw FROM tel_events e WHERE `+where+` ORDER BY e.time DESC, e.id DESC LIMIT ?`,
		append(args, n)...)
	if err != nil {
		return nil, fmt.Errorf("searching events: %w", err)
	}
	defer rows.Close()

	var events []Event
	for rows.Next() {
		var e Event
		var ns sql.NullInt64
		var raw string
		if err := rows.Scan(&e.ID, &ns, &e.Host, &e.Source, &e.EventID, &raw); err != nil {
			return nil, fmt.Errorf("reading event: %w", err)
		}
		if ns.Valid {
			e.Time = time.Unix(0, ns.Int64).UTC()
		}
		e.Raw = json.RawMessage(raw)
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading events: %w", err)
	}
	return events, nil
}

// whereBuilder turns a ParsedQuery into SQL conditions over tel_events e. User text
// only ever travels as bound parameters; full-text terms are quoted FTS5 strings.
type whereBuilder struct {
	conds []string
	args  []any
	match []string // FTS5 expressions of all-positive full-text clauses, ANDed
}

func buildWhere(pq ParsedQuery, since, until time.Time) (string, []any) {
	var w whereBuilder
	for _, c := range pq.Clauses {
		w.clause(c)
	}
	if len(w.match) > 0 {
		w.add(ftsCond, strings.Join(w.match, " AND "))
	}
	if !since.IsZero() {
		w.add("e.time >= ?", since.UnixNano())
	}
	if !until.IsZero() {
		w.add("e.time < ?", until.UnixNano())
	}
	if len(w.conds) == 0 {
		return "1", nil
	}
	return strings.Join(w.conds, " AND "), w.args
}

func (w *whereBuilder) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// clause adds one OR group. Groups of plain full-text terms go into a single FTS5
// MATCH; anything with a negation or a filter becomes SQL, because FTS5 has no
// stand-alone NOT and cannot see fields.
func (w *whereBuilder) clause(c Clause) {
	if allPositiveText(c) {
		parts := make([]string, len(c.Terms))
		for i, t := range c.Terms {
			parts[i] = ftsPhrase(t)
		}
		w.match = append(w.match, "("+strings.Join(parts, " OR ")+")")
		return
	}

	parts := make([]string, len(c.Terms))
	var args []any
	for i, t := range c.Terms {
		cond, targs := termSQL(t)
		if t.Not {
			cond = "NOT (" + cond + ")"
		}
		parts[i] = cond
		args = append(args, targs...)
	}
	w.add("("+strings.Join(parts, " OR ")+")", args...)
}

func allPositiveText(c Clause) bool {
	for _, t := range c.Terms {
		if t.Kind != TermText || t.Not {
			return false
		}
	}
	return true
}

const (
	ftsCond   = "e.id IN (SELECT rowid FROM tel_fts WHERE tel_fts MATCH ?)"
	fieldCond = "e.id IN (SELECT event FROM tel_fields WHERE key = ?"
)

// columnSQL maps column names to SQL, so a column name reaching SQL is never text
// taken from a Term.
var columnSQL = map[string]string{"host": "e.host", "source": "e.source",
	"event_id": "e.event_id", "event_type": "e.event_type"}

// termSQL returns the condition for t, ignoring t.Not.
func termSQL(t Term) (string, []any) {
	value := strings.ToLower(t.Value)
	col, isCol := columnSQL[t.Field]
	switch {
	case t.Kind == TermText:
		return ftsCond, []any{ftsPhrase(t)}
	case t.Kind == TermColumn && !isCol:
		return "0", nil
	case t.Kind == TermColumn && t.Prefix && value == "":
		return col + " <> ''", nil
	case t.Kind == TermColumn && t.Prefix:
		return col + ` LIKE ? ESCAPE '\'`, []any{likePrefix(value)}
	case t.Kind == TermColumn:
		return col + " = ?", []any{t.Value}
	case t.Prefix && value == "":
		return fieldCond + ")", []any{t.Field}
	case t.Prefix:
		// A prefix longer than the indexed part of a value is compared by what the
		// index holds (see indexValue).
		p := cutRunes(value, maxIndexedValue-utf8.UTFMax)
		return fieldCond + " AND value >= ? AND value < ?)", []any{t.Field, p, prefixEnd(p)}
	}
	return fieldCond + " AND value = ?)", []any{t.Field, indexValue(value)}
}

// ftsPhrase renders a full-text term as an FTS5 string, the one FTS5 syntax in
// which every character is literal (a quote is written twice).
func ftsPhrase(t Term) string {
	p := `"` + strings.ReplaceAll(t.Value, `"`, `""`) + `"`
	if t.Prefix {
		p += "*"
	}
	return p
}

// likePrefix escapes LIKE's wildcards in a prefix.
func likePrefix(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s) + "%"
}

// prefixEnd returns the least string greater than every string starting with p, for
// a range scan of the (key, value) index. The last byte of valid UTF-8 is below
// 0xC0, so adding one cannot overflow.
func prefixEnd(p string) string {
	b := []byte(p)
	b[len(b)-1]++
	return string(b)
}
