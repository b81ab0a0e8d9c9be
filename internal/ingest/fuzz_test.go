package ingest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/conductor-sec/conductor/internal/finding"
)

// fuzzSeeds returns every test file, and the corpus Suricata samples when present.
func fuzzSeeds(f *testing.F) [][]byte {
	f.Helper()
	paths, _ := filepath.Glob("testdata/*.*")
	corpus, _ := filepath.Glob(filepath.Join(suricataCorpus, "*_input.txt"))
	var seeds [][]byte
	for _, p := range append(paths, corpus...) {
		if data, err := os.ReadFile(p); err == nil {
			seeds = append(seeds, data)
		}
	}
	return seeds
}

func FuzzDetect(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
		if i := bytes.IndexByte(s, '\n'); i > 0 {
			f.Add(s[:i])
		}
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		format, err := Detect(data)
		if err != nil {
			return
		}
		fd, err := ParseRecord(format, data, Options{})
		if err == nil {
			checkFinding(t, fd, data)
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Parse("fuzz.json", data, Options{MaxTextBytes: 256})
		if err != nil {
			t.Fatalf("Parse() error = %v, want errors only per record", err)
		}
		for _, fd := range res.Findings {
			checkFinding(t, fd, data)
		}
		for _, e := range res.Errors {
			if e.File != "fuzz.json" || e.Record < 1 || e.Err == nil {
				t.Fatalf("RecordError = %+v, want file, record and cause", e)
			}
		}
	})
}

// checkFinding holds for every finding whatever the input.
func checkFinding(t *testing.T, f finding.Finding, data []byte) {
	t.Helper()
	if f.Source == FormatEmail {
		return // the e-mail package checks its own findings
	}
	if f.Source == "" || f.Title == "" {
		t.Fatalf("finding without source or title: %+v", f)
	}
	if len(f.Raw) == 0 || !bytes.Contains(data, f.Raw) {
		t.Fatalf("Raw %q is not a part of the input", f.Raw)
	}
	if _, ok := bandScores[f.Severity]; !ok || f.SeverityScore < 0 || f.SeverityScore > 100 {
		t.Fatalf("severity %q/%d out of range", f.Severity, f.SeverityScore)
	}
	if f.Time.Location() != time.UTC {
		t.Fatalf("Time %v is not UTC", f.Time)
	}
	for _, id := range f.Techniques {
		if !finding.IsTechnique(id) {
			t.Fatalf("technique %q is not an ATT&CK id", id)
		}
	}
	for _, o := range f.Observables {
		if o.Value == "" || o.Kind == "" {
			t.Fatalf("empty observable %+v", o)
		}
	}
}
