package intel

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadDir(t *testing.T) {
	s, errs, err := LoadDir("testdata/mixed")
	if err != nil {
		t.Fatalf("LoadDir(testdata/mixed) error = %v", err)
	}

	// README.md and .hidden/ are not read; each bad file is reported alone.
	var got []string
	for _, e := range errs {
		got = append(got, e.Error())
	}
	want := []string{
		"testdata/mixed/notintel.json: unsupported intel format: " +
			"json is neither a stix bundle nor a misp event",
		"testdata/mixed/partial.csv: entries skipped (4): " +
			`line 3: ip "999.1.1.1": invalid indicator value; ` +
			`line 4: domain "bad domain.example": invalid indicator value; ` +
			`line 5: type "planet": unknown indicator kind; ` +
			`line 6: confidence "high": want 0-100`,
		"testdata/mixed/truncated.json: decoding json: unexpected end of JSON input",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LoadDir errors (-want +got):\n%s", diff)
	}

	var fe *FileError
	if len(errs) != 3 || !errors.As(errs[0], &fe) || !errors.Is(errs[0], ErrUnsupported) ||
		!errors.Is(errs[1], ErrSkipped) {
		t.Errorf("LoadDir errors = %v, want *FileError wrapping ErrUnsupported, ErrSkipped", errs)
	}
	if s.Len() != 2 {
		t.Errorf("LoadDir(testdata/mixed).Len() = %d, want 2", s.Len())
	}
	for _, q := range [][2]string{{KindDomain, "evil.example.net"}, {KindIP, "198.51.100.7"}} {
		if len(s.Lookup(q[0], q[1])) != 1 {
			t.Errorf("Lookup(%q, %q) = no match, want one", q[0], q[1])
		}
	}
	for _, hidden := range []string{"198.51.100.98", "198.51.100.99"} {
		if m := s.Lookup(KindIP, hidden); m != nil {
			t.Errorf("Lookup(%s) from a hidden file = %v, want none", hidden, m)
		}
	}
}

func TestLoadDirRecursesTestdata(t *testing.T) {
	s, errs, err := LoadDir("testdata")
	if err != nil {
		t.Fatalf("LoadDir(testdata) error = %v", err)
	}
	// asert and poisonivy skip entries; mixed/ has three bad files.
	if len(errs) != 5 {
		t.Errorf("LoadDir(testdata) errors = %d, want 5: %v", len(errs), errs)
	}
	if s.Len() != 371 {
		t.Errorf("LoadDir(testdata).Len() = %d, want 371", s.Len())
	}
}

func TestLoadDirFails(t *testing.T) {
	if _, _, err := LoadDir("testdata/no-such-dir"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadDir(missing) error = %v, want ErrNotExist", err)
	}
	if _, _, err := LoadDir("testdata/csv/blocklist.csv"); err == nil {
		t.Errorf("LoadDir(a file) error = nil, want not a directory")
	}
}

func TestLoadFileErrors(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.csv")
	if err := os.WriteFile(big, make([]byte, MaxFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "feed.xml")
	if err := os.WriteFile(other, []byte("<stix/>"), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		path string
		want error
	}{
		{big, ErrTooLarge},
		{other, ErrUnsupported},
		{filepath.Join(dir, "missing.json"), os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			n, err := New().LoadFile(tt.path)
			var fe *FileError
			if n != 0 || !errors.Is(err, tt.want) || !errors.As(err, &fe) || fe.Path != tt.path {
				t.Errorf("LoadFile(%s) = %d, %v; want 0, *FileError wrapping %v",
					tt.path, n, err, tt.want)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	s, err := Defaults()
	if err != nil {
		t.Fatalf("Defaults() error = %v", err)
	}
	if s.Len() != 13 {
		t.Errorf("Defaults().Len() = %d, want 13", s.Len())
	}

	tests := []struct {
		name, kind, value string
		want              []string
	}{
		{"tor_exit", KindIP, "185.220.101.47",
			[]string{"ip 185.220.101.47 <- 185.220.101.47 " +
				"(Tor exit node used as phishing infrastructure) 80"}},
		{"phishing_domain", KindDomain, "rnicrosoft-secure.com",
			[]string{"domain rnicrosoft-secure.com <- rnicrosoft-secure.com " +
				"(Credential phishing (Microsoft 365 lookalike)) 90"}},
		{"phishing_url", KindURL, "https://rnicrosoft-secure.com/owa/auth/login.php", []string{
			"url https://rnicrosoft-secure.com/owa/auth/login.php <- " +
				"https://rnicrosoft-secure.com/owa/auth/login.php " +
				"(Credential phishing (OWA login clone)) 90",
			"domain rnicrosoft-secure.com <- rnicrosoft-secure.com " +
				"(Credential phishing (Microsoft 365 lookalike)) 90",
		}},
		{"mimikatz", KindHash, "6b18731a752231eb855991e446da8639d32eb4953a7f89b79a33e5be4aebd59b",
			[]string{"hash 6b18731a752231eb855991e446da8639d32eb4953a7f89b79a33e5be4aebd59b <- " +
				"6b18731a752231eb855991e446da8639d32eb4953a7f89b79a33e5be4aebd59b " +
				"(Mimikatz credential dumper) 95"}},
		{"c2", KindIP, "203.0.113.66",
			[]string{"ip 203.0.113.66 <- 203.0.113.66 (Cobalt Strike C2 server) 85"}},
		{"bulletproof_range", KindIP, "192.0.2.9",
			[]string{"ip 192.0.2.0/28 <- 192.0.2.9 " +
				"(Bulletproof hosting range serving the phishing kit) 60"}},
		{"poison_ivy_example", KindHash, poisonIvySHA,
			[]string{"hash " + poisonIvySHA + " <- " + poisonIvySHA + " (Poison Ivy) 50"}},
		{"xorist_example", KindHash, "0749bae92ca336a02c83d126e04ec628",
			[]string{"hash 0749bae92ca336a02c83d126e04ec628 <- 0749bae92ca336a02c83d126e04ec628 " +
				"(Ransomware - Xorist) 50"}},
		// Known-good values are not intel.
		{"real_microsoft", KindDomain, "login.microsoftonline.com", nil},
		{"real_microsoft_url", KindURL, "https://outlook.office365.com/owa/auth/login.php", nil},
		{"public_dns", KindIP, "8.8.8.8", nil},
		{"lab_workstation", KindIP, "10.20.1.15", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, m := range s.Lookup(tt.kind, tt.value) {
				got = append(got, strings.Join(matched([]Match{m}), "")+" "+strconv.Itoa(m.Confidence))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Lookup(%q, %q) (-want +got):\n%s", tt.kind, tt.value, diff)
			}
		})
	}
}
