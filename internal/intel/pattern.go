package intel

import (
	"fmt"
	"strings"
)

// Comparison is one comparison expression of a STIX pattern, such as
// ipv4-addr:value = '198.51.100.3'.
type Comparison struct {
	// Object is the cyber-observable type: "ipv4-addr", "file", "url".
	Object string `json:"object"`
	// Path is the property path with quotes removed where they only guarded
	// a hyphen: "value", "hashes.SHA-256", "body_multipart[*].body_raw_ref.name".
	Path string `json:"path"`
	// Operator is "=", "!=", "<", "<=", ">", ">=", "IN", "LIKE", "MATCHES",
	// "ISSUBSET", "ISSUPERSET" or "EXISTS", upper case.
	Operator string `json:"operator"`
	// Negated is set by NOT before the operator.
	Negated bool `json:"negated,omitempty"`
	// Values are the constants, unquoted and unescaped: one for most
	// operators, several for IN, none for EXISTS. Typed literals keep their
	// prefix: t'2016-01-01T00:00:00Z'.
	Values []string `json:"values,omitempty"`
}

// maxPatternLen and maxDepth bound the work one hostile pattern can cause.
const (
	maxPatternLen = 1 << 20
	maxDepth      = 64
)

// ParsePattern parses a STIX 2.1 pattern and returns every comparison in it,
// in order, whatever AND, OR, FOLLOWEDBY or qualifiers join them. It
// follows the STIX patterning grammar, with two leniencies seen in real
// feeds: keywords in any case, and hyphens in unquoted property names
// (hashes.SHA-256).
func ParsePattern(p string) ([]Comparison, error) {
	if len(p) > maxPatternLen {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrPattern, maxPatternLen)
	}
	toks, err := lex(p)
	if err != nil {
		return nil, err
	}

	ps := &parser{toks: toks}
	if err := ps.observations(0); err != nil {
		return nil, err
	}
	if t := ps.peek(); t.kind != tEOF {
		return nil, ps.errAt(t, "unexpected %q after pattern", t.text)
	}
	return ps.out, nil
}

type parser struct {
	toks []token
	i    int
	out  []Comparison
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) errAt(t token, format string, args ...any) error {
	return fmt.Errorf("%w: at offset %d: %s", ErrPattern, t.pos, fmt.Sprintf(format, args...))
}

func (p *parser) expect(k tokKind, what string) (token, error) {
	t := p.next()
	if t.kind != k {
		return t, p.errAt(t, "want %s, got %q", what, t.text)
	}
	return t, nil
}

// keyword consumes the next token when it is the word kw.
func (p *parser) keyword(kw string) bool {
	if t := p.peek(); t.kind == tWord && strings.EqualFold(t.text, kw) {
		p.i++
		return true
	}
	return false
}

// observations parses observation expressions joined by FOLLOWEDBY, OR and
// AND. Their precedence does not change which comparisons exist, so one loop
// accepts all three.
func (p *parser) observations(depth int) error {
	if depth > maxDepth {
		return p.errAt(p.peek(), "nested deeper than %d", maxDepth)
	}
	for {
		if err := p.observation(depth); err != nil {
			return err
		}
		if !p.keyword("AND") && !p.keyword("OR") && !p.keyword("FOLLOWEDBY") {
			return nil
		}
	}
}

func (p *parser) observation(depth int) error {
	t := p.next()
	var err error
	switch t.kind {
	case tLBrack:
		err = p.comparisons(depth + 1)
		if err == nil {
			_, err = p.expect(tRBrack, "']'")
		}
	case tLParen:
		err = p.observations(depth + 1)
		if err == nil {
			_, err = p.expect(tRParen, "')'")
		}
	default:
		return p.errAt(t, "want '[' or '(', got %q", t.text)
	}
	if err != nil {
		return err
	}
	return p.qualifiers()
}

