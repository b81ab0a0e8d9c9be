package ingest

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/conductor-sec/conductor/internal/finding"
)

// TestRecordErrors pins the message each parser gives for a record it must refuse.
func TestRecordErrors(t *testing.T) {
	tests := []struct {
		name, format, record, want string
	}{
		{"eve without timestamp", FormatSuricata,
			`{"event_type":"alert","alert":{"signature":"s"}}`, `missing "timestamp"`},
		{"eve bad timestamp", FormatSuricata,
			`{"event_type":"alert","timestamp":"03/10/2018","alert":{"signature":"s"}}`,
			`parsing "timestamp" "03/10/2018": want RFC 3339`},
		{"guardduty without type", FormatGuardDuty, `{"severity":5,"resource":{}}`,
			`missing "type": want a GuardDuty finding`},
		{"guardduty without time", FormatGuardDuty, `{"type":"a","severity":5}`,
			`missing "createdAt"`},
		{"elastic without rule name", FormatElastic,
			`{"@timestamp":"2026-01-01T00:00:00Z","event":{"kind":"alert"}}`,
			`missing "kibana.alert.rule.name"`},
		{"elastic without time", FormatElastic, `{"kibana.alert.rule.name":"r"}`,
			`missing "@timestamp"`},
		{"ocsf without title", FormatOCSF, `{"class_uid":2004,"time":1}`,
			`missing "finding_info.title": want an OCSF Detection Finding`},
		{"ocsf without time", FormatOCSF, `{"class_uid":2004,"finding_info":{"title":"t"}}`,
			`missing "time"`},
		{"ocsf time not milliseconds", FormatOCSF,
			`{"class_uid":2004,"time":"soon","finding_info":{"title":"t"}}`,
			`parsing "time" "soon": want epoch milliseconds`},
		{"wazuh without description", FormatWazuh, `{"timestamp":"x","rule":{"level":3}}`,
			`missing "rule.description": want a Wazuh alert`},
		{"wazuh without timestamp", FormatWazuh, `{"rule":{"level":3,"description":"d"}}`,
			`missing "timestamp"`},
		{"record is not an object", FormatGeneric, `["title"]`, `missing "title"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRecord(tt.format, []byte(tt.record), Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseRecord(%s, %s) error = %v, want one containing %q", tt.format,
					tt.record, err, tt.want)
			}
		})
	}
}

func TestNotAlerts(t *testing.T) {
	tests := []struct {
		name, format, record string
	}{
		{"eve dns", FormatSuricata, `{"event_type":"dns","timestamp":"x"}`},
		{"ecs event", FormatElastic, `{"@timestamp":"x","event":{"kind":"metric"}}`},
		{"ocsf process activity", FormatOCSF, `{"class_uid":1007,"time":1}`},
		{"ocsf vulnerability finding", FormatOCSF, `{"class_uid":2002,"time":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRecord(tt.format, []byte(tt.record), Options{})
			if !errors.Is(err, ErrNotAlert) {
				t.Errorf("ParseRecord(%s) error = %v, want ErrNotAlert", tt.record, err)
			}
		})
	}
}

