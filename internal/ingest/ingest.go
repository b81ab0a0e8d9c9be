// Package ingest turns alert files into normalized findings.
//
// It reads Suricata EVE alerts, AWS GuardDuty findings (API, EventBridge and the
// Sentinel CSV export), Elastic/ECS detection alerts, OCSF Detection and Security
// Findings, classic Wazuh alerts.json, a small generic JSON shape (see
// [FormatGeneric]) and reported e-mails. A file may hold one JSON object, a JSON
// array of objects, NDJSON, or a GuardDuty CSV; the format is detected per record
// by its distinctive keys, so one file may mix formats.
//
// Every finding keeps its record's original bytes in Raw. Everything else is
// derived, and free text (titles, descriptions, labels, command lines) passes through
// [redact.String] first, so secrets in an alert never reach a prompt, a log or the
// audit chain (threat T13). One bad record never loses the good ones: it becomes a
// [RecordError] naming the file, the record, the format and what was wrong.
package ingest

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/conductor-sec/conductor/internal/finding"
)

// The format names [Detect] returns and [ParseRecord] accepts. They are also the
// Source of the findings each produces.
const (
	FormatSuricata  = "suricata"
	FormatGuardDuty = "guardduty"
	FormatElastic   = "elastic"
	FormatOCSF      = "ocsf"
	FormatWazuh     = "wazuh"
	// FormatGeneric is a plain JSON object written by hand or by a script:
	//
	//	{"title": "Brute force on vpn-01", "time": "2026-03-01T10:00:00Z",
	//	 "severity": "high", "description": "...", "source": "my-script",
	//	 "rule_id": "vpn-bf-1", "techniques": ["T1110"],
	//	 "labels": {"site": "lyon"},
	//	 "observables": [{"kind": "ip", "value": "203.0.113.5", "role": "src"}]}
	//
	// Only title is required. time is RFC 3339 (or epoch seconds or milliseconds);
	// severity is info, low, medium, high, critical or a number 0-100; kind is one of
	// ip, domain, url, hash, email, user, host, process, file. docs/ingest.md has
	// the full description.
	FormatGeneric = "generic"
	FormatEmail   = "email"
)

// Default caps, used when an [Options] field is zero.
const (
	DefaultMaxFileBytes   = 64 << 20
	DefaultMaxRecordBytes = 16 << 20
	DefaultMaxTextBytes   = 64 << 10
)

// Sentinel errors for callers to branch on with errors.Is.
var (
	// ErrUnknownFormat means no parser recognised a record.
	ErrUnknownFormat = errors.New("unknown alert format")
	// ErrTooLarge means a file or a record is over its size cap.
	ErrTooLarge = errors.New("input too large")
	// ErrNotAlert marks a record of a known format that is not an alert (an EVE
	// flow or stats event, an ECS event, an OCSF authentication event). [Parse]
	// counts these in [Result.Skipped] rather than reporting them.
	ErrNotAlert = errors.New("not an alert")
)

// Options caps what the parsers read. Zero values mean the defaults.
type Options struct {
	// MaxFileBytes caps a whole file; zero means 64 MiB.
	MaxFileBytes int64
	// MaxRecordBytes caps one record; zero means 16 MiB. Larger records are
	// skipped with a [RecordError].
	MaxRecordBytes int
	// MaxTextBytes caps titles, descriptions, label and observable values; zero
	// means 64 KiB. Longer text is cut with a "…[truncated N bytes]" marker and
	// [finding.Finding.Truncated] is set.
	MaxTextBytes int
	// OrgDomain reports whether a domain is the organisation's; the e-mail
	// parser uses it to tell a colleague's report from a phish (see
	// [email.Options]). Nil makes the parser guess, more strictly.
	OrgDomain func(domain string) bool
}

func (o Options) withDefaults() Options {
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = DefaultMaxFileBytes
	}
	if o.MaxRecordBytes <= 0 {
		o.MaxRecordBytes = DefaultMaxRecordBytes
	}
	if o.MaxTextBytes <= 0 {
		o.MaxTextBytes = DefaultMaxTextBytes
	}
	return o
}

// Result is what one file yielded.
type Result struct {
	// Findings are the parsed alerts, in file order.
	Findings []finding.Finding
	// Errors lists the records that could not be parsed, in file order.
	Errors []RecordError
	// Skipped counts records of a known format that are not alerts.
	Skipped int
}

// RecordError says which record of which file failed, as which format, and why.
type RecordError struct {
	// File is the name given to [Parse], or the path given to [ParseFile].
	File string
	// Record numbers records from 1 in file order: lines of NDJSON (blank lines
	// do not count), elements of a JSON array, data rows of a CSV.
	Record int
	// Format is the format the record was parsed as; empty when none was detected.
	Format string
	// Err is what was wrong; it wraps [ErrUnknownFormat] or [ErrTooLarge] where
	// those apply.
	Err error
}

