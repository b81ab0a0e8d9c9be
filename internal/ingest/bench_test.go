package ingest

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// benchRecords returns the alert records of the named test files, compacted to one
// line each.
func benchRecords(b *testing.B, names ...string) [][]byte {
	b.Helper()
	var out [][]byte
	for _, name := range names {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			b.Fatal(err)
		}
		split(data, func(r record) {
			var line bytes.Buffer
			if r.err == nil && r.format == "" && json.Compact(&line, r.raw) == nil {
				out = append(out, line.Bytes())
			}
		})
	}
	return out
}

// ndjson repeats records into a file of at least n records.
func ndjson(records [][]byte, n int) ([]byte, int) {
	var buf bytes.Buffer
	count := 0
	for count < n {
		for _, r := range records {
			buf.Write(r)
			buf.WriteByte('\n')
			count++
		}
	}
	return buf.Bytes(), count
}

func benchParse(b *testing.B, data []byte, records int) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := Parse("bench.ndjson", data, Options{})
		if err != nil || len(res.Findings) == 0 {
			b.Fatalf("Parse() = %d findings, %v", len(res.Findings), err)
		}
	}
	b.ReportMetric(float64(b.N*records)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkParseSuricata(b *testing.B) {
	var alerts [][]byte
	for _, r := range benchRecords(b, "suricata_eve.ndjson") {
		if bytes.Contains(r, []byte(`"signature"`)) {
			alerts = append(alerts, r)
		}
	}
	data, n := ndjson(alerts, 1000)
	benchParse(b, data, n)
}

func BenchmarkParseMixed(b *testing.B) {
	records := benchRecords(b, "suricata_eve.ndjson", "guardduty_api.json",
		"guardduty_eventbridge.json", "elastic_alerts.json", "ocsf_findings.json",
		"wazuh_alerts.json", "generic.json", "mixed.ndjson")
	data, n := ndjson(records, 1000)
	benchParse(b, data, n)
}
