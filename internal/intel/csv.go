package intel

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// csvColumns are the header names the CSV loader knows. Only value is
// required; the order is free and unknown columns are ignored.
var csvColumns = []string{"type", "value", "threat", "confidence", "source", "tags", "valid_until"}

// kindAliases maps the type column (and MISP-like spellings people paste)
// to kinds.
var kindAliases = map[string]string{
	"ip": KindIP, "ipv4": KindIP, "ipv6": KindIP, "cidr": KindIP, "ip-src": KindIP,
	"ip-dst": KindIP, "domain": KindDomain, "hostname": KindDomain, "fqdn": KindDomain,
	"url": KindURL, "uri": KindURL, "hash": KindHash, "md5": KindHash, "sha1": KindHash,
	"sha256": KindHash, "sha512": KindHash, "email": KindEmail, "email-src": KindEmail,
}

// loadCSV reads the CSV format described in the package documentation.
func (s *Set) loadCSV(name string, data []byte) (int, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comment = '#'
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.ReuseRecord = false

	first, err := r.Read()
	if errors.Is(err, io.EOF) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading csv: %w", err)
	}
	cols, header, err := csvHeader(first)
	if err != nil {
		return 0, err
	}

	l := &loader{set: s, file: name}
	if !header {
		l.csvRow(cols, first, csvLine(r))
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return l.n, fmt.Errorf("reading csv: %w", err)
		}
		l.csvRow(cols, rec, csvLine(r))
	}
	return l.done()
}

func csvLine(r *csv.Reader) int {
	line, _ := r.FieldPos(0)
	return line
}

// csvHeader returns the column index of each known name. A first row that
// names a "value" column is a header; without one, a one-column file is a
// plain list of values and anything wider is refused.
func csvHeader(first []string) (map[string]int, bool, error) {
	cols := map[string]int{}
	for i, f := range first {
		f = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(f, "\ufeff")))
		for _, known := range csvColumns {
			if f == known {
				cols[f] = i
			}
		}
	}
	if _, ok := cols["value"]; ok {
		return cols, true, nil
	}
	if len(first) == 1 {
		return map[string]int{"value": 0}, false, nil
	}
	return nil, false, fmt.Errorf("%w: csv header names no value column", ErrUnsupported)
}

func (l *loader) csvRow(cols map[string]int, rec []string, line int) {
	get := func(col string) string {
		i, ok := cols[col]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	where := fmt.Sprintf("line %d", line)
	if get("value") == "" {
		if strings.Join(rec, "") != "" {
			l.skip(where, errors.New("empty value"))
		}
		return
	}
	ind, err := l.csvIndicator(get)
	if err != nil {
		l.skip(where, err)
		return
	}
	ind.Ref = fmt.Sprintf("%s:%d", l.file, line)
	l.add(ind, where)
}

func (l *loader) csvIndicator(get func(string) string) (Indicator, error) {
	ind := Indicator{
		Value:      get("value"),
		Threat:     get("threat"),
		Source:     firstNonEmpty(get("source"), l.file),
		Confidence: DefaultConfidence,
		Tags:       strings.Split(get("tags"), ";"),
	}
	var err error
	if ind.Kind, err = csvKind(get("type"), ind.Value); err != nil {
		return ind, err
	}
	if c := get("confidence"); c != "" {
		ind.Confidence, err = strconv.Atoi(c)
		if err != nil || ind.Confidence < 0 || ind.Confidence > 100 {
			return ind, fmt.Errorf("confidence %q: want 0-100", clip(c))
		}
	}
	if v := get("valid_until"); v != "" {
		if ind.ValidUntil, err = parseDate(v); err != nil {
			return ind, fmt.Errorf("valid_until: %w", err)
		}
	}
	return ind, nil
}

func csvKind(typ, value string) (string, error) {
	if typ == "" {
		return InferKind(value), nil
	}
	if k, ok := kindAliases[strings.ToLower(typ)]; ok {
		return k, nil
	}
	return "", fmt.Errorf("type %q: %w", clip(typ), ErrUnknownKind)
}

func parseDate(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), nil
	}
	return time.Parse(time.DateOnly, v)
}

// InferKind guesses the kind of a bare value: ip for an address or CIDR,
// url when it has "://", hash for hex of a hash length, email when it has
// "@", else domain. The guess is only a kind; [Normalize] still decides
// whether the value is valid.
func InferKind(v string) string {
	v = refang(strings.TrimSpace(v))
	if _, err := netip.ParseAddr(v); err == nil {
		return KindIP
	}
	if _, err := netip.ParsePrefix(v); err == nil {
		return KindIP
	}
	switch {
	case strings.Contains(v, "://"):
		return KindURL
	case strings.Contains(v, "@"):
		return KindEmail
	}
	if _, ok := normHash(v); ok {
		return KindHash
	}
	return KindDomain
}
