package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// zeekHeader is the state set by a Zeek log's "#" lines. A file may hold several
// logs one after another, so any header line may change it.
type zeekHeader struct {
	sep    string
	setSep string
	empty  string
	unset  string
	path   string
	fields []string
	types  []string
}

func newZeekHeader() *zeekHeader {
	return &zeekHeader{sep: "\t", setSep: ",", empty: "(empty)", unset: "-"}
}

// parseZeek reads Zeek's TSV log format: "#" header lines, then one event a line with
// values in #fields order. Each event becomes a JSON object shaped like Zeek's own
// JSON writer output, plus "_path" from #path.
func parseZeek(ctx context.Context, lr *lineReader, sk sink) error {
	h := newZeekHeader()
	for {
		if err := checkCtx(ctx, lr.line); err != nil {
			return err
		}
		text, err := lr.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if errors.Is(err, ErrLineTooLong) {
			sk.bad(lr.line, err)
			continue
		}
		if err != nil {
			return &readError{line: lr.line, err: err}
		}

		if err := h.line(ctx, lr.line, string(text), sk); err != nil {
			return err
		}
	}
}

func (h *zeekHeader) line(ctx context.Context, n int, text string, sk sink) error {
	switch {
	case text == "":
		return nil
	case text[0] == '#':
		h.directive(text)
		return nil
	case h.fields == nil:
		sk.bad(n, errors.New("zeek data line before a #fields header"))
		return nil
	}

	obj, err := h.record(text)
	if err != nil {
		sk.bad(n, err)
		return nil
	}
	return sk.event(ctx, n, obj)
}

// directive applies one header line. Unknown directives (#open, #close) are ignored.
func (h *zeekHeader) directive(text string) {
	if v, ok := strings.CutPrefix(text, "#separator "); ok {
		if sep := zeekUnescape(v); sep != "" {
			h.sep = sep
		}
		return
	}

	name, rest, _ := strings.Cut(text, h.sep)
	switch name {
	case "#set_separator":
		h.setSep = zeekUnescape(rest)
	case "#empty_field":
		h.empty = rest
	case "#unset_field":
		h.unset = rest
	case "#path":
		h.path = rest
	case "#fields":
		h.fields = strings.Split(rest, h.sep)
		h.types = nil
	case "#types":
		h.types = strings.Split(rest, h.sep)
	}
}

// record turns one data line into a JSON object. Unset values are left out, as
// Zeek's JSON writer does.
func (h *zeekHeader) record(text string) ([]byte, error) {
	values := strings.Split(text, h.sep)
	if len(values) != len(h.fields) {
		return nil, fmt.Errorf("zeek line has %d values, #fields declares %d",
			len(values), len(h.fields))
	}

	var b bytes.Buffer
	b.WriteByte('{')
	if h.path != "" {
		b.WriteString(`"_path":`)
		appendJSONString(&b, h.path)
	}
	for i, v := range values {
		if v == h.unset {
			continue
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		appendJSONString(&b, h.fields[i])
		b.WriteByte(':')
		h.value(&b, h.typeOf(i), v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func (h *zeekHeader) typeOf(i int) string {
	if i < len(h.types) {
		return h.types[i]
	}
	return "string"
}

// value writes v as JSON according to its Zeek type: sets and vectors become arrays,
// numbers stay numbers (in the log's own digits), T/F become booleans.
func (h *zeekHeader) value(b *bytes.Buffer, typ, v string) {
	if elem, ok := containerElem(typ); ok {
		b.WriteByte('[')
		if v != h.empty && v != "" {
			for i, e := range strings.Split(v, h.setSep) {
				if i > 0 {
					b.WriteByte(',')
				}
				zeekScalar(b, elem, e)
			}
		}
		b.WriteByte(']')
		return
	}
	if v == h.empty {
		v = ""
	}
	zeekScalar(b, typ, v)
}

func containerElem(typ string) (string, bool) {
	for _, p := range []string{"set[", "vector["} {
		if rest, ok := strings.CutPrefix(typ, p); ok {
			return strings.TrimSuffix(rest, "]"), true
		}
	}
	return "", false
}

func zeekScalar(b *bytes.Buffer, typ, v string) {
	switch typ {
	case "count", "int", "port", "double", "time", "interval":
		if isJSONNumber(v) {
			b.WriteString(v)
			return
		}
	case "bool":
		switch v {
		case "T":
			b.WriteString("true")
			return
		case "F":
			b.WriteString("false")
			return
		}
	}
	appendJSONString(b, zeekUnescape(v))
}

func isJSONNumber(v string) bool {
	if v == "" || (v[0] != '-' && (v[0] < '0' || v[0] > '9')) {
		return false
	}
	return json.Valid([]byte(v))
}

// zeekUnescape decodes the \xHH escapes Zeek writes for separators and unprintable
// bytes, and "\\" for a backslash.
func zeekUnescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' && isHex(s[i+2]) && isHex(s[i+3]) {
			b.WriteByte(unhex(s[i+2])<<4 | unhex(s[i+3]))
			i += 3
			continue
		}
		if s[i] == '\\' && i+1 < len(s) && s[i+1] == '\\' {
			b.WriteByte('\\')
			i++
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
