package telemetry

import (
	"strconv"
	"strings"
	"time"
)

// timeLayouts are tried in order. Go accepts a fractional second after the seconds
// even when the layout has none, so these cover ms, µs and 100 ns precision alike.
var timeLayouts = []string{
	time.RFC3339,                // 2020-10-19T02:56:18.954Z
	"2006-01-02T15:04:05Z0700",  // Suricata: +0000 without a colon
	"2006-01-02 15:04:05Z07:00", // space-separated with a zone
	"2006-01-02 15:04:05Z0700",
	"2006-01-02 15:04:05", // Sysmon UtcTime; EventTime and TimeCreated (no zone)
	"2006-01-02T15:04:05", // no zone
}

// parseTime reads an ISO-like timestamp or an epoch number and returns it in UTC.
// Times without a zone are taken as UTC.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}

	var t time.Time
	var ok bool
	if isEpoch(s) {
		t, ok = parseEpoch(s)
	} else {
		t, ok = parseLayouts(s)
	}
	// Outside this range UnixNano overflows or the value is surely not a log time.
	if !ok || t.Year() < 1900 || t.Year() > 2200 {
		return time.Time{}, false
	}
	return t.UTC(), true
}

func parseLayouts(s string) (time.Time, bool) {
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func isEpoch(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-' {
			return false
		}
	}
	return s[0] >= '0' && s[0] <= '9'
}

// parseEpoch reads seconds since 1970 with an optional fraction, exactly for the
// plain decimal form (Zeek writes µs) and through float64 for exponents. Integers
// too large to be seconds are taken as milliseconds, microseconds or nanoseconds.
func parseEpoch(s string) (time.Time, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	sec, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || !digitsOnly(frac) {
		return parseFloatEpoch(s)
	}
	if frac == "" {
		return scaleEpoch(sec), true
	}
	if len(frac) > 9 {
		frac = frac[:9]
	}
	ns, _ := strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
	return time.Unix(sec, ns), true
}

func parseFloatEpoch(s string) (time.Time, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f > 1e11 {
		return time.Time{}, false
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)), true
}

func scaleEpoch(n int64) time.Time {
	switch {
	case n > 1e17:
		return time.Unix(0, n)
	case n > 1e14:
		return time.UnixMicro(n)
	case n > 1e11:
		return time.UnixMilli(n)
	default:
		return time.Unix(n, 0)
	}
}

func digitsOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
