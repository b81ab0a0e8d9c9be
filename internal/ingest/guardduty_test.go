package ingest

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/conductor-sec/conductor/internal/finding"
)

func TestGuardDutyAPI(t *testing.T) {
	res := parseTestdata(t, "guardduty_api.json")
	if len(res.Findings) != 2 || len(res.Errors) != 0 {
		t.Fatalf("Parse() = %+v, want 2 findings", res)
	}

	brute := res.Findings[0]
	if brute.RuleID != "UnauthorizedAccess:EC2/SSHBruteForce" ||
		brute.Severity != finding.SeverityLow || brute.SeverityScore != 20 ||
		strings.Join(brute.Techniques, ",") != "T1110" {
		t.Errorf("brute force = %s %s/%d %v", brute.RuleID, brute.Severity,
			brute.SeverityScore, brute.Techniques)
	}
	// eventFirstSeen is when the attack started, ahead of createdAt.
	if want := time.Date(2026, 3, 2, 7, 58, 11, 0, time.UTC); !brute.Time.Equal(want) {
		t.Errorf("Time = %v, want %v", brute.Time, want)
	}
	wantObs := []finding.Observable{
		{Kind: "host", Value: "i-0a1b2c3d4e5f60718", Role: "target", Origin: "field"},
		{Kind: "ip", Value: "172.31.20.14", Role: "target", Origin: "field"},
		{Kind: "ip", Value: "198.51.100.140", Role: "target", Origin: "field"},
		{Kind: "ip", Value: "203.0.113.200", Role: "src", Origin: "field"},
	}
	for _, w := range wantObs {
		if o, ok := observable(brute, w.Kind, w.Value); !ok || o != w {
			t.Errorf("observable %s = %+v, want %+v", w.Key(), o, w)
		}
	}
	if brute.Labels["count"] != "128" || brute.Labels["region"] != "eu-west-3" {
		t.Errorf("labels = %v, want count 128 and region eu-west-3", brute.Labels)
	}

	exfil := res.Findings[1]
	if exfil.Severity != finding.SeverityHigh || exfil.SeverityScore != 80 ||
		strings.Join(exfil.Techniques, ",") != "T1078" {
		t.Errorf("exfiltration = %s/%d %v, want high/80 [T1078]", exfil.Severity,
			exfil.SeverityScore, exfil.Techniques)
	}
	if got := exfil.Labels["access_key_id"]; got != "[REDACTED:aws_access_key_id]" {
		t.Errorf("access_key_id label = %q, want it masked", got)
	}
	if _, ok := observable(exfil, "user", "app-server-role"); !ok {
		t.Errorf("observables = %v, want user app-server-role", exfil.Observables)
	}
}

func TestGuardDutyEventBridge(t *testing.T) {
	res := parseTestdata(t, "guardduty_eventbridge.json")
	if len(res.Findings) != 1 {
		t.Fatalf("Parse() = %+v, want one finding", res)
	}
	f := res.Findings[0]
	if f.RuleID != "Backdoor:EC2/C&CActivity.B!DNS" || strings.Join(f.Techniques, ",") != "T1071" {
		t.Errorf("finding = %s %v, want the C&C type and T1071", f.RuleID, f.Techniques)
	}
	// The instance did the querying: it is the actor, the C&C domain the destination.
	if o, _ := observable(f, "host", "i-09f8e7d6c5b4a3921"); o.Role != "actor" {
		t.Errorf("instance role = %q, want actor", o.Role)
	}
	if o, _ := observable(f, "domain", "c2.badactor.example"); o.Role != "dst" {
		t.Errorf("domain role = %q, want dst", o.Role)
	}
}

