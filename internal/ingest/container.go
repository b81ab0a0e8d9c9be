package ingest

import (
	"bytes"
	"errors"
	"fmt"
)

// record is one record cut out of a file.
type record struct {
	n int
	// raw is the original bytes, kept in Finding.Raw.
	raw []byte
	// doc is the JSON to parse: raw itself, except for a CSV row.
	doc []byte
	// format is set when the container already tells (a GuardDuty CSV).
	format string
	// err says why the record could not be cut out.
	err error
}

var errNotJSON = fmt.Errorf("%w: not JSON, a GuardDuty CSV with its header, or an "+
	"RFC 5322 message", ErrUnknownFormat)

// split cuts data into records and calls fn for each, in order. It recognises one
// JSON value, a JSON array, NDJSON, concatenated (pretty-printed) JSON values and a
// GuardDuty CSV.
func split(data []byte, fn func(record)) {
	t := trimLeft(data)
	switch {
	case len(t) == 0:
		return
	case t[0] == '[':
		splitArray(t, fn)
	case t[0] == '{':
		splitObjects(t, fn)
	case isGuardDutyCSV(t):
		splitCSV(t, fn)
	default:
		fn(record{n: 1, err: errNotJSON})
	}
}

// splitObjects tells NDJSON from pretty-printed JSON: when the first value ends on
// its first line, every line is a record, so one broken line cannot swallow the
// next; otherwise values are cut by their braces.
func splitObjects(data []byte, fn func(record)) {
	end, err := valueEnd(data, 0)
	nl := bytes.IndexByte(data, '\n')
	if err == nil && (nl < 0 || end <= nl) || err != nil && nl >= 0 {
		splitLines(data, fn)
		return
	}
	splitValues(data, fn)
}

func splitLines(data []byte, fn func(record)) {
	n := 0
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		n++
		fn(record{n: n, raw: line, doc: line})
	}
}

// splitValues cuts concatenated JSON values apart.
func splitValues(data []byte, fn func(record)) {
	for n, i := 1, 0; ; n++ {
		i += len(data[i:]) - len(trimLeft(data[i:]))
		if i >= len(data) {
			return
		}
		end, err := valueEnd(data, i)
		if err != nil {
			fn(record{n: n, err: fmt.Errorf("at byte %d: %w", i, err)})
			return
		}
		fn(record{n: n, raw: data[i:end], doc: data[i:end]})
		i = end
	}
}

// splitArray cuts the elements of a top-level JSON array apart without decoding
// them, so each finding can keep its element's exact bytes.
func splitArray(data []byte, fn func(record)) {
	i := 1
	for n := 1; ; n++ {
		i = skipSpace(data, i)
		if i < len(data) && data[i] == ']' && n == 1 {
			return
		}
		end, err := valueEnd(data, i)
		if err != nil {
			fn(record{n: n, err: fmt.Errorf("array element at byte %d: %w", i, err)})
			return
		}
		fn(record{n: n, raw: data[i:end], doc: data[i:end]})

		i = skipSpace(data, end)
		switch {
		case i < len(data) && data[i] == ',':
			i++
		case i < len(data) && data[i] == ']':
			if len(trimLeft(data[i+1:])) > 0 {
				fn(record{n: n + 1, err: fmt.Errorf("at byte %d: %w", i+1, errAfterArray)})
			}
			return
		default:
			fn(record{n: n + 1, err: fmt.Errorf("at byte %d: %w", i, errArrayEnd)})
			return
		}
	}
}

var (
	errUnterminated = errors.New("unterminated JSON value")
	errArrayEnd     = errors.New("want ',' or ']' after an array element")
	errNoValue      = errors.New("want a JSON value")
	errAfterArray   = errors.New("unexpected data after the array")
)

// valueEnd returns the end of the JSON value starting at i. It only balances
// brackets and skips strings; the record's parser reports any other error.
func valueEnd(data []byte, i int) (int, error) {
	if i >= len(data) {
		return 0, errNoValue
	}
	switch data[i] {
	case '"':
		return stringEnd(data, i)
	case '{', '[':
		return containerEnd(data, i)
	case ',', ']', '}', ':':
		return 0, errNoValue
	}
	end := i
	for end < len(data) && bytes.IndexByte([]byte(",]} \t\r\n"), data[end]) < 0 {
		end++
	}
	return end, nil
}

func containerEnd(data []byte, i int) (int, error) {
	depth := 0
	for j := i; j < len(data); j++ {
		switch data[j] {
		case '"':
			end, err := stringEnd(data, j)
			if err != nil {
				return 0, err
			}
			j = end - 1
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return j + 1, nil
			}
		}
	}
	return 0, errUnterminated
}

// stringEnd returns the index just past the closing quote of the string at i.
func stringEnd(data []byte, i int) (int, error) {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, errUnterminated
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' ||
		data[i] == '\n') {
		i++
	}
	return i
}
