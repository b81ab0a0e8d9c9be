package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/valyala/fastjson"

	"github.com/conductor-sec/conductor/internal/finding"
)

// parsers are reused across records and calls: a fastjson parser keeps its buffers,
// which is most of what makes parsing cheap.
var parsers fastjson.ParserPool

// session parses the records of one file.
type session struct {
	name string
	opts Options
	p    *fastjson.Parser
	res  Result
}

func newSession(name string, opts Options) *session {
	return &session{name: name, opts: opts, p: parsers.Get()}
}

func (s *session) close() { parsers.Put(s.p) }

// record parses one record cut out of the file and files the outcome.
func (s *session) record(r record) {
	if r.err != nil {
		s.fail(r.n, r.format, r.err)
		return
	}
	if len(r.raw) > s.opts.MaxRecordBytes {
		s.fail(r.n, r.format, tooLargeRecord(len(r.raw), s.opts.MaxRecordBytes))
		return
	}

	v, err := s.p.ParseBytes(r.doc)
	if err != nil {
		s.fail(r.n, r.format, fmt.Errorf("parsing json: %w", err))
		return
	}
	format := r.format
	if format == "" {
		if format, err = detect(v); err != nil {
			s.fail(r.n, "", err)
			return
		}
	}

	f, err := parseValue(format, v, r.raw, s.opts)
	switch {
	case errors.Is(err, ErrNotAlert):
		s.res.Skipped++
	case err != nil:
		s.fail(r.n, format, err)
	default:
		s.res.Findings = append(s.res.Findings, f)
	}
}

// email hands the whole file to the e-mail parser as one record.
func (s *session) email(data []byte) {
	f, err := parseEmail(data, s.opts)
	if err != nil {
		s.fail(1, FormatEmail, err)
		return
	}
	s.res.Findings = append(s.res.Findings, f)
}

func (s *session) fail(n int, format string, err error) {
	s.res.Errors = append(s.res.Errors, RecordError{
		File: s.name, Record: n, Format: format, Err: err,
	})
}

// parseValue runs the named format's parser over a decoded record.
func parseValue(format string, v *fastjson.Value, raw []byte, opts Options) (
	finding.Finding, error,
) {
	parse, ok := formatParsers[format]
	if !ok {
		return finding.Finding{}, fmt.Errorf("%w: %q is not a format name", ErrUnknownFormat, format)
	}

	b := newBuilder(format, raw, opts)
	if err := parse(b, v); err != nil {
		return finding.Finding{}, err
	}
	return b.finish(), nil
}

// formatParsers maps each JSON format to its parser. E-mail is not here: it is not
// JSON and is handed to its own package whole.
var formatParsers = map[string]func(*builder, *fastjson.Value) error{
	FormatSuricata:  parseSuricata,
	FormatGuardDuty: parseGuardDuty,
	FormatElastic:   parseElastic,
	FormatOCSF:      parseOCSF,
	FormatWazuh:     parseWazuh,
	FormatGeneric:   parseGeneric,
}

// readCapped reads a whole file, refusing one over limit before reading it when
// its size is known, and while reading otherwise (a pipe, a growing file).
func readCapped(fh *os.File, path string, limit int64) ([]byte, error) {
	if st, err := fh.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > limit {
		return nil, tooLargeFile(path, st.Size(), limit)
	}

	data, err := io.ReadAll(io.LimitReader(fh, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading alert file: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, tooLargeFile(path, int64(len(data)), limit)
	}
	return data, nil
}

// trimLeft drops a UTF-8 byte order mark and leading white space.
func trimLeft(b []byte) []byte {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	return bytes.TrimLeft(b, " \t\r\n")
}