func TestSeverityMappings(t *testing.T) {
	tests := []struct {
		name, format, record string
		band                 finding.Severity
		score                int
	}{
		{"ocsf informational", FormatOCSF, ocsfWith(`"severity_id":1`), "info", 10},
		{"ocsf medium", FormatOCSF, ocsfWith(`"severity_id":3`), "medium", 50},
		{"ocsf critical", FormatOCSF, ocsfWith(`"severity_id":5`), "critical", 95},
		{"ocsf fatal", FormatOCSF, ocsfWith(`"severity_id":6`), "critical", 100},
		{"ocsf other uses caption", FormatOCSF, ocsfWith(`"severity_id":99,"severity":"High"`),
			"high", 75},
		{"ocsf unknown", FormatOCSF, ocsfWith(`"severity_id":0`), "medium", 50},
		{"guardduty 0.5", FormatGuardDuty, guardDutyWith(`0.5`), "info", 5},
		{"guardduty 3.9", FormatGuardDuty, guardDutyWith(`3.9`), "low", 39},
		{"guardduty 6.9", FormatGuardDuty, guardDutyWith(`"6.9"`), "medium", 69},
		{"guardduty 8.9", FormatGuardDuty, guardDutyWith(`8.9`), "high", 89},
		{"guardduty missing", FormatGuardDuty, guardDutyWith(`null`), "medium", 50},
		{"generic 5", FormatGeneric, `{"title":"t","severity":5}`, "info", 5},
		{"generic 20", FormatGeneric, `{"title":"t","severity":20}`, "low", 20},
		{"generic 40", FormatGeneric, `{"title":"t","severity":"40"}`, "medium", 40},
		{"generic 90", FormatGeneric, `{"title":"t","severity":90}`, "critical", 90},
		{"generic word", FormatGeneric, `{"title":"t","severity":"Critical"}`, "critical", 95},
		{"generic none", FormatGeneric, `{"title":"t"}`, "medium", 50},
		{"elastic band only", FormatElastic, `{"@timestamp":"2026-01-01T00:00:00Z",` +
			`"kibana.alert.rule.name":"r","kibana.alert.severity":"critical"}`, "critical", 95},
		{"legacy signal", FormatElastic, `{"@timestamp":"2026-01-01T00:00:00Z",` +
			`"signal":{"rule":{"name":"r","severity":"high","risk_score":70}}}`, "high", 70},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ParseRecord(tt.format, []byte(tt.record), Options{})
			if err != nil || f.Severity != tt.band || f.SeverityScore != tt.score {
				t.Errorf("ParseRecord(%s) = %s/%d, %v, want %s/%d", tt.record, f.Severity,
					f.SeverityScore, err, tt.band, tt.score)
			}
		})
	}
}

func ocsfWith(fields string) string {
	return `{"class_uid":2004,"time":1772627400123,"finding_info":{"title":"t"},` + fields + `}`
}

func guardDutyWith(severity string) string {
	return `{"type":"Policy:IAMUser/RootCredentialUsage","createdAt":"2026-01-01T00:00:00Z",` +
		`"severity":` + severity + `}`
}

func TestOCSFTimeDT(t *testing.T) {
	rec := `{"class_uid":2001,"time_dt":"2026-03-04T12:30:00Z","finding":{"title":"t"}}`
	f, err := ParseRecord(FormatOCSF, []byte(rec), Options{})
	if err != nil || f.TimeRaw != "2026-03-04T12:30:00Z" {
		t.Errorf("ParseRecord(time_dt) = %q, %v, want the time_dt string", f.TimeRaw, err)
	}
}

func TestSentinelJSONEmbeddedDetails(t *testing.T) {
	resource := `{"resourceType":"Instance","instanceDetails":{"instanceId":"i-1"}}`
	service := `{"resourceRole":"ACTOR","action":{"networkConnectionAction":` +
		`{"remoteIpDetails":{"ipAddressV4":"192.0.2.7"}}}}`
	rec := `{"AccountId":"111122223333","ActivityType":"Recon:EC2/Portscan",` +
		`"Type":"AWSGuardDuty","Severity":5,"TimeCreated":"2026-08-25T10:00:00Z",` +
		`"Title":"Port scan","ResourceDetails":` + strconv.Quote(resource) +
		`,"ServiceDetails":` + strconv.Quote(service) + `}`
	f, err := ParseRecord(FormatGuardDuty, []byte(rec), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f.RuleID != "Recon:EC2/Portscan" || strings.Join(f.Techniques, ",") != "T1046" {
		t.Errorf("finding = %s %v, want the ActivityType and T1046", f.RuleID, f.Techniques)
	}
	if o, ok := observable(f, "host", "i-1"); !ok || o.Role != "actor" {
		t.Errorf("instance = %+v, %v, want role actor from the embedded ServiceDetails", o, ok)
	}
	if o, ok := observable(f, "ip", "192.0.2.7"); !ok || o.Role != "dst" {
		t.Errorf("remote ip = %+v, %v, want dst", o, ok)
	}
}

func TestTextObservables(t *testing.T) {
	tests := []struct {
		name, desc string
		want       []string // kind:value, in order
	}{
		{"url with trailing punctuation", "see (https://x.example/a?b=1).",
			[]string{"url:https://x.example/a?b=1"}},
		{"url with a secret is masked", "open https://x.example/cb?token=abc123 now",
			[]string{"url:https://x.example/cb?token=[REDACTED:token]"}},
		{"not an address", "version 1.2.3.4.5 and 999.1.1.1 and 10.0.0", nil},
		{"address at the end of a sentence", "blocked 192.0.2.44.", []string{"ip:192.0.2.44"}},
		{"address glued to a word", "host10.0.0.1 ok", nil},
		{"ftp is not collected", "ftp://192.0.2.9/x", []string{"ip:192.0.2.9"}},
		{"bare scheme", "https:// nothing", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBuilder(FormatGeneric, nil, Options{}.withDefaults())
			b.description(tt.desc)
			f := b.finish()
			var got []string
			for _, o := range f.Observables {
				if o.Origin != finding.OriginText {
					t.Errorf("observable %v origin = %s, want text", o, o.Origin)
				}
				got = append(got, o.Key())
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("text observables of %q = %v, want %v", tt.desc, got, tt.want)
			}
		})
	}
}

