package ingest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/conductor-sec/conductor/internal/finding"
)

// The Suricata samples in the shared corpus are GPL-2.0: they are read in place at
// test time, never copied into the repository.
const suricataCorpus = "../../../shared/corpus/wazuh-engine-tests/suricata"

func corpusFile(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join(suricataCorpus, name)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("corpus file %s not available: %v", path, err)
	}
	return path
}

func TestCorpusSuricataAlerts(t *testing.T) {
	res, err := ParseFile(corpusFile(t, "alert_input.txt"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 21 || res.Skipped != 1 || len(res.Errors) != 0 {
		t.Fatalf("ParseFile(alert_input.txt) = %d findings, %d skipped, %v; want 21, 1 (tls)",
			len(res.Findings), res.Skipped, res.Errors)
	}

	f := res.Findings[0]
	checks := []struct{ name, got, want string }{
		{"title", f.Title, "ET POLICY curl User-Agent Outbound"},
		{"rule id", f.RuleID, "2013028"},
		{"time", f.Time.Format(time.RFC3339Nano), "2018-10-03T14:42:44.836744Z"},
		{"time raw", f.TimeRaw, "2018-10-03T14:42:44.836744+0000"},
		{"severity", string(f.Severity), "medium"},
		{"flow id kept exactly", f.Labels["flow_id"], "2191386088856669"},
		{"category", f.Labels["category"], "Attempted Information Leak"},
		{"user agent", f.Labels["http_user_agent"], "curl/7.58.0"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("record 1 %s = %q, want %q", c.name, c.got, c.want)
		}
	}
	for _, o := range []finding.Observable{
		field("ip", "192.168.1.146", "src"), field("ip", "89.160.20.112", "dst"),
		field("domain", "example.net", "dst"), field("url", "http://example.net/", "dst"),
	} {
		if got, ok := observable(f, o.Kind, o.Value); !ok || got != o {
			t.Errorf("record 1 observable %s = %+v, want %+v", o.Key(), got, o)
		}
	}

	last := res.Findings[20]
	if last.Title != "SURICATA TLS on unusual port" || last.Severity != finding.SeverityLow ||
		last.Time.Format(time.RFC3339Nano) != "2020-06-26T15:00:03.342282Z" {
		t.Errorf("last alert = %q %s %v", last.Title, last.Severity, last.Time)
	}
}

// TestCorpusSuricataGolden compares every alert with the normalized document the
// Wazuh engine expects for the same input line.
func TestCorpusSuricataGolden(t *testing.T) {
	res, err := ParseFile(corpusFile(t, "alert_input.txt"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(corpusFile(t, "alert_expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var expected []struct {
		Event struct{ Kind string }
		Rule  struct{ ID, Name string }
		Src   struct{ IP string } `json:"source"`
		Dst   struct{ IP string } `json:"destination"`
		Suri  struct {
			Alert struct{ Severity int }
		} `json:"suricata"`
	}
	if err := json.Unmarshal(data, &expected); err != nil {
		t.Fatal(err)
	}

	i := 0
	bands := map[int]finding.Severity{1: "high", 2: "medium", 3: "low"}
	for n, e := range expected {
		if e.Event.Kind != "alert" {
			continue
		}
		if i >= len(res.Findings) {
			t.Fatalf("only %d findings for %d expected alerts", len(res.Findings), i+1)
		}
		f := res.Findings[i]
		i++
		src, _ := observable(f, "ip", e.Src.IP)
		dst, _ := observable(f, "ip", e.Dst.IP)
		if f.RuleID != e.Rule.ID || f.Title != e.Rule.Name || src.Role != "src" ||
			dst.Role != "dst" || f.Severity != bands[e.Suri.Alert.Severity] {
			t.Errorf("expected[%d] = %s %q %s->%s sev %d; got %s %q %v %s", n, e.Rule.ID,
				e.Rule.Name, e.Src.IP, e.Dst.IP, e.Suri.Alert.Severity, f.RuleID, f.Title,
				f.Observables, f.Severity)
		}
	}
	if i != len(res.Findings) {
		t.Errorf("compared %d alerts, parsed %d", i, len(res.Findings))
	}
}

func TestCorpusSuricataMixedEvents(t *testing.T) {
	res, err := ParseFile(corpusFile(t, "small_input.txt"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || res.Skipped != 11 || len(res.Errors) != 0 {
		t.Fatalf("ParseFile(small_input.txt) = %d findings, %d skipped, %v; want 1, 11",
			len(res.Findings), res.Skipped, res.Errors)
	}

	want{
		ruleID: "2024833", title: "ET POLICY Observed IP Lookup Domain (l2 .io in TLS SNI)",
		time: time.Date(2019, 8, 9, 14, 7, 20, 910626000, time.UTC), band: "high", score: 75,
		obs: []finding.Observable{
			field("ip", "192.168.86.85", "src"), field("ip", "192.168.156.70", "dst"),
			field("domain", "l2.io", "dst"),
		},
		labels: map[string]string{"category": "Potential Corporate Privacy Violation",
			"flow_id": "904992230150292"},
	}.check(t, res.Findings[0])
}
