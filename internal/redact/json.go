package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// JSON masks a JSON document: the whole value under any key named like a secret (see
// [SensitiveKey]) becomes the string "[REDACTED:kind]", and every other string value
// goes through [String]. Key order is kept and the output is compact. A document
// without trigger words is returned unchanged; input that is not valid JSON is
// masked as text, so a malformed document never leaks a secret.
func JSON(raw []byte) []byte {
	if scan(raw) == 0 {
		return raw
	}

	out, err := maskJSON(raw)
	if err != nil {
		return []byte(String(string(raw)))
	}
	return out
}

// jsonWriter re-emits a token stream as compact JSON.
type jsonWriter struct {
	dec *json.Decoder
	buf bytes.Buffer
	enc *json.Encoder
	// stack holds, per open container, whether it is an object and how many
	// tokens it has seen, which places commas and colons.
	stack []frame
}

type frame struct {
	object bool
	n      int
}

func maskJSON(raw []byte) ([]byte, error) {
	w := &jsonWriter{dec: json.NewDecoder(bytes.NewReader(raw))}
	w.dec.UseNumber()
	w.enc = json.NewEncoder(&w.buf)
	w.enc.SetEscapeHTML(false)

	for top := 0; ; top++ {
		tok, err := w.dec.Token()
		if errors.Is(err, io.EOF) && len(w.stack) == 0 {
			return w.buf.Bytes(), nil
		}
		if err != nil {
			return nil, err
		}
		if len(w.stack) == 0 && top > 0 {
			w.buf.WriteByte('\n')
		}
		if err := w.token(tok); err != nil {
			return nil, err
		}
	}
}

// token writes one token, masking the value that follows a secret-like key.
func (w *jsonWriter) token(tok json.Token) error {
	isKey := w.separate(tok)

	switch t := tok.(type) {
	case json.Delim:
		w.delim(t)
	case string:
		if isKey {
			w.str(t)
			if kind, ok := SensitiveKey(t); ok {
				return w.maskNext(kind)
			}
			return nil
		}
		w.str(String(t))
	case json.Number:
		w.buf.WriteString(t.String())
	case bool:
		if t {
			w.buf.WriteString("true")
		} else {
			w.buf.WriteString("false")
		}
	case nil:
		w.buf.WriteString("null")
	}
	return nil
}

// separate writes the comma or colon before tok and reports whether tok is an
// object key.
func (w *jsonWriter) separate(tok json.Token) (isKey bool) {
	if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
		return false
	}
	if len(w.stack) == 0 {
		return false
	}

	f := &w.stack[len(w.stack)-1]
	switch {
	case f.object && f.n%2 == 1:
		w.buf.WriteByte(':')
	case f.n > 0:
		w.buf.WriteByte(',')
	}
	isKey = f.object && f.n%2 == 0
	f.n++
	return isKey
}

func (w *jsonWriter) delim(d json.Delim) {
	w.buf.WriteByte(byte(d))
	switch d {
	case '{', '[':
		w.stack = append(w.stack, frame{object: d == '{'})
	default:
		w.stack = w.stack[:len(w.stack)-1]
	}
}

// maskNext consumes the value after a secret-like key, however deep, and writes the
// mask in its place. JSON literals (null, true, false) are not secrets and are kept.
func (w *jsonWriter) maskNext(kind string) error {
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}

	switch t := tok.(type) {
	case nil, bool:
		return w.token(t)
	case string:
		if keepValue(t) {
			return w.token(t)
		}
	case json.Delim:
		if err := w.skip(); err != nil {
			return err
		}
	}

	w.separate(tok)
	w.str(Mask(kind))
	return nil
}

// skip consumes tokens until the container just opened is closed.
func (w *jsonWriter) skip() error {
	for depth := 1; depth > 0; {
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

// str writes s as a JSON string without HTML escaping.
func (w *jsonWriter) str(s string) {
	_ = w.enc.Encode(s) // encoding a string cannot fail
	w.buf.Truncate(w.buf.Len() - 1)
}
