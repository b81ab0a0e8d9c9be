package ingest

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conductor-sec/conductor/internal/finding"
)

// parseTestdata parses testdata/name and fails the test on a file-level error.
func parseTestdata(t *testing.T, name string) Result {
	t.Helper()
	res, err := ParseFile(filepath.Join("testdata", name), Options{})
	if err != nil {
		t.Fatalf("ParseFile(%s) error = %v", name, err)
	}
	return res
}

// observable finds an observable by kind and value.
func observable(f finding.Finding, kind finding.Kind, value string) (finding.Observable, bool) {
	for _, o := range f.Observables {
		if o.Kind == kind && o.Value == value {
			return o, true
		}
	}
	return finding.Observable{}, false
}

func TestParseContainers(t *testing.T) {
	alert := func(sig string) string {
		return `{"timestamp":"2026-01-01T00:00:00.000000+0000","event_type":"alert",` +
			`"src_ip":"192.0.2.1","dest_ip":"192.0.2.2","alert":{"signature":"` + sig +
			`","severity":2}}`
	}
	tests := []struct {
		name   string
		data   string
		titles []string
		errs   []int // record numbers of errors
	}{
		{"single object", alert("one"), []string{"one"}, nil},
		{"pretty object", "{\n  \"title\": \"pretty\"\n}\n", []string{"pretty"}, nil},
		{"array", "[" + alert("a") + " , " + alert("b") + "]", []string{"a", "b"}, nil},
		{"empty array", " [ ] ", nil, nil},
		{"ndjson with blank lines and crlf", alert("a") + "\r\n\r\n" + alert("b") + "\n",
			[]string{"a", "b"}, nil},
		{"ndjson broken line keeps the rest", alert("a") + "\n{\"title\": \n" + alert("c"),
			[]string{"a", "c"}, []int{2}},
		{"ndjson broken first line", "{\"title\":\n" + alert("b"), []string{"b"}, []int{1}},
		{"concatenated pretty objects", "{\n\"title\":\"x\"\n}\n{\n\"title\":\"y\"\n}",
			[]string{"x", "y"}, nil},
		{"array with a bad element", `[{"title":"a"}, 42, {"title":"c"}]`,
			[]string{"a", "c"}, []int{2}},
		{"unterminated array", `[{"title":"a"}, {"title":"b"`, []string{"a"}, []int{2}},
		{"array then junk", `[{"title":"a"}] x`, []string{"a"}, []int{2}},
		{"byte order mark", "\xef\xbb\xbf" + alert("bom"), []string{"bom"}, nil},
		{"plain text", "hello world\n", nil, []int{1}},
		{"empty", "  \n", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse("in.json", []byte(tt.data), Options{})
			if err != nil {
				t.Fatalf("Parse() error = %v", err)
			}

			var titles []string
			for _, f := range res.Findings {
				titles = append(titles, f.Title)
			}
			if strings.Join(titles, ",") != strings.Join(tt.titles, ",") {
				t.Errorf("Parse() titles = %q, want %q", titles, tt.titles)
			}
			var errs []int
			for _, e := range res.Errors {
				errs = append(errs, e.Record)
			}
			if len(errs) != len(tt.errs) || len(errs) > 0 && errs[0] != tt.errs[0] {
				t.Errorf("Parse() error records = %v (%v), want %v", errs, res.Errors, tt.errs)
			}
		})
	}
}

func TestRawIsExactRecordBytes(t *testing.T) {
	data, err := os.ReadFile("testdata/elastic_alerts.json")
	if err != nil {
		t.Fatal(err)
	}
	res := parseTestdata(t, "elastic_alerts.json")
	for _, f := range res.Findings {
		if !bytes.Contains(data, f.Raw) || f.Raw[0] != '{' || f.Raw[len(f.Raw)-1] != '}' {
			t.Errorf("Raw of %q is not a verbatim element of the file: %.60q", f.Title, f.Raw)
		}
	}

	line := `{"title": "spaced  out",   "severity": "low"}`
	res, _ = Parse("x.ndjson", []byte(line+"\n"), Options{})
	if got := string(res.Findings[0].Raw); got != line {
		t.Errorf("Raw = %q, want %q", got, line)
	}
}

func TestRecordErrorMessage(t *testing.T) {
	data := `{"title":"ok"}
{"timestamp":"2026-01-01T00:00:00Z","event_type":"alert","src_ip":"192.0.2.1","alert":{}}
{"foo":1}`
	res, _ := Parse("alerts.json", []byte(data), Options{})
	if len(res.Errors) != 2 {
		t.Fatalf("Parse() errors = %v, want 2", res.Errors)
	}

	want := `alerts.json record 2 (suricata): missing "alert.signature": want an EVE alert event`
	if got := res.Errors[0].Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got := res.Errors[1].Error(); !strings.HasPrefix(got, "alerts.json record 3: unknown "+
		"alert format: no distinctive keys") {
		t.Errorf("Error() = %q, want it to name the file, the record and the missing keys", got)
	}
	if !errors.Is(res.Errors[1], ErrUnknownFormat) {
		t.Errorf("errors.Is(%v, ErrUnknownFormat) = false, want true", res.Errors[1])
	}
}

