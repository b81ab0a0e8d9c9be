package intel

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var operators = map[string]bool{
	"=": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true, "IN": true,
	"LIKE": true, "MATCHES": true, "ISSUBSET": true, "ISSUPERSET": true, "EXISTS": true,
}

func FuzzParsePattern(f *testing.F) {
	for _, p := range corpusPatterns(f) {
		f.Add(p)
	}
	f.Add("[file:hashes.'SHA-256' = 'aa'] AND [file:hashes.MD5 = 'bb'] WITHIN 300 SECONDS")
	f.Add("([a:b IN ('x', 'y')] FOLLOWEDBY [c:d[*].e NOT LIKE 'z']) REPEATS 2 TIMES")
	f.Add("[a:b = t'2016-01-01T00:00:00Z' AND EXISTS a:c] START t'x' STOP t'y'")

	f.Fuzz(func(t *testing.T, p string) {
		comps, err := ParsePattern(p)
		if err != nil {
			return
		}
		for _, c := range comps {
			if c.Object == "" || c.Path == "" || !operators[c.Operator] {
				t.Fatalf("ParsePattern(%q) gave malformed %+v", p, c)
			}
			n := len(c.Values)
			if c.Operator == "EXISTS" && n != 0 || c.Operator == "IN" && n == 0 ||
				c.Operator != "EXISTS" && c.Operator != "IN" && n != 1 {
				t.Fatalf("ParsePattern(%q) gave %d values for %s", p, n, c.Operator)
			}
		}
	})
}

// corpusPatterns returns every pattern in the STIX test bundles.
func corpusPatterns(f *testing.F) []string {
	var out []string
	for _, data := range seedFiles(f, "testdata/stix/*.json") {
		var b struct{ Objects []struct{ Pattern string } }
		if err := json.Unmarshal(data, &b); err != nil {
			f.Fatalf("decoding seed: %v", err)
		}
		for _, o := range b.Objects {
			if o.Pattern != "" {
				out = append(out, o.Pattern)
			}
		}
	}
	return out
}

// maxSeed keeps the large threat reports out of the byte-level seed corpus:
// mutating 100 KB inputs wastes the fuzzer's time on the JSON decoder.
const maxSeed = 16 << 10

func seedFiles(f *testing.F, glob string) [][]byte {
	paths, err := filepath.Glob(glob)
	if err != nil || len(paths) == 0 {
		f.Fatalf("no seeds for %s: %v", glob, err)
	}
	var out [][]byte
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}

func smallSeeds(f *testing.F, glob string) [][]byte {
	var out [][]byte
	for _, data := range seedFiles(f, glob) {
		if len(data) <= maxSeed {
			out = append(out, data)
		}
	}
	return out
}

// checkStored asserts what every loader owes whatever the input: values are
// stored normalized, confidence stays in range, and Lookup finds each one.
func checkStored(t *testing.T, s *Set, n int) {
	t.Helper()
	stored := all(s)
	if len(stored) != s.Len() || s.Len() > n {
		t.Fatalf("Len() = %d, stored %d, yielded %d", s.Len(), len(stored), n)
	}
	for _, ind := range stored {
		again, err := Normalize(ind.Kind, ind.Value)
		if err != nil || again != ind.Value {
			t.Fatalf("stored %s %q renormalizes to %q, %v", ind.Kind, ind.Value, again, err)
		}
		if ind.Confidence < 0 || ind.Confidence > 100 {
			t.Fatalf("stored confidence %d out of range", ind.Confidence)
		}
		if !strings.Contains(ind.Value, "/") || ind.Kind == KindURL {
			if len(s.Lookup(ind.Kind, ind.Value)) == 0 {
				t.Fatalf("Lookup(%s, %q) found nothing for a stored value", ind.Kind, ind.Value)
			}
		}
	}
}

// FuzzLoadSTIX feeds raw bytes, which mostly exercise the decoder, and a
// well-formed bundle around a fuzzed pattern and name, which reach the
// extraction behind it.
func FuzzLoadSTIX(f *testing.F) {
	patterns := corpusPatterns(f)
	for i, data := range smallSeeds(f, "testdata/stix/*.json") {
		f.Add(data, patterns[i%len(patterns)], "seed")
	}
	f.Fuzz(func(t *testing.T, data []byte, pattern, name string) {
		s := newTestSet()
		n, _ := s.loadSTIX("fuzz.json", data)
		checkStored(t, s, n)

		bundle, err := json.Marshal(map[string]any{"type": "bundle", "objects": []any{
			map[string]any{"type": "indicator", "id": "indicator--1", "name": name,
				"pattern": pattern, "pattern_type": "stix"},
		}})
		if err != nil {
			return
		}
		s = newTestSet()
		n, _ = s.loadSTIX("fuzz.json", bundle)
		checkStored(t, s, n)
	})
}

// FuzzLoadMISP feeds raw bytes and a well-formed event around a fuzzed
// attribute type and value, so composite types and normalization are
// reached too.
func FuzzLoadMISP(f *testing.F) {
	types := []string{"domain|ip", "filename|sha256", "ip-dst|port", "url", "email-src", "md5"}
	for i, data := range smallSeeds(f, "testdata/misp/*.json") {
		f.Add(data, types[i%len(types)], "a.example|10.0.0.1", "1")
	}
	f.Add([]byte(`{"response": [{"Event": {"threat_level_id": 1, "Attribute": [
		{"type": "domain|ip", "value": "a.example|10.0.0.1", "to_ids": "1"}]}}]}`),
		"hostname|port", "c2.example|8080", "2")
	f.Fuzz(func(t *testing.T, data []byte, typ, value, level string) {
		s := newTestSet()
		n, _ := s.loadMISP("fuzz.json", data)
		checkStored(t, s, n)

		event, err := json.Marshal(map[string]any{"Event": map[string]any{
			"threat_level_id": level, "info": value,
			"Attribute": []any{map[string]any{"type": typ, "value": value, "to_ids": true}},
		}})
		if err != nil {
			return
		}
		s = newTestSet()
		n, _ = s.loadMISP("fuzz.json", event)
		checkStored(t, s, n)
	})
}

func FuzzLoadCSV(f *testing.F) {
	for _, data := range seedFiles(f, "testdata/csv/*.csv") {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := newTestSet()
		n, _ := s.loadCSV("fuzz.csv", data)
		checkStored(t, s, n)
	})
}

// FuzzNormalize checks that normalizing is idempotent, which Lookup relies
// on: a stored value looked up again must land on itself.
func FuzzNormalize(f *testing.F) {
	for _, v := range []string{
		"185.220.101.47", "::ffff:10.0.0.0/104", "RNICROSOFT-secure.com.", "hxxps://a[.]b/c?d#e",
		"www.kcico.com.tw/x", "http://[2001:DB8::1]:80/x", "<mailto:A@B.example>",
		"44D88612FEA8A8F36DE82E1278ABB02F",
	} {
		for _, k := range []string{KindIP, KindDomain, KindURL, KindHash, KindEmail} {
			f.Add(k, v)
		}
	}
	f.Fuzz(func(t *testing.T, kind, v string) {
		n, err := Normalize(kind, v)
		if err != nil {
			return
		}
		again, err := Normalize(kind, n)
		if err != nil || again != n {
			t.Fatalf("Normalize(%q, %q) = %q, then %q, %v", kind, v, n, again, err)
		}
	})
}
