package lab

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// KnownBenign returns the reasons of every known-benign entry that the
// activity matches (see [Expected]): the hosts and users a finding names, its
// ATT&CK techniques and when it happened.
func (l *Lab) KnownBenign(hosts, users, techniques []string, at time.Time) []string {
	var out []string
	for _, e := range l.dir.org.KnownBenign {
		if e.matches(l, hosts, users, techniques, at) {
			out = append(out, e.Name+": "+e.Reason)
		}
	}
	return out
}

func (e Expected) matches(l *Lab, hosts, users, techniques []string, at time.Time) bool {
	if len(e.Hosts) > 0 && !anyMatch(e.Hosts, hosts, func(a, b string) bool {
		x, okx := l.dir.asset(a)
		y, oky := l.dir.asset(b)
		return okx && oky && x.Name == y.Name
	}) {
		return false
	}
	if len(e.Users) > 0 && !anyMatch(e.Users, users, func(a, b string) bool {
		x, okx := l.dir.user(a)
		y, oky := l.dir.user(b)
		return okx && oky && x.Name == y.Name
	}) {
		return false
	}
	if len(e.Techniques) > 0 && (len(techniques) == 0 || !allCovered(techniques, e.Techniques)) {
		return false
	}
	return e.HoursUTC == "" || withinHours(e.HoursUTC, at)
}

func anyMatch(want, have []string, same func(a, b string) bool) bool {
	return slices.ContainsFunc(have, func(h string) bool {
		return slices.ContainsFunc(want, func(w string) bool { return same(w, h) })
	})
}

// allCovered reports whether every technique falls under one of the allowed
// ids: T1021 covers T1021.004.
func allCovered(techniques, allowed []string) bool {
	for _, t := range techniques {
		if !slices.ContainsFunc(allowed, func(a string) bool {
			return strings.EqualFold(t, a) || strings.HasPrefix(strings.ToUpper(t),
				strings.ToUpper(a)+".")
		}) {
			return false
		}
	}
	return true
}

// parseHours reads "HH:MM-HH:MM" into minutes of the day.
func parseHours(s string) (from, to int, err error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, fmt.Errorf("%q: want a window such as 00:30-03:30", s)
	}
	if from, err = minuteOfDay(a); err == nil {
		to, err = minuteOfDay(b)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("%q: %w; want a window such as 00:30-03:30", s, err)
	}
	return from, to, nil
}

func minuteOfDay(s string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not a time of day", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

// withinHours reports whether at (in UTC) falls in the daily window, which may
// wrap midnight.
func withinHours(window string, at time.Time) bool {
	from, to, err := parseHours(window)
	if err != nil || at.IsZero() {
		return false
	}
	at = at.UTC()
	m := at.Hour()*60 + at.Minute()
	if from <= to {
		return m >= from && m < to
	}
	return m >= from || m < to
}
