package memory

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Caps on what one case document contributes, so that a case with thousands
// of entities or a long summary costs a bounded embedding and payload.
const (
	maxEntities     = 64
	maxTechniques   = 32
	maxTitleBytes   = 512
	maxSummaryBytes = 2048
)

// CaseDoc is what memory keeps of one case.
type CaseDoc struct {
	CaseID string
	Title  string
	// Verdict is the analyst's verdict when one was given, else the planner's;
	// empty for a case still under investigation.
	Verdict string
	// Techniques are ATT&CK ids such as "T1566.001".
	Techniques []string
	// Entities are entity keys, "kind:value", e.g. "domain:evil.example".
	Entities []string
	// Summary is free text: the planner's summary and the analyst's note of a
	// closed case, the finding titles of an open one.
	Summary  string
	ClosedAt time.Time
}

// DocText returns the text an embedder sees for a case: the title, the
// techniques, the entity keys, the verdict and the summary, one kind per
// line, each list sorted and capped. It carries no labels ("title:"), which
// every document would share and which would pull unrelated cases together.
// The case id is left out for the same reason.
func DocText(d CaseDoc) string {
	d = d.normalized()
	lines := []string{
		d.Title,
		strings.Join(d.Techniques, " "),
		strings.Join(d.Entities, " "),
		d.Verdict,
		d.Summary,
	}
	var b strings.Builder
	for _, l := range lines {
		if l == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
	}
	return b.String()
}

// Payload returns the payload stored beside the document's vector.
func (d CaseDoc) Payload() Payload {
	d = d.normalized()
	return Payload{
		CaseID: d.CaseID, Title: d.Title, Verdict: d.Verdict, Techniques: d.Techniques,
		Entities: d.Entities, Summary: d.Summary, ClosedAt: d.ClosedAt.UTC(),
	}
}

// normalized trims, sorts, deduplicates and caps the document's fields.
func (d CaseDoc) normalized() CaseDoc {
	d.Title = oneLine(clip(d.Title, maxTitleBytes))
	d.Summary = oneLine(clip(d.Summary, maxSummaryBytes))
	d.Verdict = strings.ToLower(strings.TrimSpace(d.Verdict))
	d.Techniques = sortedSet(d.Techniques, strings.ToUpper, maxTechniques)
	d.Entities = sortedSet(d.Entities, entityKey, maxEntities)
	return d
}

// entityKey lower-cases a key and drops whitespace inside it, so that it
// stays one token of the document text.
func entityKey(k string) string {
	return strings.ToLower(strings.Join(strings.Fields(k), ""))
}

func sortedSet(in []string, fold func(string) string, limit int) []string {
	var out []string
	for _, s := range in {
		if s = fold(strings.TrimSpace(s)); s != "" {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// oneLine collapses runs of whitespace, newlines included, into one space.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// clip cuts s to at most n bytes without splitting a UTF-8 sequence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