func TestCaps(t *testing.T) {
	t.Run("file over the cap names the flag", func(t *testing.T) {
		_, err := ParseFile("testdata/guardduty_api.json", Options{MaxFileBytes: 100})
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "--max-file-bytes") ||
			!strings.Contains(err.Error(), "100-byte") {
			t.Errorf("ParseFile() error = %v, want ErrTooLarge naming the cap and the flag", err)
		}
	})

	t.Run("record over the cap is skipped", func(t *testing.T) {
		big := `{"title":"` + strings.Repeat("x", 200) + `"}`
		res, err := Parse("a.ndjson", []byte(big+"\n"+`{"title":"small"}`), Options{
			MaxRecordBytes: 100,
		})
		if err != nil || len(res.Findings) != 1 || res.Findings[0].Title != "small" {
			t.Fatalf("Parse() = %+v, %v, want only the small record", res, err)
		}
		if len(res.Errors) != 1 || !errors.Is(res.Errors[0], ErrTooLarge) ||
			res.Errors[0].Record != 1 {
			t.Errorf("Parse() errors = %v, want record 1 ErrTooLarge", res.Errors)
		}
	})

	t.Run("long text is cut with a marker", func(t *testing.T) {
		desc := strings.Repeat("é", 100) // 200 bytes
		rec := `{"title":"t","description":"` + desc + `"}`
		f, err := ParseRecord(FormatGeneric, []byte(rec), Options{MaxTextBytes: 51})
		if err != nil {
			t.Fatal(err)
		}
		want := strings.Repeat("é", 25) + "…[truncated 150 bytes]"
		if f.Description != want || !f.Truncated {
			t.Errorf("Description = %q (truncated %v), want %q", f.Description, f.Truncated, want)
		}
	})
}

func TestDetect(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		{"suricata_eve.ndjson", FormatSuricata},
		{"guardduty_eventbridge.json", FormatGuardDuty},
		{"generic.json", FormatGeneric},
		{"guardduty_sentinel.csv", FormatGuardDuty},
		{"sample.eml", FormatEmail},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if i := bytes.IndexByte(data, '\n'); tt.want == FormatSuricata {
				data = data[:i]
			}
			if got, err := Detect(data); got != tt.want || err != nil {
				t.Errorf("Detect(%s) = %q, %v, want %q", tt.file, got, err, tt.want)
			}
		})
	}

	records := []struct {
		name, record, want string
	}{
		{"ocsf", `{"class_uid":2004}`, FormatOCSF},
		{"wazuh", `{"timestamp":"x","rule":{"level":3},"agent":{"name":"a"}}`, FormatWazuh},
		{"wazuh indexer copy", `{"@timestamp":"x","rule":{"level":3},"manager":{}}`, FormatWazuh},
		{"elastic dotted", `{"kibana.alert.rule.name":"r"}`, FormatElastic},
		{"ecs event", `{"@timestamp":"x","event":{"kind":"event"}}`, FormatElastic},
		{"guardduty pascal", `{"Type":"a","Severity":2,"Resource":{}}`, FormatGuardDuty},
		{"sentinel json", `{"ActivityType":"a","ServiceDetails":"{}"}`, FormatGuardDuty},
	}
	for _, tt := range records {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := Detect([]byte(tt.record)); got != tt.want || err != nil {
				t.Errorf("Detect(%s) = %q, %v, want %q", tt.record, got, err, tt.want)
			}
		})
	}

	for _, bad := range []string{``, `[1]`, `{"a":1}`, `not json`, `{"title":`} {
		if got, err := Detect([]byte(bad)); !errors.Is(err, ErrUnknownFormat) {
			t.Errorf("Detect(%q) = %q, %v, want ErrUnknownFormat", bad, got, err)
		}
	}
}

func TestParseRecord(t *testing.T) {
	rec := []byte(`{"title":"x","severity":"high"}`)
	f, err := ParseRecord(FormatGeneric, rec, Options{})
	if err != nil || f.Title != "x" || f.Severity != finding.SeverityHigh ||
		!bytes.Equal(f.Raw, rec) || f.Source != FormatGeneric {
		t.Errorf("ParseRecord(generic) = %+v, %v", f, err)
	}

	if _, err := ParseRecord("syslog", rec, Options{}); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("ParseRecord(syslog) error = %v, want ErrUnknownFormat", err)
	}
	if _, err := ParseRecord(FormatSuricata, []byte(`{"event_type":"flow"}`), Options{}); !errors.Is(
		err, ErrNotAlert) {
		t.Errorf("ParseRecord(suricata flow) error = %v, want ErrNotAlert", err)
	}
	if _, err := ParseRecord(FormatGeneric, []byte(`{"title":`), Options{}); err == nil {
		t.Error("ParseRecord(broken json) error = nil, want a parse error")
	}
}

