package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/conductor-sec/conductor/internal/finding"
	"github.com/conductor-sec/conductor/internal/ingest/email"
)

// sniffLines is how many header lines sniffEmail reads before deciding.
const sniffLines = 64

// mailHeaders are header names that mark a message rather than any "Key: value" text.
var mailHeaders = map[string]bool{
	"from": true, "to": true, "subject": true, "date": true, "received": true,
	"message-id": true, "return-path": true, "mime-version": true,
	"delivered-to": true, "reply-to": true, "content-type": true,
}

// isEmail reports whether a file is a reported e-mail: it ends in .eml, or it reads
// as RFC 5322 headers.
func isEmail(name string, data []byte) bool {
	return strings.EqualFold(filepath.Ext(name), ".eml") || sniffEmail(trimLeft(data))
}

// sniffEmail reports whether data starts with a block of RFC 5322 header lines
// (an mbox "From " line may come first) that names at least one header only a
// message has.
func sniffEmail(data []byte) bool {
	if len(data) == 0 || data[0] == '{' || data[0] == '[' {
		return false
	}
	if bytes.HasPrefix(data, []byte("From ")) {
		_, data, _ = bytes.Cut(data, []byte("\n"))
	}

	headers, known := 0, false
	for i := 0; i < sniffLines && len(data) > 0; i++ {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue // a folded continuation of the previous header
		}
		name, ok := headerName(line)
		if !ok {
			return false
		}
		headers++
		known = known || mailHeaders[strings.ToLower(name)]
	}
	return known && headers >= 2
}

// headerName returns the field name of a "Name: value" line.
func headerName(line []byte) (string, bool) {
	i := bytes.IndexByte(line, ':')
	if i <= 0 || i > 76 {
		return "", false
	}
	for _, c := range line[:i] {
		if c <= ' ' || c > '~' {
			return "", false
		}
	}
	return string(line[:i]), true
}

// parseEmail hands a message to the e-mail package with the file cap as its cap.
func parseEmail(raw []byte, opts Options) (finding.Finding, error) {
	limit := int(min(opts.MaxFileBytes, math.MaxInt32))
	f, err := email.Parse(raw, email.Options{MaxBytes: limit, OrgDomain: opts.OrgDomain})
	if err != nil {
		return finding.Finding{}, fmt.Errorf("parsing e-mail: %w", err)
	}
	if f == nil {
		return finding.Finding{}, errors.New("parsing e-mail: no finding returned")
	}

	out := *f
	if out.Source == "" {
		out.Source = FormatEmail
	}
	if out.Raw == nil {
		out.Raw = bytes.Clone(raw)
	}
	return out, nil
}
