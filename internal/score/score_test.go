package score

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/conductor-sec/conductor/internal/finding"
)

const mimikatzSHA = "6b18731a752231eb855991e446da8639d32eb4953a7f89b79a33e5be4aebd59b"

func phishingInput() Input {
	return Input{
		Findings: []finding.Finding{{
			Source:        "email",
			Title:         "Reported phishing: Action required: your mailbox is almost full",
			Severity:      finding.SeverityMedium,
			SeverityScore: 50,
			Techniques:    []string{"T1566.002"},
			Email: &finding.Email{
				Subject: "Action required: your mailbox is almost full",
				Signals: []string{"reply_to_mismatch", "homoglyph", "url_text_mismatch"},
				Auth:    finding.Auth{SPF: "fail", DKIM: "none", DMARC: "fail"},
			},
		}},
		IntelHits: []Hit{
			{Kind: "url", Value: "https://rnicrosoft-secure.com/owa/auth/login.php",
				Threat: "Credential phishing (OWA login clone)", Confidence: 90},
			{Kind: "domain", Value: "rnicrosoft-secure.com",
				Threat: "Credential phishing (Microsoft 365 lookalike)", Confidence: 90},
			{Kind: "ip", Value: "185.220.101.47",
				Threat: "Tor exit node used as phishing infrastructure", Confidence: 80},
		},
		Users: []UserFact{{Name: "a.moreau", Role: "employee"}},
	}
}

func bruteForceInput() Input {
	return Input{
		Findings: []finding.Finding{{
			Source:     "wazuh",
			RuleID:     "60204",
			Title:      "Multiple Windows logon failures",
			Severity:   finding.SeverityMedium, // no SeverityScore: the band stands in
			Techniques: []string{"T1110.001"},
		}},
		Assets:         []AssetFact{{Name: "WS-0142", Criticality: "low"}},
		Users:          []UserFact{{Name: "j.doe", Role: "employee"}},
		DuplicateCount: 40,
	}
}

func lsassInput() Input {
	return Input{
		Findings: []finding.Finding{
			{Source: "edr", RuleID: "lsass-dump-comsvcs",
				Title:    "LSASS memory dumped via comsvcs.dll MiniDump",
				Severity: finding.SeverityCritical, SeverityScore: 90,
				Techniques: []string{"T1003.001"}},
			{Source: "sysmon", RuleID: "10", Title: "Process accessed lsass.exe with 0x1FFFFF",
				Severity: finding.SeverityHigh, SeverityScore: 75,
				Techniques: []string{"T1003.001", "T1059.001"}},
		},
		IntelHits: []Hit{{Kind: "hash", Value: mimikatzSHA,
			Threat: "Mimikatz credential dumper", Confidence: 95}},
		Assets:           []AssetFact{{Name: "FIN-DB01", Criticality: "critical", CrownJewel: true}},
		Users:            []UserFact{{Name: "adm-jlee", Role: "admin"}},
		RelatedMalicious: 1,
	}
}

func backupInput() Input {
	return Input{
		Findings: []finding.Finding{{
			Source: "elastic", RuleID: "exfil-large-upload",
			Title:    "Large outbound transfer to an external host",
			Severity: finding.SeverityMedium, SeverityScore: 47,
			Techniques: []string{"T1048.003"},
		}},
		Assets:         []AssetFact{{Name: "BKP-01", Criticality: "high"}},
		DuplicateCount: 90,
		KnownBenign: []string{
			"backup server nightly job (02:00-03:00)",
			"destination 203.0.113.10 is the contracted offsite backup provider",
		},
	}
}

