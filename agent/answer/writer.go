package answer

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/conductor-sec/conductor/internal/report"
	"github.com/conductor-sec/conductor/internal/store"
)

// maxQuote caps one quoted piece of untrusted text.
const maxQuote = 160

// writer builds an answer's sentences and remembers what they cite.
type writer struct {
	rec   *record
	lines []string
	cites []Citation
	seen  map[Citation]bool
}

func (w *writer) say(format string, args ...any) {
	w.lines = append(w.lines, fmt.Sprintf(format, args...))
}

func (w *writer) text() string { return strings.Join(w.lines, "\n") }

func (w *writer) cite(kind, ref string) {
	c := Citation{Kind: kind, Ref: ref}
	if ref == "" || w.seen[c] {
		return
	}
	w.seen[c] = true
	w.cites = append(w.cites, c)
}

// step cites a step and returns its bracketed mark.
func (w *writer) step(s store.Step) string {
	if s.Seq == 0 {
		return ""
	}
	ref := fmt.Sprintf("#%d", s.Seq)
	w.cite("step", ref)
	return " [step " + ref + "]"
}

// findings cites findings and returns their bracketed mark.
func (w *writer) findings(ids ...string) string {
	var marks []string
	for _, id := range ids {
		if id == "" {
			continue
		}
		w.cite("finding", id)
		marks = append(marks, id)
	}
	if len(marks) == 0 {
		return ""
	}
	return " [" + strings.Join(marks, ", ") + "]"
}

// quote renders untrusted text as quoted data: control characters and line
// breaks become spaces, double quotes become single ones, and long text is
// cut.
func quote(s string) string {
	return `"` + clip(s, maxQuote) + `"`
}

// clip cleans untrusted text for one line and cuts it to n bytes.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(report.Clean(s)), " ")
	s = strings.ReplaceAll(s, `"`, `'`)
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// target names what an action acts on: the tool and its main argument.
func target(tool string, raw json.RawMessage) string {
	args := map[string]any{}
	_ = json.Unmarshal(raw, &args)
	for _, k := range []string{"host", "ip", "domain", "user", "message_id", "ticket_id",
		"channel", "value", "query"} {
		if v, ok := args[k].(string); ok && v != "" {
			return tool + " " + clip(v, 80)
		}
	}
	if s, ok := args["sender"].(string); ok {
		out := tool + " sender " + clip(s, 80)
		if subj, ok := args["subject"].(string); ok {
			out += ", subject " + quote(subj)
		}
		return out
	}
	if t, ok := args["title"].(string); ok {
		return tool + " " + quote(t)
	}
	return tool
}

// sortedFactors returns the score factors that added points, largest first.
func (r *record) positiveFactors() []string {
	fs := append(r.factors[:0:0], r.factors...)
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Points > fs[j].Points })
	var out []string
	for _, f := range fs {
		if f.Points == 0 {
			continue
		}
		out = append(out, fmt.Sprintf("%s %+d (%s)", f.Name, f.Points, clip(f.Detail, 120)))
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
