package evals

import (
	"encoding/json"
	"fmt"
	"strings"
)

// observed is one thing the product did or asked for, as the scorer sees it:
// an action, an approval request, or a change the lab shows.
type observed struct {
	Tool   string
	Risk   string
	Args   map[string]any
	Status string
	// CaseID and ID point back into the record for messages.
	CaseID, ID string
}

// String renders the observation for messages.
func (o observed) String() string {
	return fmt.Sprintf("%s %s (%s, %s)", o.Tool, compactJSON(o.Args), o.Status, o.ID)
}

// matches reports whether o satisfies s. defStatus applies when s names no
// status; "" accepts any.
func (s ActionSpec) matches(o observed, defStatus string) bool {
	if !s.toolMatches(o) {
		return false
	}
	if !statusOK(s.Status, o.Status, defStatus) {
		return false
	}
	for k, want := range s.Args {
		got, ok := o.Args[k]
		if !ok || !valueMatches(want, got) {
			return false
		}
	}
	return true
}

func (s ActionSpec) toolMatches(o observed) bool {
	switch {
	case len(s.Risk) > 0:
		return s.Risk.Contains(o.Risk)
	case strings.HasSuffix(s.Tool, "*"):
		return strings.HasPrefix(o.Tool, strings.TrimSuffix(s.Tool, "*"))
	}
	return s.Tool == o.Tool
}

func statusOK(want Strings, got, def string) bool {
	if len(want) == 0 {
		return def == "" || got == def
	}
	return want.Contains("any") || want.Contains(got)
}

// valueMatches compares a wanted argument with an actual one: strings ignore
// case, numbers compare as numbers, a wanted list needs each of its items in
// the actual list (or equal to the actual value), a wanted mapping is a
// subset.
func valueMatches(want, got any) bool {
	switch w := want.(type) {
	case string:
		g, ok := got.(string)
		return ok && strings.EqualFold(strings.TrimSpace(w), strings.TrimSpace(g))
	case []any:
		for _, item := range w {
			if !containsValue(got, item) {
				return false
			}
		}
		return true
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range w {
			if !valueMatches(v, g[k]) {
				return false
			}
		}
		return true
	}
	wf, wok := number(want)
	gf, gok := number(got)
	if wok && gok {
		return wf == gf
	}
	return fmt.Sprint(want) == fmt.Sprint(got)
}

func containsValue(got, item any) bool {
	list, ok := got.([]any)
	if !ok {
		return valueMatches(item, got)
	}
	for _, g := range list {
		if valueMatches(item, g) {
			return true
		}
	}
	return false
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func decodeArgs(raw json.RawMessage) map[string]any {
	m := map[string]any{}
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &m)
	}
	return m
}