func TestEmailIsDelegated(t *testing.T) {
	res := parseTestdata(t, "sample.eml")
	if len(res.Errors) > 0 {
		// The e-mail package may still be a stub; the error must then name the file.
		e := res.Errors[0]
		if e.File != "testdata/sample.eml" || e.Record != 1 || e.Format != FormatEmail {
			t.Errorf("e-mail error = %+v, want file, record 1 and format email", e)
		}
		return
	}
	if len(res.Findings) != 1 || res.Findings[0].Source != FormatEmail {
		t.Fatalf("Parse(sample.eml) = %+v, want one e-mail finding", res)
	}
	if _, ok := observable(res.Findings[0], finding.KindEmail,
		"billing@invoices.example.net"); !ok {
		t.Errorf("e-mail finding lacks the sender: %+v", res.Findings[0].Observables)
	}
}

func TestSniffEmail(t *testing.T) {
	tests := []struct {
		name string
		data string
		want bool
	}{
		{"headers", "From: a@b.example\nSubject: hi\n\nbody", true},
		{"mbox line first", "From a@b Mon Jan 1\nReceived: x\nTo: y\n\n", true},
		{"folded header", "Subject: a\n  b\nDate: Mon\n\n", true},
		{"one header is not enough", "Subject: hi\n\nbody", false},
		{"key value log", "level: info\nmsg: started\n", false},
		{"json", `{"From":"x"}`, false},
		{"csv", "AccountId,ActivityType\n1,2\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sniffEmail([]byte(tt.data)); got != tt.want {
				t.Errorf("sniffEmail(%q) = %v, want %v", tt.data, got, tt.want)
			}
		})
	}
}

func TestMixedFile(t *testing.T) {
	res := parseTestdata(t, "mixed.ndjson")

	var sources []string
	for _, f := range res.Findings {
		sources = append(sources, f.Source)
	}
	want := "suricata,guardduty,elastic,ocsf,wazuh,generic"
	if got := strings.Join(sources, ","); got != want {
		t.Errorf("sources = %s, want %s", got, want)
	}
	if res.Skipped != 1 {
		t.Errorf("Skipped = %d, want 1 (the EVE flow event)", res.Skipped)
	}
	if len(res.Errors) != 2 || res.Errors[0].Record != 8 || res.Errors[1].Record != 9 {
		t.Errorf("Errors = %v, want records 8 (unknown keys) and 9 (broken JSON)", res.Errors)
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"2018-10-03T14:42:44.836744+0000", "2018-10-03T14:42:44.836744Z"},
		{"2019-08-09T10:07:20.910626-0400", "2019-08-09T14:07:20.910626Z"},
		{"2026-03-06T08:00:00+01:00", "2026-03-06T07:00:00Z"},
		{"2026-03-06T08:00:00", "2026-03-06T08:00:00Z"},
		{"2026-03-06 08:00:00.5", "2026-03-06T08:00:00.5Z"},
		{"1772627400123", "2026-03-04T12:30:00.123Z"},
		{"1772627400", "2026-03-04T12:30:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseTime(tt.in)
			if err != nil || got.Format("2006-01-02T15:04:05.999999999Z07:00") != tt.want {
				t.Errorf("parseTime(%q) = %v, %v, want %s", tt.in, got, err, tt.want)
			}
		})
	}
	for _, bad := range []string{"yesterday", "", "-5", "NaN"} {
		if _, err := parseTime(bad); err == nil {
			t.Errorf("parseTime(%q) error = nil, want one", bad)
		}
	}
}

func TestLabelNamedLikeASecret(t *testing.T) {
	rec := `{"title":"  t  ","labels":{"db_password":"hunter2","site":"lyon"}}`
	f, err := ParseRecord(FormatGeneric, []byte(rec), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Labels["db_password"] != "[REDACTED:password]" || f.Labels["site"] != "lyon" {
		t.Errorf("Labels = %v, want db_password masked and site kept", f.Labels)
	}
	if f.Title != "t" {
		t.Errorf("Title = %q, want it trimmed to %q", f.Title, "t")
	}
}

func TestParseConcurrent(t *testing.T) {
	data, err := os.ReadFile("testdata/mixed.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan int)
	for range 8 {
		go func() {
			res, _ := Parse("mixed.ndjson", data, Options{})
			done <- len(res.Findings)
		}()
	}
	for range 8 {
		if n := <-done; n != 6 {
			t.Errorf("concurrent Parse() = %d findings, want 6", n)
		}
	}
}
