// Package email parses a reported e-mail (an RFC 5322 .eml file) into a
// [finding.Finding] with Source "email".
//
// The message is hostile input. The parser reads the header and the MIME tree
// with enmime, never follows a link, never renders HTML and never opens an
// attachment: attachments are only measured and hashed. What it learns lands in
// [finding.Email]: sender identity, the Received chain and the origin IP,
// authentication results, links, attachments, named phishing signals (see
// signals.go) and the parse defects it survived. Every free-text field
// (subject, title, description, body, display name, defects) passes through
// [redact.String] before it reaches the finding, and none of it is ever treated
// as an instruction.
package email

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/conductor-sec/conductor/internal/finding"
	"github.com/conductor-sec/conductor/internal/redact"
)

// Options caps what the parser reads and says whose mail it is.
type Options struct {
	// MaxBytes caps the message size; zero means 25 MiB.
	MaxBytes int
	// OrgDomain reports whether a domain is the organisation's. With it, only
	// a message from the organisation counts as a report that carries the
	// original (see report.go); nil falls back to a stricter guess.
	OrgDomain func(domain string) bool
}

// ErrTooLarge is returned, wrapped with the limit, when a message is bigger
// than [Options.MaxBytes].
var ErrTooLarge = errors.New("e-mail too large")

// ErrNotEmail is returned for empty input and for input without a single
// header line.
var ErrNotEmail = errors.New("not an e-mail")

const (
	defaultMaxBytes = 25 << 20
	maxTitleRunes   = 200
	maxBodyBytes    = 16 << 10
	maxURLs         = 500
	maxDefects      = 50
	// maxReportDepth bounds reports of reports (an analyst forwarding a
	// colleague's report as an attachment).
	maxReportDepth = 3
)

// Parse turns one RFC 5322 message into a finding with Source "email".
//
// Empty input or input without any header is [ErrNotEmail]; input over the size
// cap is [ErrTooLarge]. Anything else yields a finding, with what went wrong
// listed in [finding.Email.Defects].
func Parse(raw []byte, opts Options) (*finding.Finding, error) {
	if err := checkSize(raw, opts.MaxBytes); err != nil {
		return nil, err
	}

	a, err := analyse(raw)
	if err != nil {
		return nil, fmt.Errorf("parsing e-mail: %w", err)
	}

	// A report is investigated as the original it carries (see report.go);
	// the finding keeps the bytes as submitted.
	var wrappers []*analysis
	for len(wrappers) < maxReportDepth {
		orig := a.attachedOriginal(opts.OrgDomain)
		if orig == nil {
			break
		}
		inner, err := analyse(orig)
		if err != nil {
			a.defect("attached message unreadable, the report itself is analysed: " +
				err.Error())
			break
		}
		wrappers = append(wrappers, a)
		a = inner
	}
	for i := len(wrappers) - 1; i >= 0; i-- {
		a.absorbWrapper(wrappers[i])
	}
	if len(wrappers) > 0 {
		a.mail.Signals = detectSignals(a)
	}
	return a.finding(raw), nil
}

// analyse reads one message and runs every step of the analysis on it.
func analyse(raw []byte) (*analysis, error) {
	msg, err := readMessage(raw)
	if err != nil {
		return nil, err
	}
	a := newAnalysis(raw, msg)
	a.run()
	return a, nil
}

func checkSize(raw []byte, limit int) error {
	if limit <= 0 {
		limit = defaultMaxBytes
	}
	if len(raw) > limit {
		return fmt.Errorf("reading e-mail: %w: %d bytes, limit %d bytes",
			ErrTooLarge, len(raw), limit)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return fmt.Errorf("reading e-mail: %w: empty input", ErrNotEmail)
	}
	return nil
}

// finding assembles the result once every step of the analysis has run.
func (a *analysis) finding(raw []byte) *finding.Finding {
	e := &a.mail
	f := &finding.Finding{
		Source:  "email",
		Title:   redact.String(title(e.Subject)),
		Time:    a.date,
		TimeRaw: a.dateRaw,
		Email:   e,
		Raw:     raw,
	}

	f.Severity, f.SeverityScore = severity(e.Signals)
	addTechniques(f)
	addObservables(f, a)
	f.Description = redact.String(describe(e))
	return f
}

func title(subject string) string {
	if subject == "" {
		subject = "(no subject)"
	}
	return cutRunes("Reported e-mail: "+subject, maxTitleRunes)
}

func addTechniques(f *finding.Finding) {
	f.AddTechnique("T1566")
	if len(f.Email.Attachments) > 0 {
		f.AddTechnique("T1566.001")
	}
	if len(f.Email.URLs) > 0 {
		f.AddTechnique("T1566.002")
	}
}

// describe writes a one-paragraph summary for people and planners.
func describe(e *finding.Email) string {
	var b strings.Builder
	fmt.Fprintf(&b, "E-mail from %s", orNone(e.From.Address))
	if e.From.Name != "" {
		fmt.Fprintf(&b, " (%q)", e.From.Name)
	}
	fmt.Fprintf(&b, " to %s", orNone(strings.Join(e.To, ", ")))
	if e.OriginIP != "" {
		fmt.Fprintf(&b, ", sent from %s", e.OriginIP)
	}
	if e.ReportedBy != nil {
		fmt.Fprintf(&b, ", attached to a report from %s", orNone(e.ReportedBy.Address))
	}
	fmt.Fprintf(&b, "; %d link(s), %d attachment(s)", len(e.URLs), len(e.Attachments))
	fmt.Fprintf(&b, "; spf=%s dkim=%s dmarc=%s",
		orNone(e.Auth.SPF), orNone(e.Auth.DKIM), orNone(e.Auth.DMARC))
	if len(e.Signals) > 0 {
		fmt.Fprintf(&b, "; signals: %s", strings.Join(e.Signals, ", "))
	}
	b.WriteString(".")
	return b.String()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