// qualifiers parses WITHIN n SECONDS, REPEATS n TIMES and START t'…' STOP
// t'…'; they narrow when an observation counts, not what it compares.
func (p *parser) qualifiers() error {
	for {
		var err error
		switch {
		case p.keyword("WITHIN"):
			err = p.qualifier(tNumber, "SECONDS")
		case p.keyword("REPEATS"):
			err = p.qualifier(tNumber, "TIMES")
		case p.keyword("START"):
			err = p.qualifier(tTyped, "STOP")
			if err == nil {
				_, err = p.expect(tTyped, "timestamp")
			}
		default:
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (p *parser) qualifier(arg tokKind, kw string) error {
	if _, err := p.expect(arg, "qualifier value"); err != nil {
		return err
	}
	if !p.keyword(kw) {
		return p.errAt(p.peek(), "want %s", kw)
	}
	return nil
}

// comparisons parses comparison expressions joined by AND and OR.
func (p *parser) comparisons(depth int) error {
	if depth > maxDepth {
		return p.errAt(p.peek(), "nested deeper than %d", maxDepth)
	}
	for {
		if err := p.comparison(depth); err != nil {
			return err
		}
		if !p.keyword("AND") && !p.keyword("OR") {
			return nil
		}
	}
}

func (p *parser) comparison(depth int) error {
	if p.peek().kind == tLParen {
		p.next()
		if err := p.comparisons(depth + 1); err != nil {
			return err
		}
		_, err := p.expect(tRParen, "')'")
		return err
	}
	if p.keyword("EXISTS") {
		c, err := p.objectPath()
		if err != nil {
			return err
		}
		c.Operator = "EXISTS"
		p.out = append(p.out, c)
		return nil
	}

	c, err := p.objectPath()
	if err != nil {
		return err
	}
	c.Negated = p.keyword("NOT")
	if c.Operator, err = p.operator(); err != nil {
		return err
	}
	if c.Values, err = p.operand(c.Operator); err != nil {
		return err
	}
	p.out = append(p.out, c)
	return nil
}

var wordOperators = []string{"IN", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"}

func (p *parser) operator() (string, error) {
	t := p.next()
	if t.kind == tOp {
		return t.text, nil
	}
	if t.kind == tWord {
		for _, op := range wordOperators {
			if strings.EqualFold(t.text, op) {
				return op, nil
			}
		}
	}
	return "", p.errAt(t, "want a comparison operator, got %q", t.text)
}

func (p *parser) operand(op string) ([]string, error) {
	if op != "IN" {
		v, err := p.literal()
		return []string{v}, err
	}
	if _, err := p.expect(tLParen, "'(' after IN"); err != nil {
		return nil, err
	}
	var vals []string
	for {
		v, err := p.literal()
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
		if p.peek().kind != tComma {
			break
		}
		p.next()
	}
	_, err := p.expect(tRParen, "')' closing the IN set")
	return vals, err
}

func (p *parser) literal() (string, error) {
	t := p.next()
	switch {
	case t.kind == tString, t.kind == tNumber, t.kind == tTyped:
		return t.text, nil
	case t.kind == tWord && (strings.EqualFold(t.text, "true") || strings.EqualFold(t.text, "false")):
		return strings.ToLower(t.text), nil
	}
	return "", p.errAt(t, "want a constant, got %q", t.text)
}

// objectPath parses type:property(.property|[index])*.
func (p *parser) objectPath() (Comparison, error) {
	obj, err := p.expect(tWord, "object type")
	if err != nil {
		return Comparison{}, err
	}
	if _, err := p.expect(tColon, "':'"); err != nil {
		return Comparison{}, err
	}
	first, err := p.pathComponent()
	if err != nil {
		return Comparison{}, err
	}

	var b strings.Builder
	b.WriteString(first)
	for {
		switch p.peek().kind {
		case tDot:
			p.next()
			c, err := p.pathComponent()
			if err != nil {
				return Comparison{}, err
			}
			b.WriteString("." + c)
		case tLBrack:
			idx, err := p.index()
			if err != nil {
				return Comparison{}, err
			}
			b.WriteString(idx)
		default:
			return Comparison{Object: strings.ToLower(obj.text), Path: b.String()}, nil
		}
	}
}

func (p *parser) pathComponent() (string, error) {
	t := p.next()
	switch t.kind {
	case tWord:
		return t.text, nil
	case tString:
		if strings.ContainsAny(t.text, ".[]'") {
			return "'" + t.text + "'", nil // keep the quotes that make it one component
		}
		return t.text, nil
	}
	return "", p.errAt(t, "want a property name, got %q", t.text)
}

// index parses a list index in a path, [*] or [n], the '[' still unread.
func (p *parser) index() (string, error) {
	p.next()
	t := p.next()
	if t.kind != tStar && t.kind != tNumber {
		return "", p.errAt(t, "want a list index, got %q", t.text)
	}
	if _, err := p.expect(tRBrack, "']' closing the index"); err != nil {
		return "", err
	}
	return "[" + t.text + "]", nil
}
