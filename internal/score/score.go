// Package score rates a case's severity from 0 to 100 and shows every factor
// that moved the number, so an analyst can see why a case ranks where it
// does and argue with a single term rather than a verdict.
//
// # Factors
//
// Each factor rates one aspect of the case from 0 to 100; its points are
// that rating times its weight, rounded. The score is the sum of the
// points, clamped to 0-100. The weights live in one table (factors, in
// factors.go) so they are easy to tune:
//
//	factor             weight  rating 0-100
//	source_severity     0.40   highest finding SeverityScore (else its band: info 10,
//	                           low 30, medium 50, high 70, critical 90)
//	intel_match         0.30   highest intel-hit confidence
//	attack_technique    0.20   highest ATT&CK technique weight; credential access,
//	                           impact, exfiltration and lateral movement rate highest,
//	                           an unlisted technique 20 (see techniqueWeights)
//	asset_criticality   0.15   crown jewel 100, else critical 90, high 70, medium 40,
//	                           low 15
//	user_privilege      0.10   break-glass 100, admin 80, VIP or executive 70,
//	                           service account 40
//	email_signals       0.15   sum over distinct phishing signals (homoglyph 40,
//	                           double_extension 40, url_text_mismatch 35, dmarc_fail
//	                           30, display_name_spoof 30, reply_to_mismatch 25, …),
//	                           capped at 100
//	corroboration       0.10   25 per distinct finding beyond the first plus 25 per
//	                           distinct source beyond the first, capped at 100
//	related_malicious   0.15   earlier malicious cases sharing entities: 1 → 60,
//	                           2 → 80, 3 or more → 100
//	repetition          0.05   10 per sighting of the same alert beyond the first,
//	                           capped at 100
//	known_benign       -0.50   known false-positive reasons: one → 70, each more
//	                           +15, capped at 100 (so at most -50 points)
//
// So the most a single finding can bring alone is 40 points: a case reaches
// high or critical only with context or corroboration behind it.
//
// # Bands
//
// info below 20, low 20-39, medium 40-59, high 60-79, critical 80 and above.
//
// # Confidence
//
// Confidence (0-1) says how much independent evidence stands behind the
// score, not how bad the case is. It is 0 without findings; otherwise it
// starts at 0.2 (one source's word) and adds 0.25 for an intel hit (0.05
// more when two or more distinct values hit, 0.1 more when a hit has
// confidence 90 or above), 0.1 when a finding's own severity is 90 or above
// (a detector sure enough to call it critical), 0.1 per distinct finding
// beyond the first (at most 0.3), 0.05 per distinct e-mail signal (at most
// 0.2), 0.1 when earlier malicious cases share entities and 0.1 when
// known-benign reasons exist (evidence too, of the other kind); capped at 1
// and rounded to two decimals.
package score

import (
	"math"

	"github.com/conductor-sec/conductor/internal/finding"
)

// Hit is a threat-intelligence match on one of the case's entities.
type Hit struct {
	Kind       string `json:"kind"`
	Value      string `json:"value"`
	Threat     string `json:"threat,omitempty"`
	Confidence int    `json:"confidence"`
}

// AssetFact is what the inventory knows about a host the case touches.
type AssetFact struct {
	Name string `json:"name"`
	// Criticality is low, medium, high or critical; empty when unknown.
	Criticality string `json:"criticality,omitempty"`
	CrownJewel  bool   `json:"crown_jewel,omitempty"`
}

// UserFact is what the directory knows about an account the case touches.
type UserFact struct {
	Name string `json:"name"`
	// Role is employee, admin, service or executive; empty when unknown.
	Role       string `json:"role,omitempty"`
	VIP        bool   `json:"vip,omitempty"`
	BreakGlass bool   `json:"break_glass,omitempty"`
}

// Input is everything the score looks at.
type Input struct {
	// Findings are the case's findings.
	Findings  []finding.Finding
	IntelHits []Hit
	Assets    []AssetFact
	Users     []UserFact
	// RelatedMalicious counts earlier cases with verdict malicious that share
	// entities with this one.
	RelatedMalicious int
	// DuplicateCount is how many times the same alert was seen; 0 and 1 both
	// mean once.
	DuplicateCount int
	// KnownBenign lists reasons the case looks like a known false positive,
	// e.g. "backup server nightly job".
	KnownBenign []string
}

// Factor is one term of the score.
type Factor struct {
	// Name is a stable snake_case id, e.g. "intel_match".
	Name string `json:"name"`
	// Weight is the factor's weight; negative for reductions.
	Weight float64 `json:"weight"`
	// Points is the factor's contribution to the score before clamping.
	Points int `json:"points"`
	// Detail says what earned the points, in words an analyst can check.
	Detail string `json:"detail"`
}

// Result is a scored case.
type Result struct {
	// Score is 0-100.
	Score int `json:"score"`
	// Band is info, low, medium, high or critical.
	Band string `json:"band"`
	// Confidence is 0-1: how much independent evidence backs the score.
	Confidence float64 `json:"confidence"`
	// Factors are the factors that contributed, in the order of the table
	// above; source_severity is always first, even at 0 points.
	Factors []Factor `json:"factors"`
}

// The severity bands, lowest first.
const (
	BandInfo     = "info"
	BandLow      = "low"
	BandMedium   = "medium"
	BandHigh     = "high"
	BandCritical = "critical"
)

// Score rates a case. It is a pure function of its input.
func Score(in Input) Result {
	var res Result
	total := 0
	for _, f := range factors {
		rating, detail := f.rate(&in)
		points := divRound(f.weight*min(max(rating, 0), 100), 100)
		if points == 0 && f.name != "source_severity" {
			continue
		}
		total += points
		res.Factors = append(res.Factors, Factor{
			Name: f.name, Weight: float64(f.weight) / 100, Points: points, Detail: detail,
		})
	}

	res.Score = min(max(total, 0), 100)
	res.Band = BandOf(res.Score)
	res.Confidence = confidence(&in)
	return res
}

// divRound divides a by b > 0, rounding halves away from zero.
func divRound(a, b int) int {
	if a < 0 {
		return -((-a + b/2) / b)
	}
	return (a + b/2) / b
}

// BandOf returns the band a score falls in.
func BandOf(score int) string {
	switch {
	case score >= 80:
		return BandCritical
	case score >= 60:
		return BandHigh
	case score >= 40:
		return BandMedium
	case score >= 20:
		return BandLow
	}
	return BandInfo
}

func confidence(in *Input) float64 {
	if len(in.Findings) == 0 {
		return 0
	}
	c := 0.2
	if values := distinctHitValues(in.IntelHits); values > 0 {
		c += 0.25
		if values > 1 {
			c += 0.05
		}
		if maxHitConfidence(in.IntelHits) >= 90 {
			c += 0.1
		}
	}
	if sev, _ := rateSeverity(in); sev >= 90 {
		c += 0.1
	}
	c += 0.1 * float64(min(distinctFindings(in.Findings)-1, 3))
	c += 0.05 * float64(min(len(emailSignalSet(in.Findings)), 4))
	if in.RelatedMalicious > 0 {
		c += 0.1
	}
	if len(in.KnownBenign) > 0 {
		c += 0.1
	}
	return math.Round(math.Min(c, 1)*100) / 100
}

func maxHitConfidence(hits []Hit) int {
	best := 0
	for _, h := range hits {
		best = max(best, h.Confidence)
	}
	return best
}

func distinctHitValues(hits []Hit) int {
	seen := map[string]bool{}
	for _, h := range hits {
		seen[h.Kind+":"+h.Value] = true
	}
	return len(seen)
}
