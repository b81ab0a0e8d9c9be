package ingest

import (
	"strconv"
	"strings"

	"github.com/valyala/fastjson"
)

// Helpers over decoded JSON. fastjson keeps numbers as their original text, so a
// flow_id beyond float64 precision comes out exactly as written.

// str returns a string, number or boolean as text, and "" for anything else.
func str(v *fastjson.Value) string {
	if v == nil {
		return ""
	}
	switch v.Type() {
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		return string(b)
	case fastjson.TypeNumber:
		return v.String() // the number's original text, in one allocation
	case fastjson.TypeTrue:
		return "true"
	case fastjson.TypeFalse:
		return "false"
	}
	return ""
}

// strs returns a string or the strings of an array.
func strs(v *fastjson.Value) []string {
	if v == nil {
		return nil
	}
	if v.Type() != fastjson.TypeArray {
		if s := str(v); s != "" {
			return []string{s}
		}
		return nil
	}
	var out []string
	for _, e := range v.GetArray() {
		if s := str(e); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// num returns a number, or a string holding one.
func num(v *fastjson.Value) (float64, bool) {
	if v == nil {
		return 0, false
	}
	switch v.Type() {
	case fastjson.TypeNumber:
		f, err := v.Float64()
		return f, err == nil
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		f, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
		return f, err == nil
	}
	return 0, false
}

// get finds a dotted path in nested objects, dotted keys or any mix of the two:
// "kibana.alert.rule.name" may be one key, or kibana → alert → rule → name, or
// "kibana.alert" → "rule.name". Exported Elastic alerts use all of these.
func get(v *fastjson.Value, path string) *fastjson.Value {
	if v == nil || v.Type() != fastjson.TypeObject {
		return nil
	}
	o, _ := v.Object()
	if x := o.Get(path); x != nil {
		return x
	}
	for i := 0; i < len(path); i++ {
		if path[i] != '.' {
			continue
		}
		if x := get(o.Get(path[:i]), path[i+1:]); x != nil {
			return x
		}
	}
	return nil
}

// getStr is str(get(v, path)).
func getStr(v *fastjson.Value, path string) string { return str(get(v, path)) }

// first returns the first non-empty text among the paths.
func first(v *fastjson.Value, paths ...string) string {
	for _, p := range paths {
		if s := getStr(v, p); s != "" {
			return s
		}
	}
	return ""
}

// each calls fn for every value reached by path, stepping into arrays wherever
// they appear ("threat.technique.id" over threat[] and technique[]).
func each(v *fastjson.Value, path string, fn func(*fastjson.Value)) {
	if v == nil {
		return
	}
	if v.Type() == fastjson.TypeArray {
		for _, e := range v.GetArray() {
			each(e, path, fn)
		}
		return
	}
	if path == "" {
		fn(v)
		return
	}
	if v.Type() != fastjson.TypeObject {
		return
	}

	o, _ := v.Object()
	if x := o.Get(path); x != nil {
		each(x, "", fn)
	}
	for i := 0; i < len(path); i++ {
		if path[i] == '.' {
			each(o.Get(path[:i]), path[i+1:], fn)
		}
	}
}

// eachStr calls fn with the text of every value reached by path.
func eachStr(v *fastjson.Value, path string, fn func(string)) {
	each(v, path, func(x *fastjson.Value) {
		if s := str(x); s != "" {
			fn(s)
		}
	})
}
