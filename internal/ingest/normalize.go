package ingest

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/conductor-sec/conductor/internal/finding"
)

// timeLayouts are tried in order. Go accepts a fractional second after the seconds
// even when a layout does not show one. Suricata and Wazuh write the offset without
// a colon (+0000); a time without a zone is taken as UTC.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05Z0700",
	"2006-01-02 15:04:05",
	time.RFC1123Z,
	time.RFC1123,
}

var errTimeLayout = errors.New("want RFC 3339, 2006-01-02T15:04:05.000000-0700 " +
	"or epoch seconds or milliseconds")

// parseTime reads the time shapes alert sources use and returns UTC.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	// EVE and Wazuh times end in +hhmm: try that layout first, since a failed parse
	// allocates its error and this is the hot path.
	if n := len(s); n > 5 && (s[n-5] == '+' || s[n-5] == '-') && s[n-3] != ':' {
		if t, err := time.Parse(timeLayouts[1], s); err == nil {
			return t.UTC(), nil
		}
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return epoch(f)
	}
	return time.Time{}, errTimeLayout
}

// epoch reads seconds, or milliseconds when the number is too large to be seconds
// of this era (1e11 s is the year 5138).
func epoch(f float64) (time.Time, error) {
	if math.IsNaN(f) || f < 0 || f > 1e16 {
		return time.Time{}, errTimeLayout
	}
	if f >= 1e11 {
		return time.UnixMilli(int64(f)).UTC(), nil
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

// bandScores is the score given when a source only names a band.
var bandScores = map[finding.Severity]int{
	finding.SeverityInfo:     10,
	finding.SeverityLow:      25,
	finding.SeverityMedium:   50,
	finding.SeverityHigh:     75,
	finding.SeverityCritical: 95,
}

// band reads a severity name; ok is false for anything else. "informational" and
// "moderate" are accepted as synonyms some products use.
func band(s string) (finding.Severity, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "info", "informational":
		return finding.SeverityInfo, true
	case "low":
		return finding.SeverityLow, true
	case "medium", "moderate":
		return finding.SeverityMedium, true
	case "high":
		return finding.SeverityHigh, true
	case "critical":
		return finding.SeverityCritical, true
	}
	return "", false
}

// scoreBand maps a 0-100 score to a band: below 20 info, below 40 low, below 70
// medium, below 90 high, else critical.
func scoreBand(score int) finding.Severity {
	switch {
	case score >= 90:
		return finding.SeverityCritical
	case score >= 70:
		return finding.SeverityHigh
	case score >= 40:
		return finding.SeverityMedium
	case score >= 20:
		return finding.SeverityLow
	}
	return finding.SeverityInfo
}

// unknownSeverity is used when a source gives none: medium, so the finding is
// neither dropped as noise nor escalated on no evidence.
func (b *builder) unknownSeverity() {
	b.severity(finding.SeverityMedium, bandScores[finding.SeverityMedium])
}