// Error reads like `alerts.json record 3 (suricata): missing "alert.signature": want
// an EVE alert event`.
func (e RecordError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Record > 0 {
		b.WriteString(" record ")
		b.WriteString(strconv.Itoa(e.Record))
	}
	if e.Format != "" {
		b.WriteString(" (" + e.Format + ")")
	}
	b.WriteString(": ")
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause, so errors.Is(err, ErrTooLarge) works.
func (e RecordError) Unwrap() error { return e.Err }

// ParseFile reads and parses one file. The error is only for a file that cannot be
// read or is over the cap; problems with single records are in [Result.Errors].
func ParseFile(path string, opts Options) (Result, error) {
	opts = opts.withDefaults()

	fh, err := os.Open(path)
	if err != nil {
		return Result{}, fmt.Errorf("opening alert file: %w", err)
	}
	defer fh.Close()

	data, err := readCapped(fh, path, opts.MaxFileBytes)
	if err != nil {
		return Result{}, err
	}
	return Parse(path, data, opts)
}

// Parse parses the contents of a file; name is used in errors and to recognise
// ".eml" files. The error is only for data over [Options.MaxFileBytes].
func Parse(name string, data []byte, opts Options) (Result, error) {
	opts = opts.withDefaults()
	if int64(len(data)) > opts.MaxFileBytes {
		return Result{}, tooLargeFile(name, int64(len(data)), opts.MaxFileBytes)
	}

	s := newSession(name, opts)
	defer s.close()

	if isEmail(name, data) {
		s.email(data)
		return s.res, nil
	}
	var recs []record
	split(data, func(r record) { recs = append(recs, r) })
	return parseRecords(s, recs), nil
}

// parallelMin is the record count from which a file is parsed on two cores.
const parallelMin = 4096

// parseRecords parses recs in order, the second half on another goroutine
// with its own session when the file is large; results keep file order.
func parseRecords(s *session, recs []record) Result {
	if len(recs) < parallelMin {
		for _, r := range recs {
			s.record(r)
		}
		return s.res
	}

	half := len(recs) / 2
	other := newSession(s.name, s.opts)
	defer other.close()
	var wg sync.WaitGroup
	wg.Go(func() {
		for _, r := range recs[half:] {
			other.record(r)
		}
	})
	for _, r := range recs[:half] {
		s.record(r)
	}
	wg.Wait()

	s.res.Findings = append(s.res.Findings, other.res.Findings...)
	s.res.Errors = append(s.res.Errors, other.res.Errors...)
	s.res.Skipped += other.res.Skipped
	return s.res
}

// Detect names the format of one record: one JSON object, a GuardDuty CSV with its
// header, or an RFC 5322 message.
func Detect(record []byte) (string, error) {
	t := trimLeft(record)
	switch {
	case len(t) == 0:
		return "", fmt.Errorf("%w: empty record", ErrUnknownFormat)
	case t[0] != '{' && t[0] != '[' && isGuardDutyCSV(t):
		return FormatGuardDuty, nil
	case t[0] != '{' && t[0] != '[' && sniffEmail(t):
		return FormatEmail, nil
	}

	p := parsers.Get()
	defer parsers.Put(p)
	v, err := p.ParseBytes(t)
	if err != nil {
		return "", fmt.Errorf("%w: parsing json: %w", ErrUnknownFormat, err)
	}
	return detect(v)
}

// ParseRecord parses one record as the named format. Raw is set to record itself.
// An e-mail is capped by [Options.MaxFileBytes], since it is a whole file; any other
// record by [Options.MaxRecordBytes].
func ParseRecord(format string, record []byte, opts Options) (finding.Finding, error) {
	opts = opts.withDefaults()
	if format == FormatEmail {
		if int64(len(record)) > opts.MaxFileBytes {
			return finding.Finding{}, tooLargeFile("e-mail", int64(len(record)),
				opts.MaxFileBytes)
		}
		return parseEmail(record, opts)
	}
	if len(record) > opts.MaxRecordBytes {
		return finding.Finding{}, tooLargeRecord(len(record), opts.MaxRecordBytes)
	}

	if t := trimLeft(record); format == FormatGuardDuty && len(t) > 0 && t[0] != '{' {
		return parseCSVRecord(record, opts)
	}

	p := parsers.Get()
	defer parsers.Put(p)
	v, err := p.ParseBytes(record)
	if err != nil {
		return finding.Finding{}, fmt.Errorf("parsing json: %w", err)
	}
	return parseValue(format, v, record, opts)
}

func tooLargeFile(name string, size, limit int64) error {
	return fmt.Errorf("%s: %w: %d bytes is over the %d-byte file cap "+
		"(raise it with --max-file-bytes)", name, ErrTooLarge, size, limit)
}

func tooLargeRecord(size, limit int) error {
	return fmt.Errorf("%w: record of %d bytes is over the %d-byte record cap",
		ErrTooLarge, size, limit)
}
