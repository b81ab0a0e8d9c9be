package ingest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/conductor-sec/conductor/internal/finding"
)

// GuardDuty findings exported from Microsoft Sentinel's AWSGuardDuty table come as
// CSV: one finding per row, with the finding's resource and service objects as JSON
// strings in ResourceDetails and ServiceDetails. Each row is turned into a JSON
// object keyed by the header and parsed like any GuardDuty finding; Raw keeps the
// row's own bytes.

// isGuardDutyCSV checks the header line for the columns only that table has.
func isGuardDutyCSV(data []byte) bool {
	header := data
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		header = data[:i]
	}
	return bytes.Contains(header, []byte("ActivityType")) &&
		(bytes.Contains(header, []byte("ServiceDetails")) ||
			bytes.Contains(header, []byte("ResourceDetails")))
}

// splitCSV calls fn for each data row; rows are numbered from 1 after the header.
func splitCSV(data []byte, fn func(record)) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		fn(record{n: 1, format: FormatGuardDuty, err: fmt.Errorf("reading csv header: %w", err)})
		return
	}

	prev := r.InputOffset()
	for n := 1; ; n++ {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			return
		}
		end := r.InputOffset()
		raw := bytes.TrimRight(data[prev:end], "\r\n")
		prev = end
		if err != nil {
			// A quoting error leaves the reader at an unknown place: stop here.
			fn(record{n: n, format: FormatGuardDuty, err: fmt.Errorf("reading csv: %w", err)})
			return
		}
		fn(record{n: n, raw: raw, doc: rowJSON(header, row), format: FormatGuardDuty})
	}
}

// rowJSON builds {"Header": "value", ...}; a cell that holds valid JSON (the
// ResourceDetails and ServiceDetails columns) is embedded as JSON.
func rowJSON(header, row []string) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i := range min(len(header), len(row)) {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(&b, strings.TrimPrefix(header[i], "\ufeff"))
		b.WriteByte(':')
		cell := strings.TrimSpace(row[i])
		if strings.HasPrefix(cell, "{") || strings.HasPrefix(cell, "[") {
			if json.Valid([]byte(cell)) {
				b.WriteString(cell)
				continue
			}
		}
		writeJSONString(&b, row[i])
	}
	b.WriteByte('}')
	return b.Bytes()
}

func writeJSONString(b *bytes.Buffer, s string) {
	q, _ := json.Marshal(s) // marshalling a string cannot fail
	b.Write(q)
}

// parseCSVRecord parses a CSV holding a header and exactly one row, for
// [ParseRecord].
func parseCSVRecord(data []byte, opts Options) (finding.Finding, error) {
	var recs []record
	splitCSV(trimLeft(data), func(r record) { recs = append(recs, r) })
	if len(recs) != 1 {
		return finding.Finding{}, fmt.Errorf("csv has %d rows: want a header and one row",
			len(recs))
	}
	if recs[0].err != nil {
		return finding.Finding{}, recs[0].err
	}

	p := parsers.Get()
	defer parsers.Put(p)
	v, err := p.ParseBytes(recs[0].doc)
	if err != nil {
		return finding.Finding{}, fmt.Errorf("parsing csv row: %w", err)
	}
	return parseValue(FormatGuardDuty, v, data, opts)
}
