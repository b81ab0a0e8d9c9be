package telemetry

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind int

const (
	tokTerm tokKind = iota
	tokOr
	tokAnd
	tokNot
)

type token struct {
	kind tokKind
	pos  int
	text string
	term Term
}

// lexer splits a query into terms and the keywords OR, AND and NOT.
type lexer struct {
	q string
	i int
}

func lex(q string) ([]token, error) {
	l := &lexer{q: q}
	var toks []token
	for {
		l.skipSpace()
		if l.i >= len(q) {
			return toks, nil
		}
		tok, err := l.next()
		if err != nil {
			return nil, err
		}
		toks = append(toks, tok)
	}
}

func (l *lexer) skipSpace() {
	for l.i < len(l.q) {
		r, size := utf8.DecodeRuneInString(l.q[l.i:])
		if !unicode.IsSpace(r) {
			return
		}
		l.i += size
	}
}

// word returns the run of non-space characters from offset i.
func (l *lexer) word(i int) string {
	end := strings.IndexFunc(l.q[i:], unicode.IsSpace)
	if end < 0 {
		return l.q[i:]
	}
	return l.q[i : i+end]
}

var keywords = map[string]tokKind{"OR": tokOr, "AND": tokAnd, "NOT": tokNot}

func (l *lexer) next() (token, error) {
	start := l.i
	w := l.word(start)
	if kind, ok := keywords[w]; ok {
		l.i += len(w)
		return token{kind: kind, pos: start, text: w}, nil
	}

	term, err := l.term()
	if err != nil {
		return token{}, err
	}
	return token{kind: tokTerm, pos: start, text: l.q[start:l.i], term: term}, nil
}

func (l *lexer) term() (Term, error) {
	var t Term
	if l.q[l.i] == '-' {
		if l.i+1 == len(l.q) || strings.TrimSpace(l.q[l.i+1:l.i+2]) == "" {
			return t, l.errAt(l.i, "-", "a lone - negates nothing",
				"write -word to exclude a word, or remove the -")
		}
		t.Not = true
		l.i++
	}

	if l.q[l.i] == '"' {
		return l.quotedText(t)
	}
	if name, ok := l.fieldName(); ok {
		return l.fieldTerm(t, name)
	}
	return l.wordTerm(t)
}

// fieldName reads "name:" if one starts here. A URL's "scheme://" and a Windows
// path's "C:\" are words, not fields.
func (l *lexer) fieldName() (string, bool) {
	i := l.i
	for i < len(l.q) && isFieldByte(l.q[i], i == l.i) {
		i++
	}
	if i == l.i || i >= len(l.q) || l.q[i] != ':' || strings.HasPrefix(l.q[i:], "://") {
		return "", false
	}
	if i-l.i == 1 && strings.HasPrefix(l.q[i:], `:\`) {
		return "", false
	}
	name := l.q[l.i:i]
	l.i = i + 1
	return name, true
}

func isFieldByte(c byte, first bool) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c == '@':
		return true
	case c >= '0' && c <= '9', c == '.':
		return !first
	}
	return false
}

func (l *lexer) quotedText(t Term) (Term, error) {
	start := l.i
	v, err := l.quoted()
	if err != nil {
		return t, err
	}
	t.Kind, t.Value, t.Prefix = TermText, v, l.star()
	if err := l.mustEnd(start); err != nil {
		return t, err
	}
	return t, l.checkText(start, t.Value)
}

func (l *lexer) fieldTerm(t Term, name string) (Term, error) {
	start := l.i
	t.Kind, t.Field = TermField, strings.ToLower(name)
	if columns[t.Field] {
		t.Kind = TermColumn
	}

	var err error
	if l.i < len(l.q) && l.q[l.i] == '"' {
		t.Value, err = l.quoted()
		if err == nil {
			t.Prefix = l.star()
			err = l.mustEnd(start)
		}
	} else {
		t.Value, t.Prefix, err = l.bare(start)
	}
	if err != nil {
		return t, err
	}
	if t.Value == "" && !t.Prefix {
		return t, l.errAt(start-len(name)-1, name+":", "the field has no value",
			"write "+name+":VALUE, "+name+`:"a value" or `+name+":* for any value")
	}
	return t, nil
}

func (l *lexer) wordTerm(t Term) (Term, error) {
	start := l.i
	v, prefix, err := l.bare(start)
	if err != nil {
		return t, err
	}
	t.Kind, t.Value, t.Prefix = TermText, v, prefix
	return t, l.checkText(start, v)
}

// bare reads an unquoted value up to the next space; a final * makes it a prefix.
func (l *lexer) bare(start int) (string, bool, error) {
	w := l.word(start)
	l.i = start + len(w)
	if strings.ContainsRune(w, '"') {
		return "", false, l.errAt(start, w, "a quote inside a word",
			`quote the whole value ("like this"), and write "" for a quote inside quotes`)
	}
	v, prefix := strings.CutSuffix(w, "*")
	if strings.ContainsRune(v, '*') {
		return "", false, l.errAt(start, w, "* is only allowed at the end",
			`use a prefix like word*, or quote the value to search for a literal *`)
	}
	return v, prefix, nil
}

// quoted reads a quoted string starting at l.i; "" inside stands for one quote.
func (l *lexer) quoted() (string, error) {
	start := l.i
	var b strings.Builder
	for i := start + 1; i < len(l.q); i++ {
		if l.q[i] != '"' {
			b.WriteByte(l.q[i])
			continue
		}
		if i+1 < len(l.q) && l.q[i+1] == '"' {
			b.WriteByte('"')
			i++
			continue
		}
		l.i = i + 1
		return b.String(), nil
	}
	return "", l.errAt(start, l.q[start:], "unbalanced quote",
		`add the closing " (inside quotes write "" for a literal quote)`)
}

func (l *lexer) star() bool {
	if l.i < len(l.q) && l.q[l.i] == '*' {
		l.i++
		return true
	}
	return false
}

// mustEnd checks that a quoted value is followed by a space or the end.
func (l *lexer) mustEnd(start int) error {
	if l.i == len(l.q) {
		return nil
	}
	if r, _ := utf8.DecodeRuneInString(l.q[l.i:]); unicode.IsSpace(r) {
		return nil
	}
	return l.errAt(start, l.q[start:l.i+1], "text right after a closing quote",
		`add a space after the quote (or * for a prefix), or write "" for a literal quote`)
}

func (l *lexer) checkText(start int, v string) error {
	if v == "" {
		return l.errAt(start, l.q[start:l.i], "an empty search term",
			"remove it, or give a word to search for")
	}
	if !hasToken(v) {
		return l.errAt(start, l.q[start:l.i], "the term has no letters or digits to search for",
			"full-text terms match words; use field:value to match punctuation exactly")
	}
	return nil
}

func (l *lexer) errAt(pos int, tok, problem, fix string) *QueryError {
	const maxTok = 60
	if len(tok) > maxTok {
		tok = strings.ToValidUTF8(tok[:maxTok], "") + "…"
	}
	return &QueryError{Pos: pos, Token: tok, Problem: problem, Fix: fix}
}
