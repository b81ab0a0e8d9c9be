package score

import (
	"fmt"
	"sort"
	"strings"

	"github.com/conductor-sec/conductor/internal/finding"
)

// signalPoints rates the phishing signals the e-mail parser names (see
// [finding.Email.Signals]) and the authentication failures read from
// [finding.Auth]. Deception aimed at the reader (a lookalike domain, a
// disguised attachment, a link that lies about its target) rates above a
// failed check, which also has innocent causes such as forwarding.
var signalPoints = map[string]int{
	"homoglyph":             40,
	"double_extension":      40,
	"url_text_mismatch":     35,
	"display_name_spoof":    30,
	"dmarc_fail":            30,
	"reply_to_mismatch":     25,
	"url_ip_host":           25,
	"spf_fail":              20,
	"dkim_fail":             15,
	"return_path_mismatch":  15,
	"spf_softfail":          10,
	"executable_attachment": 40,
	"url_shortener":         15,
	"lure_language":         20,
	// Raised by the engine, not the parser: the display name is an employee's
	// while the address is outside the organisation (executive impersonation).
	"internal_impersonation": 45,
	"html_only":              5,
}

// unlistedSignal is the rating of a signal name missing from the table, so
// a new parser signal counts for something before it is tuned.
const unlistedSignal = 10

func rateEmail(in *Input) (int, string) {
	set := emailSignalSet(in.Findings)
	if len(set) == 0 {
		return 0, ""
	}
	names := make([]string, 0, len(set))
	total := 0
	for name := range set {
		names = append(names, name)
		total += signalRating(name)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := signalRating(names[i]), signalRating(names[j])
		return a > b || a == b && names[i] < names[j]
	})

	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %d", n, signalRating(n))
	}
	return total, plural(len(names), "signal") + ": " + strings.Join(parts, ", ")
}

func signalRating(name string) int {
	if p, ok := signalPoints[name]; ok {
		return p
	}
	return unlistedSignal
}

// emailSignalSet gathers the distinct signals of every e-mail finding,
// adding authentication failures the parser recorded only as results.
func emailSignalSet(fs []finding.Finding) map[string]bool {
	set := map[string]bool{}
	for _, f := range fs {
		if f.Email == nil {
			continue
		}
		for _, s := range f.Email.Signals {
			if s = strings.ToLower(strings.TrimSpace(s)); s != "" {
				set[s] = true
			}
		}
		addAuth(set, f.Email.Auth)
	}
	return set
}

func addAuth(set map[string]bool, a finding.Auth) {
	switch strings.ToLower(a.SPF) {
	case "fail":
		set["spf_fail"] = true
	case "softfail":
		set["spf_softfail"] = true
	}
	if strings.EqualFold(a.DKIM, "fail") {
		set["dkim_fail"] = true
	}
	if strings.EqualFold(a.DMARC, "fail") {
		set["dmarc_fail"] = true
	}
}
