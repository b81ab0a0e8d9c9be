package telemetry

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits that keep one query from building an unbounded SQL statement.
const (
	maxQueryBytes = 4096
	maxQueryTerms = 64
)

// TermKind says what a [Term] matches against.
type TermKind int

// The kinds of term.
const (
	// TermText is a full-text word or phrase.
	TermText TermKind = iota
	// TermField filters on a flattened field of the raw event.
	TermField
	// TermColumn filters on a derived column: host, source, event_id, event_type.
	TermColumn
)

// columns are the field names that map to derived, indexed columns.
var columns = map[string]bool{"host": true, "source": true, "event_id": true,
	"event_type": true}

// Term is one condition of a query.
type Term struct {
	Kind TermKind

	// Field is the lower-cased field path (TermField) or column name (TermColumn).
	Field string

	// Value is the word, phrase or field value as written, without quotes.
	Value string

	// Prefix makes the last token (text) or the value (fields) match as a prefix.
	Prefix bool

	// Not negates the term.
	Not bool
}

// Clause is a set of terms joined by OR.
type Clause struct {
	Terms []Term
}

// ParsedQuery is a query in conjunctive normal form: every clause must match.
// An empty ParsedQuery matches every event.
type ParsedQuery struct {
	Clauses []Clause
}

// ParseQuery parses the query language described in the package documentation.
// Errors are [*QueryError] values wrapping [ErrBadQuery].
func ParseQuery(q string) (ParsedQuery, error) {
	if err := checkQueryText(q); err != nil {
		return ParsedQuery{}, err
	}
	toks, err := lex(q)
	if err != nil {
		return ParsedQuery{}, err
	}
	return assemble(toks)
}

func checkQueryText(q string) error {
	switch {
	case len(q) > maxQueryBytes:
		return &QueryError{Pos: maxQueryBytes, Token: q[:20] + "…",
			Problem: "query is longer than 4096 bytes", Fix: "search for fewer terms"}
	case !utf8.ValidString(q):
		return &QueryError{Token: q, Problem: "query is not valid UTF-8",
			Fix: "send the query as UTF-8 text"}
	case strings.IndexByte(q, 0) >= 0:
		return &QueryError{Pos: strings.IndexByte(q, 0), Token: `\x00`,
			Problem: "query contains a NUL byte", Fix: "remove it"}
	}
	return nil
}

// String renders q in a form ParseQuery reads back to the same ParsedQuery.
func (q ParsedQuery) String() string {
	parts := make([]string, len(q.Clauses))
	for i, c := range q.Clauses {
		parts[i] = c.String()
	}
	return strings.Join(parts, " ")
}

// String renders the clause's terms joined by OR.
func (c Clause) String() string {
	parts := make([]string, len(c.Terms))
	for i, t := range c.Terms {
		parts[i] = t.String()
	}
	return strings.Join(parts, " OR ")
}

// String renders the term with its value always quoted.
func (t Term) String() string {
	var b strings.Builder
	if t.Not {
		b.WriteByte('-')
	}
	if t.Kind != TermText {
		b.WriteString(t.Field)
		b.WriteByte(':')
	}
	b.WriteString(quote(t.Value))
	if t.Prefix {
		b.WriteByte('*')
	}
	return b.String()
}

// quote writes s in the query language's quotes, doubling quotes inside.
func quote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// hasToken reports whether s holds a letter or digit, the characters the full-text
// index is built from; a term without any could never match.
func hasToken(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsLetter(r) || unicode.IsNumber(r)
	}) >= 0
}