func TestCSVProblems(t *testing.T) {
	header := "AccountId,ActivityType,Severity,TimeCreated,ServiceDetails\n"
	tests := []struct {
		name     string
		data     string
		findings int
		errRows  []int
	}{
		{"short row still parses", header + "1,Recon:EC2/Portscan,5,2026-01-01T00:00:00Z\n", 1, nil},
		{"row without a type", header + "1,,5,2026-01-01T00:00:00Z,{}\n", 0, []int{1}},
		{"broken quoting stops", header + "1,Recon:EC2/Portscan,5,2026-01-01T00:00:00Z,{}\n" +
			`2,"unterminated,5` + "\n", 1, []int{2}},
		{"crlf line ends", strings.ReplaceAll(header, "\n", "\r\n") +
			"1,Recon:EC2/Portscan,5,2026-01-01T00:00:00Z,{}\r\n", 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse("gd.csv", []byte(tt.data), Options{})
			if err != nil || len(res.Findings) != tt.findings || len(res.Errors) != len(tt.errRows) {
				t.Fatalf("Parse() = %d findings, errors %v, %v; want %d findings, errors on %v",
					len(res.Findings), res.Errors, err, tt.findings, tt.errRows)
			}
			for i, e := range res.Errors {
				if e.Record != tt.errRows[i] || e.Format != FormatGuardDuty {
					t.Errorf("error %d = %v, want row %d as guardduty", i, e, tt.errRows[i])
				}
			}
			for _, f := range res.Findings {
				if strings.ContainsAny(string(f.Raw), "\r\n") {
					t.Errorf("Raw = %q, want the row without its line end", f.Raw)
				}
			}
		})
	}
}

func TestValueEnd(t *testing.T) {
	tests := []struct {
		in   string
		end  int
		fail bool
	}{
		{`{"a":"}"}rest`, 9, false},
		{`{"a":"\"}"}`, 11, false},
		{`[1,[2,{"b":[3]}]] x`, 17, false},
		{`"str\\"x`, 7, false},
		{`123,`, 3, false},
		{`{"a":1`, 0, true},
		{`"open`, 0, true},
		{`]`, 0, true},
		{``, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			end, err := valueEnd([]byte(tt.in), 0)
			if (err != nil) != tt.fail || !tt.fail && end != tt.end {
				t.Errorf("valueEnd(%q) = %d, %v, want %d (fail %v)", tt.in, end, err, tt.end,
					tt.fail)
			}
		})
	}
}

func TestStrings(t *testing.T) {
	f, err := ParseRecord(FormatGeneric, []byte(`{"title":"t","techniques":"T1110",`+
		`"labels":{"n":12.50,"b":true,"z":null,"o":{"x":1}}}`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Labels["n"] != "12.50" || f.Labels["b"] != "true" || len(f.Labels) != 2 {
		t.Errorf("Labels = %v, want numbers as written, booleans as text, others dropped",
			f.Labels)
	}
	if strings.Join(f.Techniques, ",") != "T1110" {
		t.Errorf("Techniques = %v, want a lone string read as one id", f.Techniques)
	}
}

func TestHostLiteralIsAnIP(t *testing.T) {
	rec := `{"timestamp":"2026-01-01T00:00:00Z","event_type":"alert","alert":{"signature":"s"},` +
		`"http":{"hostname":"198.51.100.5","url":"/x"},"tls":{"sni":"Mail.Example.COM."}}`
	f, err := ParseRecord(FormatSuricata, []byte(rec), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"ip:198.51.100.5", "url:http://198.51.100.5/x",
		"domain:mail.example.com"} {
		found := false
		for _, o := range f.Observables {
			found = found || o.Key() == key
		}
		if !found {
			t.Errorf("observables = %v, want %s", f.Observables, key)
		}
	}
}