func TestGuardDutyKeysIgnoreCase(t *testing.T) {
	rec := `{"SchemaVersion":"2.0","Type":"CryptoCurrency:EC2/BitcoinTool.B!DNS",
	"Severity":"9.1","CreatedAt":"2026-03-07T10:01:00Z","Resource":{"ResourceType":"Instance",
	"InstanceDetails":{"InstanceId":"i-0abc"}},"Service":{"ResourceRole":"ACTOR",
	"Action":{"NetworkConnectionAction":{"ConnectionDirection":"OUTBOUND",
	"RemoteIpDetails":{"IpAddressV4":"203.0.113.9"}}}}}`
	f, err := ParseRecord(FormatGuardDuty, []byte(rec), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Severity != finding.SeverityCritical || f.SeverityScore != 91 ||
		strings.Join(f.Techniques, ",") != "T1496" {
		t.Errorf("finding = %s/%d %v, want critical/91 [T1496]", f.Severity, f.SeverityScore,
			f.Techniques)
	}
	if o, ok := observable(f, "ip", "203.0.113.9"); !ok || o.Role != "dst" {
		t.Errorf("remote ip = %+v, %v, want role dst", o, ok)
	}
	if f.Title != "CryptoCurrency:EC2/BitcoinTool.B!DNS" {
		t.Errorf("Title = %q, want the type when there is no title", f.Title)
	}
}

// TestGuardDutySentinelCSV checks every row of the Sentinel export copied from
// Azure/Azure-Sentinel (MIT).
func TestGuardDutySentinelCSV(t *testing.T) {
	res := parseTestdata(t, "guardduty_sentinel.csv")
	if len(res.Findings) != 10 || len(res.Errors) != 0 {
		t.Fatalf("Parse() = %d findings, errors %v; want 10", len(res.Findings), res.Errors)
	}

	tests := []struct {
		typ       string
		band      finding.Severity
		score     int
		technique string
		ipRole    string // role of the remote address, "" when the row has none
		ip        string
	}{
		{"Recon:EC2/PortProbeUnprotectedPort", "medium", 50, "T1046", "src", "198.51.100.10"},
		{"CredentialAccess:IAMUser/AnomalousBehavior", "high", 80, "", "src", "198.51.100.20"},
		{"Backdoor:EC2/C&CActivity.B", "critical", 90, "T1071", "dst", "203.0.113.30"},
		{"Policy:S3/BucketBlockPublicAccessDisabled", "medium", 40, "", "src", "192.0.2.40"},
		{"Execution:Runtime/NewBinaryExecuted", "high", 70, "", "", ""},
		{"Discovery:Kubernetes/SuccessfulAnonymousAccess", "medium", 60, "", "", ""},
		{"CryptoCurrency:ECSCluster/BitcoinTool.B", "high", 80, "T1496", "dst", "203.0.113.70"},
		{"CredentialAccess:RDS/AnomalousLogin.Successful", "high", 70, "", "", ""},
		{"Trojan:Lambda/BlackholeTraffic", "low", 20, "", "dst", "192.0.2.90"},
		{"Impact:RDSLimitlessDB/SuspiciousActivity", "critical", 100, "", "src", "198.51.100.100"},
	}
	for i, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			f := res.Findings[i]
			if f.RuleID != tt.typ || f.Severity != tt.band || f.SeverityScore != tt.score {
				t.Errorf("row %d = %s %s/%d, want %s %s/%d", i+1, f.RuleID, f.Severity,
					f.SeverityScore, tt.typ, tt.band, tt.score)
			}
			if got := strings.Join(f.Techniques, ","); got != tt.technique {
				t.Errorf("Techniques = %q, want %q", got, tt.technique)
			}
			if tt.ip != "" {
				if o, ok := observable(f, "ip", tt.ip); !ok || o.Role != tt.ipRole {
					t.Errorf("remote ip %s = %+v, %v, want role %s", tt.ip, o, ok, tt.ipRole)
				}
			}
		})
	}

	first := res.Findings[0]
	if first.Title != "Unprotected port probe" || first.TimeRaw != "2026-08-25T10:00:00Z" ||
		first.Labels["account_id"] != "111122223333" ||
		!strings.HasPrefix(string(first.Raw), "111122223333,Recon:EC2/PortProbeUnprotectedPort,") {
		t.Errorf("row 1 = %q %q %v raw %.50q", first.Title, first.TimeRaw, first.Labels, first.Raw)
	}
	if o, _ := observable(res.Findings[1], "user", "sample-analyst"); o.Role != "actor" {
		t.Errorf("row 2 user role = %q, want actor (resourceRole ACTOR)", o.Role)
	}
}

func TestGuardDutyCSVRecord(t *testing.T) {
	data, err := os.ReadFile("testdata/guardduty_sentinel.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(string(data), "\n", 4)
	one := lines[0] + "\n" + lines[2] + "\n"

	f, err := ParseRecord(FormatGuardDuty, []byte(one), Options{})
	if err != nil || f.RuleID != "CredentialAccess:IAMUser/AnomalousBehavior" {
		t.Errorf("ParseRecord(csv row 2) = %q, %v", f.RuleID, err)
	}
	if _, err := ParseRecord(FormatGuardDuty, data, Options{}); err == nil {
		t.Error("ParseRecord(whole csv) error = nil, want one naming the row count")
	}
}
