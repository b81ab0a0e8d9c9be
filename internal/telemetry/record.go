package telemetry

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// record is one event ready to insert.
type record struct {
	source    string
	line      int
	raw       []byte // compact JSON object
	time      time.Time
	host      string
	eventID   string
	eventType string
	body      string  // every value, one a line, for the full-text index
	fields    []field // flattened pairs, lower case, sorted and unique
}

// field is one flattened key=value pair, both folded to lower case.
type field struct{ key, value string }

// Derived columns come from the first of these keys that is present (and, for time,
// parses). Keys are flattened paths, so "host.name" matches {"host":{"name":…}} as
// well as a literal "host.name" key.
var (
	timeKeys = []string{"@timestamp", "UtcTime", "TimeGenerated", "timestamp", "ts",
		"Timestamp", "EventTime", "TimeCreated"}
	hostKeys = []string{"Hostname", "Computer", "host.name", "DeviceName", "id.orig_h"}
	idKeys   = []string{"EventID", "EventCode", "event.code"}
	typeKeys = []string{"event_type", "_path", "eventName", "ActionType", "Operation",
		"OperationName", "event.action"}
	derivedKeys = keySet(timeKeys, hostKeys, idKeys, typeKeys)
)

func keySet(lists ...[]string) map[string]bool {
	set := map[string]bool{}
	for _, l := range lists {
		for _, k := range l {
			set[k] = true
		}
	}
	return set
}

var errNotObject = errors.New("not a JSON object")

// buildRecord checks that text is one JSON object and derives the columns.
func buildRecord(source string, line int, text []byte) (record, error) {
	var compact bytes.Buffer
	if err := json.Compact(&compact, text); err != nil {
		return record{}, fmt.Errorf("invalid JSON: %w", err)
	}

	dec := json.NewDecoder(bytes.NewReader(compact.Bytes()))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return record{}, fmt.Errorf("decoding JSON: %w", err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return record{}, fmt.Errorf("%w (found %s)", errNotObject, jsonKind(v))
	}

	f := flattener{seen: map[string]string{}}
	f.walk("", obj)
	rec := record{
		source: source,
		line:   line,
		raw:    compact.Bytes(),
		body:   f.body.String(),
		fields: uniqueFields(f.fields),
	}
	rec.derive(f.seen)
	return rec, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "an array"
	case string:
		return "a string"
	case nil:
		return "null"
	default:
		return "a scalar"
	}
}

func (r *record) derive(seen map[string]string) {
	for _, k := range timeKeys {
		if t, ok := parseTime(seen[k]); ok {
			r.time = t
			break
		}
	}
	r.host = first(seen, hostKeys)
	r.eventID = first(seen, idKeys)
	r.eventType = first(seen, typeKeys)
}

func first(seen map[string]string, keys []string) string {
	for _, k := range keys {
		if v := seen[k]; v != "" {
			return v
		}
	}
	return ""
}

// dedupKey identifies an event by source, line and content, so loading a file twice
// stores it once while identical lines within a file all count. SHA-256 rather than
// a fast hash because log lines are attacker-controlled and a crafted collision
// would hide a real event.
func (r *record) dedupKey() int64 {
	h := sha256.New()
	h.Write([]byte(r.source))
	h.Write([]byte{0})
	h.Write([]byte(strconv.Itoa(r.line)))
	h.Write([]byte{0})
	h.Write(r.raw)
	return int64(binary.BigEndian.Uint64(h.Sum(nil)))
}

// flattener walks a decoded object, collecting values for the full-text body, the
// lower-cased key=value pairs and the values of the keys derived columns need.
type flattener struct {
	body   strings.Builder
	fields []field
	seen   map[string]string
}

func (f *flattener) walk(path string, v any) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys) // a stable body keeps phrase matches deterministic
		for _, k := range keys {
			f.walk(joinPath(path, k), x[k])
		}
	case []any:
		for _, e := range x {
			f.walk(path, e) // elements share the key: a filter matches any of them
		}
	case string:
		f.leaf(path, x)
	case json.Number:
		f.leaf(path, x.String())
	case bool:
		f.leaf(path, strconv.FormatBool(x))
	}
}

func joinPath(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// leaf records one value. Empty strings are skipped: they carry nothing to search
// and Defender-style rows have dozens of them.
func (f *flattener) leaf(path, value string) {
	if value == "" {
		return
	}
	if derivedKeys[path] {
		if _, ok := f.seen[path]; !ok {
			f.seen[path] = value
		}
	}
	f.body.WriteString(value)
	f.body.WriteByte('\n')
	f.fields = append(f.fields, field{strings.ToLower(path), indexValue(strings.ToLower(value))})
}

// maxIndexedValue caps values in the field index. Long values (rendered messages,
// call traces, scripts) would make every index page hold a handful of keys and slow
// each insert; the full text stays searchable through the full-text index.
const maxIndexedValue = 256

// truncMark ends a cut value. 0xFF never occurs in UTF-8, so a cut value equals no
// whole value and sorts after every value sharing its prefix.
const truncMark = "\xff"

// indexValue is v as the field index stores it: whole, or its first
// maxIndexedValue bytes (at a rune boundary) and truncMark.
func indexValue(v string) string {
	if len(v) <= maxIndexedValue {
		return v
	}
	return cutRunes(v, maxIndexedValue) + truncMark
}

// cutRunes returns the longest prefix of s of at most n bytes that ends on a rune
// boundary.
func cutRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func uniqueFields(fs []field) []field {
	slices.SortFunc(fs, func(a, b field) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	return slices.Compact(fs)
}
