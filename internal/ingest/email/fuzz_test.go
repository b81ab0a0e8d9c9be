package email

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// fuzzCorpusSeeds are small real messages with broken structure, read from the
// shared corpus when it is there and never copied. Large seeds make every
// mutation and every minimization slow, so they are left out; run with
// -fuzzminimizetime=5s, or minimizing a new input can take the whole run.
var fuzzCorpusSeeds = []string{
	"phishing_pot/sample-391.eml", "phishing_pot/sample-400.eml",
	"phishing_pot/sample-1159.eml", "phishing_pot/sample-5453.eml",
	"phishing_pot/sample-7153.eml", "enmime-testdata/low-quality/bad-final-boundary.eml",
}

func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"testdata/*.eml", "testdata/*/*.eml"} {
		files, _ := filepath.Glob(pattern)
		for _, path := range files {
			if raw, err := os.ReadFile(path); err == nil {
				f.Add(raw)
			}
		}
	}
	for _, rel := range fuzzCorpusSeeds {
		if raw, err := os.ReadFile(filepath.Join(corpusDir, rel)); err == nil {
			f.Add(raw)
		}
	}
	f.Add([]byte("From: a@b\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\n"))

	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := Parse(raw, Options{MaxBytes: 1 << 20})
		if err != nil {
			if !errors.Is(err, ErrNotEmail) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Parse() error = %v, want ErrNotEmail or ErrTooLarge", err)
			}
			return
		}
		checkSane(t, got, raw)
	})
}
