package score

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/conductor-sec/conductor/internal/finding"
)

// factor is one row of the weight table: a name, a weight in hundredths
// (integer, so 0.30 × 95 rounds to 29 and not, through binary floating
// point, to 28), and a rating of the input from 0 to 100 with the words that
// explain it.
type factor struct {
	name   string
	weight int
	rate   func(in *Input) (int, string)
}

// factors is the weight table; the package documentation mirrors it.
var factors = []factor{
	{"source_severity", 40, rateSeverity},
	{"intel_match", 30, rateIntel},
	{"attack_technique", 20, rateTechnique},
	{"asset_criticality", 15, rateAssets},
	{"user_privilege", 10, rateUsers},
	{"email_signals", 15, rateEmail},
	{"corroboration", 10, rateCorroboration},
	{"related_malicious", 15, rateRelated},
	{"repetition", 5, rateRepetition},
	{"known_benign", -50, rateBenign},
}

// bandSeverity stands in for a finding whose source gave no score.
var bandSeverity = map[finding.Severity]int{
	finding.SeverityInfo: 10, finding.SeverityLow: 30, finding.SeverityMedium: 50,
	finding.SeverityHigh: 70, finding.SeverityCritical: 90,
}

func rateSeverity(in *Input) (int, string) {
	best, detail := -1, "no findings"
	for i := range in.Findings {
		f := &in.Findings[i]
		sev, from := f.SeverityScore, string(f.Severity)
		if sev <= 0 {
			sev, from = bandSeverity[f.Severity], "band "+string(f.Severity)
		}
		if sev > best {
			best = sev
			detail = fmt.Sprintf("%d%s from %s %q", sev, paren(from), f.Source, clip(f.Title))
		}
	}
	return max(best, 0), detail
}

func paren(s string) string {
	if s == "" || s == "band " {
		return ""
	}
	return " (" + s + ")"
}

func rateIntel(in *Input) (int, string) {
	if len(in.IntelHits) == 0 {
		return 0, ""
	}
	best := in.IntelHits[0]
	for _, h := range in.IntelHits[1:] {
		if h.Confidence > best.Confidence {
			best = h
		}
	}
	detail := fmt.Sprintf("%s (%s)", clip(best.Value), best.Kind)
	if best.Threat != "" {
		detail += ": " + clip(best.Threat)
	}
	detail += fmt.Sprintf(", confidence %d", best.Confidence)
	return best.Confidence, detail + more(len(in.IntelHits)-1, "hit")
}

func rateTechnique(in *Input) (int, string) {
	best, detail := 0, ""
	for _, f := range in.Findings {
		for _, id := range f.Techniques {
			if w, d := lookupTechnique(id); w > best {
				best, detail = w, d
			}
		}
	}
	return best, detail
}

// criticality rates an asset's criticality label.
var criticality = map[string]int{"critical": 90, "high": 70, "medium": 40, "low": 15}

func rateAssets(in *Input) (int, string) {
	best, detail := 0, ""
	for _, a := range in.Assets {
		rating := criticality[strings.ToLower(a.Criticality)]
		var words []string
		if a.CrownJewel {
			rating = 100
			words = append(words, "crown jewel")
		}
		if a.Criticality != "" {
			words = append(words, "criticality "+a.Criticality)
		}
		if rating > best {
			best, detail = rating, clip(a.Name)+": "+strings.Join(words, ", ")
		}
	}
	return best, detail
}

// roles rates a user's role; admin spellings vary between directories.
var roles = map[string]int{
	"admin": 80, "administrator": 80, "domain_admin": 80, "privileged": 80,
	"executive": 70, "service": 40,
}

func rateUsers(in *Input) (int, string) {
	best, detail := 0, ""
	for _, u := range in.Users {
		rating, words := roles[strings.ToLower(u.Role)], []string{}
		if rating > 0 {
			words = append(words, u.Role)
		}
		if u.VIP {
			rating = max(rating, 70)
			words = append(words, "VIP")
		}
		if u.BreakGlass {
			rating = 100
			words = append(words, "break-glass account")
		}
		if rating > best {
			best, detail = rating, clip(u.Name)+": "+strings.Join(words, ", ")
		}
	}
	return best, detail
}

func rateCorroboration(in *Input) (int, string) {
	n := distinctFindings(in.Findings)
	sources := map[string]bool{}
	for _, f := range in.Findings {
		sources[f.Source] = true
	}
	rating := 25*(n-1) + 25*(len(sources)-1)
	if rating <= 0 {
		return 0, ""
	}
	names := make([]string, 0, len(sources))
	for s := range sources {
		names = append(names, s)
	}
	sort.Strings(names)
	return rating, fmt.Sprintf("%s from %s (%s)", plural(n, "distinct finding"),
		plural(len(sources), "source"), strings.Join(names, ", "))
}

// distinctFindings counts findings that are not the same detection again.
func distinctFindings(fs []finding.Finding) int {
	seen := map[string]bool{}
	for _, f := range fs {
		seen[f.Source+"\x00"+f.RuleID+"\x00"+strings.ToLower(f.Title)] = true
	}
	return len(seen)
}

func rateRelated(in *Input) (int, string) {
	n := in.RelatedMalicious
	rating := 100
	switch {
	case n <= 0:
		return 0, ""
	case n == 1:
		return 60, "1 earlier malicious case shares entities"
	case n == 2:
		rating = 80
	}
	return rating, fmt.Sprintf("%d earlier malicious cases share entities", n)
}

func rateRepetition(in *Input) (int, string) {
	if in.DuplicateCount <= 1 {
		return 0, ""
	}
	return 10 * (in.DuplicateCount - 1),
		fmt.Sprintf("same alert seen %d times", in.DuplicateCount)
}

func rateBenign(in *Input) (int, string) {
	n := len(in.KnownBenign)
	if n == 0 {
		return 0, ""
	}
	reasons := make([]string, n)
	for i, r := range in.KnownBenign {
		reasons[i] = clip(r)
	}
	return 70 + 15*(n-1), "known benign: " + strings.Join(reasons, "; ")
}

// more tells how many items beyond the one shown there are.
func more(n int, noun string) string {
	if n <= 0 {
		return ""
	}
	return "; " + plural(n, "more "+noun)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// clip keeps details readable when a title or value from an alert is long;
// the text itself is data from outside and is shown, never interpreted.
func clip(s string) string {
	const limit = 80
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	return string([]rune(s)[:limit]) + "…"
}
