package ingest

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/conductor-sec/conductor/internal/finding"
	"github.com/conductor-sec/conductor/internal/redact"
)

// builder fills one finding and owns the rules every format shares: secrets are
// masked before text is stored, text is cut at the cap, empty values are dropped.
type builder struct {
	f    finding.Finding
	opts Options
	// scanText is set when the description is the source's own free text, worth
	// searching for addresses and links once the fields are recorded.
	scanText bool
}

func newBuilder(source string, raw []byte, opts Options) *builder {
	return &builder{
		f:    finding.Finding{Source: source, Raw: bytes.Clone(raw)},
		opts: opts,
	}
}

// title sets the title; it reports false when s is blank, so a parser can say
// which field was missing.
func (b *builder) title(s string) bool {
	b.f.Title = b.text(strings.TrimSpace(s))
	return b.f.Title != ""
}

// description sets the description from the source's free text; [builder.finish]
// picks observables out of it.
func (b *builder) description(s string) {
	b.f.Description = b.text(s)
	b.scanText = true
}

// finish adds what the free text names beyond the structured fields, marked as
// found in text. It runs last so a value already read from a field is not repeated.
func (b *builder) finish() finding.Finding {
	if b.scanText {
		b.textObservables(b.f.Description)
	}
	return b.f
}

// label stores an extra field; empty values are dropped. A label named like a
// secret ("db_password", "api_key") is masked whole.
func (b *builder) label(key, value string) {
	if value == "" {
		return
	}
	if kind, ok := redact.SensitiveKey(key); ok {
		value = redact.Mask(kind)
	}
	value = b.text(value)
	if b.f.Labels == nil {
		b.f.Labels = make(map[string]string, 16)
	}
	b.f.Labels[key] = value
}

// add records an observable read from a structured field.
func (b *builder) add(kind finding.Kind, value, role string) {
	b.observable(kind, value, role, finding.OriginField)
}

func (b *builder) observable(kind finding.Kind, value, role string, origin finding.Origin) {
	if value == "" {
		return
	}
	// Command lines and URLs carry passwords and tokens as often as any log line.
	if kind == finding.KindProcess || kind == finding.KindURL {
		value = redact.String(value)
	}
	value, cut := clip(value, b.opts.MaxTextBytes)
	b.f.Truncated = b.f.Truncated || cut
	if b.f.Observables == nil {
		b.f.Observables = make([]finding.Observable, 0, 8)
	}
	b.f.Add(kind, value, role, origin)
}

// has reports whether an observable of this kind and value is already recorded,
// under any role.
func (b *builder) has(kind finding.Kind, value string) bool {
	for _, o := range b.f.Observables {
		if o.Kind == kind && o.Value == value {
			return true
		}
	}
	return false
}

// text masks secrets in s and cuts it at the cap.
func (b *builder) text(s string) string {
	s, cut := clip(redact.String(s), b.opts.MaxTextBytes)
	b.f.Truncated = b.f.Truncated || cut
	return s
}

// when sets the event time from a field's text, keeping the original.
func (b *builder) when(field, raw string) error {
	t, err := parseTime(raw)
	if err != nil {
		return fmt.Errorf("parsing %q %q: %w", field, raw, err)
	}
	b.f.Time, b.f.TimeRaw = t, raw
	return nil
}

// severity sets the band and the 0-100 score.
func (b *builder) severity(band finding.Severity, score int) {
	b.f.Severity, b.f.SeverityScore = band, min(max(score, 0), 100)
}

// clip cuts s to at most limit bytes on a rune boundary and appends a marker
// saying how much was dropped.
func clip(s string, limit int) (string, bool) {
	if len(s) <= limit {
		return s, false
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…[truncated " + strconv.Itoa(len(s)-cut) + " bytes]", true
}

// missing is the error for a required field that is absent or empty.
func missing(field, want string) error {
	return fmt.Errorf("missing %q: want %s", field, want)
}
