package intel

import (
	"fmt"
	"strings"
)

type tokKind int

const (
	tEOF tokKind = iota
	tLBrack
	tRBrack
	tLParen
	tRParen
	tColon
	tDot
	tComma
	tStar
	tOp     // = != < <= > >=
	tString // '…', text unescaped
	tNumber // 12, -3, 1.5
	tWord   // identifiers and keywords: ipv4-addr, value, AND, NOT
	tTyped  // t'…', b'…', h'…', text keeps the prefix and quotes
)

type token struct {
	kind tokKind
	text string
	pos  int
}

var punct = map[byte]tokKind{
	'[': tLBrack, ']': tRBrack, '(': tLParen, ')': tRParen,
	':': tColon, '.': tDot, ',': tComma, '*': tStar,
}

// lex splits a STIX pattern into tokens, ending with one tEOF.
func lex(src string) ([]token, error) {
	var toks []token
	for i := 0; i < len(src); {
		if isSpace(src[i]) {
			i++
			continue
		}
		t, end, err := lexOne(src, i)
		if err != nil {
			return nil, err
		}
		toks = append(toks, t)
		i = end
	}
	return append(toks, token{kind: tEOF, text: "end of pattern", pos: len(src)}), nil
}

// lexOne reads the token starting at src[i] and returns it with the offset
// just past it.
func lexOne(src string, i int) (token, int, error) {
	c := src[i]
	switch {
	case punct[c] != tEOF:
		return token{kind: punct[c], text: string(c), pos: i}, i + 1, nil
	case c == '\'':
		return lexString(src, i)
	case c == '=' || c == '!' || c == '<' || c == '>':
		return lexOp(src, i)
	case isDigit(c) || (c == '-' || c == '+') && i+1 < len(src) && isDigit(src[i+1]):
		return lexNumber(src, i)
	case isWordStart(c):
		return lexWord(src, i)
	}
	return token{}, 0, fmt.Errorf("%w: at offset %d: unexpected character %q", ErrPattern, i, c)
}

// lexString reads a quoted string whose opening quote is at src[i]. STIX escapes
// only \' and \\; any other backslash is kept as written.
func lexString(src string, i int) (token, int, error) {
	end := stringEnd(src, i)
	if end < 0 {
		return token{}, 0, fmt.Errorf("%w: at offset %d: unterminated string", ErrPattern, i)
	}
	var b strings.Builder
	for j := i + 1; j < end-1; j++ {
		if src[j] == '\\' && (src[j+1] == '\'' || src[j+1] == '\\') {
			j++
		}
		b.WriteByte(src[j])
	}
	return token{kind: tString, text: b.String(), pos: i}, end, nil
}

// stringEnd returns the offset just past the quote closing the string that
// opens at src[i], or -1.
func stringEnd(src string, i int) int {
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case '\'':
			return j + 1
		}
	}
	return -1
}

func lexOp(src string, i int) (token, int, error) {
	two := src[i:min(i+2, len(src))]
	switch two {
	case "!=", "<=", ">=":
		return token{kind: tOp, text: two, pos: i}, i + 2, nil
	}
	if src[i] == '!' {
		return token{}, 0, fmt.Errorf("%w: at offset %d: '!' without '='", ErrPattern, i)
	}
	return token{kind: tOp, text: src[i : i+1], pos: i}, i + 1, nil
}

func lexNumber(src string, i int) (token, int, error) {
	j := i + 1
	for j < len(src) && (isDigit(src[j]) || src[j] == '.' && j+1 < len(src) && isDigit(src[j+1])) {
		j++
	}
	return token{kind: tNumber, text: src[i:j], pos: i}, j, nil
}

// lexWord reads an identifier or keyword, or a typed literal when a lone
// t, b or h is followed by a quote.
func lexWord(src string, i int) (token, int, error) {
	j := i + 1
	for j < len(src) && (isWordStart(src[j]) || isDigit(src[j]) || src[j] == '-') {
		j++
	}
	word := src[i:j]
	if j < len(src) && src[j] == '\'' && (word == "t" || word == "b" || word == "h") {
		end := stringEnd(src, j)
		if end < 0 {
			return token{}, 0, fmt.Errorf("%w: at offset %d: unterminated literal", ErrPattern, i)
		}
		return token{kind: tTyped, text: src[i:end], pos: i}, end, nil
	}
	return token{kind: tWord, text: word, pos: i}, j, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isWordStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}
