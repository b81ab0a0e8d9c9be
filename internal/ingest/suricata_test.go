package ingest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/conductor-sec/conductor/internal/finding"
)

func TestSuricata(t *testing.T) {
	res := parseTestdata(t, "suricata_eve.ndjson")
	if len(res.Findings) != 4 || res.Skipped != 2 || len(res.Errors) != 1 {
		t.Fatalf("Parse() = %d findings, %d skipped, errors %v; want 4, 2 (flow, stats), 1",
			len(res.Findings), res.Skipped, res.Errors)
	}
	if e := res.Errors[0]; e.Record != 6 || e.Format != FormatSuricata {
		t.Errorf("error = %v, want record 6 as suricata", e)
	}

	want := finding.Finding{
		Source:  "suricata",
		RuleID:  "9000101",
		Time:    time.Date(2026, 3, 2, 8, 15, 27, 481920000, time.UTC),
		TimeRaw: "2026-03-02T09:15:27.481920+0100",
		Title:   "LOCAL MALWARE Beacon check-in to /submit.php",
		Description: "A Network Trojan was detected: " +
			"TCP 10.20.30.40:49822 -> 203.0.113.77:8080, allowed",
		Severity:      finding.SeverityHigh,
		SeverityScore: 75,
		Techniques:    []string{"T1071.001"},
		Observables: []finding.Observable{
			{Kind: "ip", Value: "10.20.30.40", Role: "src", Origin: "field"},
			{Kind: "ip", Value: "203.0.113.77", Role: "dst", Origin: "field"},
			{Kind: "domain", Value: "cdn-update.example.net", Role: "dst", Origin: "field"},
			{Kind: "url", Value: "http://cdn-update.example.net:8080/submit.php?id=4412",
				Role: "dst", Origin: "field"},
		},
		Labels: map[string]string{
			"action": "allowed", "app_proto": "http", "category": "A Network Trojan was detected",
			"community_id": "1:Tq4v0P8pWmB1KQbG0hQZ3nW+ZxE=", "dest_port": "8080",
			"flow_id": "1234567890123456789", "gid": "1", "http_method": "POST",
			"http_user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "in_iface": "eth1",
			"proto": "TCP", "rev": "3", "sensor": "sensor-dmz-1", "src_port": "49822",
		},
	}
	ignoreRaw := cmpopts.IgnoreFields(finding.Finding{}, "Raw")
	if diff := cmp.Diff(want, res.Findings[0], ignoreRaw); diff != "" {
		t.Errorf("first EVE alert mismatch (-want +got):\n%s", diff)
	}

	tests := []struct {
		name     string
		index    int
		severity finding.Severity
		kind     finding.Kind
		value    string
		role     string
	}{
		{"tls sni lower-cased", 1, finding.SeverityMedium, "domain", "update-check.example.org", "dst"},
		{"dns query name", 2, finding.SeverityLow, "domain", "xk2j9q.example.top", "query"},
		{"ipv6 source", 3, finding.SeverityMedium, "ip", "2001:db8::10", "src"},
		{"file hash", 3, finding.SeverityMedium, "hash",
			"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := res.Findings[tt.index]
			if f.Severity != tt.severity {
				t.Errorf("Severity = %s, want %s", f.Severity, tt.severity)
			}
			o, ok := observable(f, tt.kind, tt.value)
			if !ok || o.Role != tt.role {
				t.Errorf("observable %s:%s = %+v, %v, want role %q", tt.kind, tt.value, o, ok, tt.role)
			}
		})
	}
}

func TestSuricataSeverity(t *testing.T) {
	tests := []struct {
		sev   string
		band  finding.Severity
		score int
	}{
		{"1", finding.SeverityHigh, 75},
		{"2", finding.SeverityMedium, 50},
		{"3", finding.SeverityLow, 25},
		{"4", finding.SeverityInfo, 10},
		{`"x"`, finding.SeverityMedium, 50},
	}
	for _, tt := range tests {
		t.Run(tt.sev, func(t *testing.T) {
			rec := `{"timestamp":"2026-01-01T00:00:00Z","event_type":"alert",` +
				`"alert":{"signature":"s","severity":` + tt.sev + `}}`
			f, err := ParseRecord(FormatSuricata, []byte(rec), Options{})
			if err != nil || f.Severity != tt.band || f.SeverityScore != tt.score {
				t.Errorf("severity %s = %s/%d, %v, want %s/%d", tt.sev, f.Severity,
					f.SeverityScore, err, tt.band, tt.score)
			}
		})
	}
}