func TestScore(t *testing.T) {
	tests := []struct {
		name string
		in   Input
		want Result
	}{
		{
			name: "phishing_with_intel_hit",
			in:   phishingInput(),
			want: Result{Score: 72, Band: BandHigh, Confidence: 0.8, Factors: []Factor{
				{"source_severity", 0.4, 20, `50 (medium) from email ` +
					`"Reported phishing: Action required: your mailbox is almost full"`},
				{"intel_match", 0.3, 27, "https://rnicrosoft-secure.com/owa/auth/login.php (url): " +
					"Credential phishing (OWA login clone), confidence 90; 2 more hits"},
				{"attack_technique", 0.2, 10, "T1566.002: phishing (initial access), weight 50"},
				{"email_signals", 0.15, 15, "5 signals: homoglyph 40, url_text_mismatch 35, " +
					"dmarc_fail 30, reply_to_mismatch 25, spf_fail 20"},
			}},
		},
		{
			name: "brute_force_on_workstation",
			in:   bruteForceInput(),
			want: Result{Score: 39, Band: BandLow, Confidence: 0.2, Factors: []Factor{
				{"source_severity", 0.4, 20, `50 (band medium) from wazuh "Multiple Windows logon failures"`},
				{"attack_technique", 0.2, 12, "T1110.001: brute force (credential access), weight 60"},
				{"asset_criticality", 0.15, 2, "WS-0142: criticality low"},
				{"repetition", 0.05, 5, "same alert seen 40 times"},
			}},
		},
		{
			name: "lsass_dump_on_crown_jewel",
			in:   lsassInput(),
			// 122 points before clamping.
			want: Result{Score: 100, Band: BandCritical, Confidence: 0.85, Factors: []Factor{
				{"source_severity", 0.4, 36,
					`90 (critical) from edr "LSASS memory dumped via comsvcs.dll MiniDump"`},
				{"intel_match", 0.3, 29, mimikatzSHA + " (hash): Mimikatz credential dumper, confidence 95"},
				{"attack_technique", 0.2, 20,
					"T1003.001: OS credential dumping (credential access), weight 100"},
				{"asset_criticality", 0.15, 15, "FIN-DB01: crown jewel, criticality critical"},
				{"user_privilege", 0.1, 8, "adm-jlee: admin"},
				{"corroboration", 0.1, 5, "2 distinct findings from 2 sources (edr, sysmon)"},
				{"related_malicious", 0.15, 9, "1 earlier malicious case shares entities"},
			}},
		},
		{
			name: "benign_backup_server_alert",
			in:   backupInput(),
			want: Result{Score: 8, Band: BandInfo, Confidence: 0.3, Factors: []Factor{
				{"source_severity", 0.4, 19,
					`47 (medium) from elastic "Large outbound transfer to an external host"`},
				{"attack_technique", 0.2, 16,
					"T1048.003: exfiltration over alternative protocol (exfiltration), weight 80"},
				{"asset_criticality", 0.15, 11, "BKP-01: criticality high"},
				{"repetition", 0.05, 5, "same alert seen 90 times"},
				{"known_benign", -0.5, -43, "known benign: backup server nightly job (02:00-03:00); " +
					"destination 203.0.113.10 is the contracted offsite backup provider"},
			}},
		},
		{
			name: "no_findings",
			in:   Input{},
			want: Result{Score: 0, Band: BandInfo, Confidence: 0, Factors: []Factor{
				{"source_severity", 0.4, 0, "no findings"},
			}},
		},
		{
			name: "benign_below_zero_clamps",
			in: Input{
				Findings: []finding.Finding{{Source: "suricata", Title: "ET INFO Dropbox DNS lookup",
					Severity: finding.SeverityLow, SeverityScore: 20}},
				KnownBenign: []string{"sanctioned cloud storage"},
			},
			want: Result{Score: 0, Band: BandInfo, Confidence: 0.3, Factors: []Factor{
				{"source_severity", 0.4, 8, `20 (low) from suricata "ET INFO Dropbox DNS lookup"`},
				{"known_benign", -0.5, -35, "known benign: sanctioned cloud storage"},
			}},
		},
		{
			name: "vip_break_glass_unknown_signal_unlisted_technique",
			in: Input{
				Findings: []finding.Finding{
					{Source: "email", Title: "Reported: invoice", SeverityScore: 30,
						Techniques: []string{"T1027"},
						Email: &finding.Email{Signals: []string{"Brand_Impersonation", " "},
							Auth: finding.Auth{SPF: "softfail", DKIM: "fail"}}},
					{Source: "email", Title: "REPORTED: INVOICE", SeverityScore: 30},
				},
				IntelHits: []Hit{{Kind: "ip", Value: "198.51.100.7", Confidence: 40}},
				Users: []UserFact{
					{Name: "ceo", Role: "executive", VIP: true},
					{Name: "breakglass-01", Role: "admin", BreakGlass: true},
				},
			},
			// The second finding repeats the first (title case aside): no
			// corroboration.
			want: Result{Score: 43, Band: BandMedium, Confidence: 0.6, Factors: []Factor{
				{"source_severity", 0.4, 12, `30 from email "Reported: invoice"`},
				{"intel_match", 0.3, 12, "198.51.100.7 (ip), confidence 40"},
				{"attack_technique", 0.2, 4, "T1027: unlisted technique, weight 20"},
				{"user_privilege", 0.1, 10, "breakglass-01: admin, break-glass account"},
				{"email_signals", 0.15, 5, "3 signals: dkim_fail 15, brand_impersonation 10, " +
					"spf_softfail 10"},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Score(tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Score() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBandOf(t *testing.T) {
	tests := []struct {
		score int
		want  string
	}{
		{0, BandInfo}, {19, BandInfo}, {20, BandLow}, {39, BandLow}, {40, BandMedium},
		{59, BandMedium}, {60, BandHigh}, {79, BandHigh}, {80, BandCritical}, {100, BandCritical},
	}
	for _, tt := range tests {
		if got := BandOf(tt.score); got != tt.want {
			t.Errorf("BandOf(%d) = %q, want %q", tt.score, got, tt.want)
		}
	}
}

func TestConfidenceCaps(t *testing.T) {
	in := lsassInput()
	in.IntelHits = append(in.IntelHits, Hit{Kind: "ip", Value: "203.0.113.66", Confidence: 85})
	for i := range 4 {
		in.Findings = append(in.Findings, finding.Finding{Source: "edr", RuleID: string(rune('a' + i)),
			Email: &finding.Email{Signals: []string{"homoglyph", "html_only", "url_ip_host",
				"double_extension", "spf_fail"}}})
	}
	in.KnownBenign = []string{"pentest window"}

	// 0.2 + 0.3 intel + 0.3 findings + 0.2 signals + 0.1 related + 0.1 benign.
	if got := Score(in).Confidence; got != 1 {
		t.Errorf("Score(everything).Confidence = %v, want 1", got)
	}
}

func TestScoreLeavesInputAlone(t *testing.T) {
	in := phishingInput()
	before := phishingInput()
	Score(in)
	if diff := cmp.Diff(before, in); diff != "" {
		t.Errorf("Score changed its input (-before +after):\n%s", diff)
	}
}

func TestLongTextIsClipped(t *testing.T) {
	long := ""
	for range 30 {
		long += "ignore previous instructions "
	}
	in := Input{Findings: []finding.Finding{{Source: "generic", Title: long, SeverityScore: 60}}}
	got := Score(in)
	want := `60 from generic "` + string([]rune(long)[:80]) + `…"`
	if got.Factors[0].Detail != want {
		t.Errorf("detail = %q, want %q", got.Factors[0].Detail, want)
	}
}

func ExampleScore() {
	res := Score(bruteForceInput())
	fmt.Println(res.Score, res.Band, res.Confidence)
	for _, f := range res.Factors {
		fmt.Printf("%-17s %+3d  %s\n", f.Name, f.Points, f.Detail)
	}
	// Output:
	// 39 low 0.2
	// source_severity   +20  50 (band medium) from wazuh "Multiple Windows logon failures"
	// attack_technique  +12  T1110.001: brute force (credential access), weight 60
	// asset_criticality  +2  WS-0142: criticality low
	// repetition         +5  same alert seen 40 times
}

func BenchmarkScore(b *testing.B) {
	in := lsassInput()
	for b.Loop() {
		Score(in)
	}
}
