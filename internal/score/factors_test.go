package score

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/conductor-sec/conductor/internal/finding"
)

// oneFinding is a plain finding so a test varies one factor at a time.
var oneFinding = []finding.Finding{{Source: "edr", Title: "x", SeverityScore: 50}}

// factorOf returns the named factor of a score, or the zero Factor.
func factorOf(res Result, name string) Factor {
	for _, f := range res.Factors {
		if f.Name == name {
			return f
		}
	}
	return Factor{}
}

func TestFactors(t *testing.T) {
	tests := []struct {
		name   string
		in     Input
		factor string
		want   Factor // zero: the factor must be absent
	}{
		// asset_criticality
		{"asset_medium", Input{Assets: []AssetFact{{Name: "APP-07", Criticality: "medium"}}},
			"asset_criticality", Factor{"asset_criticality", 0.15, 6, "APP-07: criticality medium"}},
		{"asset_crown_jewel_no_label", Input{Assets: []AssetFact{{Name: "HR-DB", CrownJewel: true}}},
			"asset_criticality", Factor{"asset_criticality", 0.15, 15, "HR-DB: crown jewel"}},
		{"asset_highest_wins", Input{Assets: []AssetFact{
			{Name: "WS-1", Criticality: "low"}, {Name: "DC01", Criticality: "Critical"},
			{Name: "WS-2", Criticality: "high"}}},
			"asset_criticality", Factor{"asset_criticality", 0.15, 14, "DC01: criticality Critical"}},
		{"asset_unknown", Input{Assets: []AssetFact{{Name: "printer-3"}}}, "asset_criticality",
			Factor{}},

		// user_privilege
		{"user_service", Input{Users: []UserFact{{Name: "svc-backup", Role: "service"}}},
			"user_privilege", Factor{"user_privilege", 0.1, 4, "svc-backup: service"}},
		{"user_vip_employee", Input{Users: []UserFact{{Name: "cfo", Role: "employee", VIP: true}}},
			"user_privilege", Factor{"user_privilege", 0.1, 7, "cfo: VIP"}},
		{"user_admin_vip", Input{Users: []UserFact{{Name: "it-lead", Role: "Domain_Admin", VIP: true}}},
			"user_privilege", Factor{"user_privilege", 0.1, 8, "it-lead: Domain_Admin, VIP"}},
		{"user_plain", Input{Users: []UserFact{{Name: "j.doe", Role: "employee"}}},
			"user_privilege", Factor{}},

		// attack_technique
		{"technique_impact", Input{Findings: []finding.Finding{{Techniques: []string{"T1486"}}}},
			"attack_technique",
			Factor{"attack_technique", 0.2, 20, "T1486: data encrypted for impact (impact), weight 100"}},
		{"technique_highest_of_several", Input{Findings: []finding.Finding{
			{Techniques: []string{"T1046", "T1059.001"}}, {Techniques: []string{"T1021.002"}}}},
			"attack_technique",
			Factor{"attack_technique", 0.2, 16,
				"T1021.002: remote services (lateral movement), weight 80"}},
		{"technique_unlisted_sub",
			Input{Findings: []finding.Finding{{Techniques: []string{"T1027.002"}}}},
			"attack_technique",
			Factor{"attack_technique", 0.2, 4, "T1027.002: unlisted technique, weight 20"}},

		// email_signals
		{"email_auth_only", Input{Findings: []finding.Finding{{Email: &finding.Email{
			Auth: finding.Auth{SPF: "pass", DKIM: "pass", DMARC: "FAIL"}}}}},
			"email_signals", Factor{"email_signals", 0.15, 5, "1 signal: dmarc_fail 30"}},
		{"email_dedup_across_findings", Input{Findings: []finding.Finding{
			{Email: &finding.Email{Signals: []string{"homoglyph"}}},
			{Email: &finding.Email{Signals: []string{"HOMOGLYPH", "html_only"}}}}},
			"email_signals", Factor{"email_signals", 0.15, 7, "2 signals: homoglyph 40, html_only 5"}},
		{"email_clean", Input{Findings: []finding.Finding{{Email: &finding.Email{
			Auth: finding.Auth{SPF: "pass"}}}}}, "email_signals", Factor{}},

		// intel_match
		{"intel_tie_first_wins", Input{IntelHits: []Hit{
			{Kind: "domain", Value: "a.example", Confidence: 70},
			{Kind: "ip", Value: "198.51.100.1", Threat: "c2", Confidence: 70}}},
			"intel_match", Factor{"intel_match", 0.3, 21, "a.example (domain), confidence 70; 1 more hit"}},
		{"intel_out_of_range", Input{IntelHits: []Hit{{Kind: "ip", Value: "x", Confidence: 250}}},
			"intel_match", Factor{"intel_match", 0.3, 30, "x (ip), confidence 250"}},

		// corroboration
		{"corroboration_one_source", Input{Findings: []finding.Finding{
			{Source: "edr", RuleID: "a"}, {Source: "edr", RuleID: "b"}, {Source: "edr", RuleID: "c"}}},
			"corroboration", Factor{"corroboration", 0.1, 5, "3 distinct findings from 1 source (edr)"}},
		{"corroboration_capped", Input{Findings: []finding.Finding{
			{Source: "a"}, {Source: "b"}, {Source: "c"}, {Source: "d"}}},
			"corroboration", Factor{"corroboration", 0.1, 10,
				"4 distinct findings from 4 sources (a, b, c, d)"}},

		// related_malicious
		{"related_two", Input{RelatedMalicious: 2}, "related_malicious",
			Factor{"related_malicious", 0.15, 12, "2 earlier malicious cases share entities"}},
		{"related_many", Input{RelatedMalicious: 5}, "related_malicious",
			Factor{"related_malicious", 0.15, 15, "5 earlier malicious cases share entities"}},

		// repetition
		{"repetition_once", Input{DuplicateCount: 1}, "repetition", Factor{}},
		{"repetition_twice_rounds_half_up", Input{DuplicateCount: 2}, "repetition",
			Factor{"repetition", 0.05, 1, "same alert seen 2 times"}},

		// known_benign
		{"benign_capped", Input{KnownBenign: []string{"a", "b", "c"}}, "known_benign",
			Factor{"known_benign", -0.5, -50, "known benign: a; b; c"}},

		// source_severity
		{"severity_band_info", Input{Findings: []finding.Finding{
			{Source: "ocsf", Title: "Informational", Severity: finding.SeverityInfo}}},
			"source_severity", Factor{"source_severity", 0.4, 4,
				`10 (band info) from ocsf "Informational"`}},
		{"severity_over_range", Input{Findings: []finding.Finding{
			{Source: "x", Title: "y", SeverityScore: 150}}},
			"source_severity", Factor{"source_severity", 0.4, 40, `150 from x "y"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.in.Findings == nil {
				tt.in.Findings = oneFinding
			}
			got := factorOf(Score(tt.in), tt.factor)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Score() factor %s (-want +got):\n%s", tt.factor, diff)
			}
		})
	}
}

func TestLookupTechnique(t *testing.T) {
	tests := []struct {
		id         string
		wantWeight int
	}{
		{"T1003", 100}, {"T1003.001", 100}, {"T1110.003", 60}, {"T1566", 50},
		{"T1486", 100}, {"T1048.003", 80}, {"T1087.002", 25}, {"T9999", unlistedTechnique},
	}
	for _, tt := range tests {
		if got, _ := lookupTechnique(tt.id); got != tt.wantWeight {
			t.Errorf("lookupTechnique(%q) = %d, want %d", tt.id, got, tt.wantWeight)
		}
	}
}

// TestWeightsTable guards the table the package documentation mirrors: a
// change here must be a change there too.
func TestWeightsTable(t *testing.T) {
	want := map[string]int{
		"source_severity": 40, "intel_match": 30, "attack_technique": 20,
		"asset_criticality": 15, "user_privilege": 10, "email_signals": 15,
		"corroboration": 10, "related_malicious": 15, "repetition": 5, "known_benign": -50,
	}
	got := map[string]int{}
	for _, f := range factors {
		got[f.name] = f.weight
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("weights (-want +got):\n%s", diff)
	}
	if factors[0].name != "source_severity" {
		t.Errorf("factors[0] = %s, want source_severity first", factors[0].name)
	}
}
