package telemetry

import "fmt"

// assembler groups terms into clauses: OR joins a term to the previous clause, NOT
// negates the next term, AND (or nothing) starts a new clause.
type assembler struct {
	q    ParsedQuery
	n    int
	join *token // a pending OR
	and  *token // a pending AND
	not  *token // a pending NOT
}

func assemble(toks []token) (ParsedQuery, error) {
	var a assembler
	for i := range toks {
		if err := a.add(&toks[i]); err != nil {
			return ParsedQuery{}, err
		}
	}
	for _, t := range []*token{a.join, a.and, a.not} {
		if t != nil {
			return ParsedQuery{}, opError(t, "is missing a term after it")
		}
	}
	return a.q, nil
}

func (a *assembler) add(t *token) error {
	switch t.kind {
	case tokOr, tokAnd:
		if len(a.q.Clauses) == 0 || a.join != nil || a.and != nil || a.not != nil {
			return opError(t, "needs a term on each side")
		}
		if t.kind == tokOr {
			a.join = t
		} else {
			a.and = t
		}
	case tokNot:
		if a.not != nil {
			return opError(t, "follows another NOT")
		}
		a.not = t
	case tokTerm:
		return a.term(t)
	}
	return nil
}

func (a *assembler) term(t *token) error {
	term := t.term
	if a.not != nil {
		if term.Not {
			return &QueryError{Pos: a.not.pos, Token: "NOT " + t.text,
				Problem: "NOT and - both negate the same term", Fix: "keep only one of them"}
		}
		term.Not = true
	}

	a.n++
	if a.n > maxQueryTerms {
		return &QueryError{Pos: t.pos, Token: t.text,
			Problem: fmt.Sprintf("more than %d terms", maxQueryTerms),
			Fix:     "narrow the search with fewer, more specific terms"}
	}
	if a.join != nil {
		last := &a.q.Clauses[len(a.q.Clauses)-1]
		last.Terms = append(last.Terms, term)
	} else {
		a.q.Clauses = append(a.q.Clauses, Clause{Terms: []Term{term}})
	}
	a.join, a.and, a.not = nil, nil, nil
	return nil
}

func opError(t *token, problem string) *QueryError {
	return &QueryError{Pos: t.pos, Token: t.text, Problem: t.text + " " + problem,
		Fix: "put a term on both sides of OR and AND, and after NOT, or remove the keyword"}
}
