package intel

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLoadCSVWatchlist(t *testing.T) {
	s := newTestSet()
	n, err := s.LoadFile("testdata/csv/watchlist.csv")
	if err != nil || n != 7 {
		t.Fatalf("LoadFile(watchlist.csv) = %d, %v; want 7, nil", n, err)
	}

	const phish = "Credential phishing (Entra ID lookalike)"
	want := []Indicator{
		{Kind: KindDomain, Value: "login-microsoftonline.support", Threat: phish,
			Source: "soc-watchlist", Confidence: 90, Tags: []string{"phishing"},
			Ref: "watchlist.csv:5"},
		{Kind: KindEmail, Value: "payroll-update@hr-portal-secure.net",
			Threat: "Payroll diversion fraud", Source: "watchlist.csv", Confidence: 70,
			Tags: []string{"bec"}, Ref: "watchlist.csv:8"},
		{Kind: KindHash, Value: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
			Threat: "Empty file (hash demo)", Source: "soc-watchlist", Confidence: 20,
			Tags: []string{"test"}, Ref: "watchlist.csv:10"},
		{Kind: KindIP, Value: "10.10.0.0/16", Threat: "Quarantine VLAN (retired)",
			Source: "soc-watchlist", Confidence: 30, Ref: "watchlist.csv:9"},
		{Kind: KindIP, Value: "198.51.100.23", Threat: "SSH brute-force scanner",
			Source: "soc-watchlist", Confidence: 75, Tags: []string{"scanner", "ssh"},
			ValidUntil: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), Ref: "watchlist.csv:4"},
		{Kind: KindIP, Value: "2001:db8::1f", Threat: "Expired sinkhole", Source: "soc-watchlist",
			Confidence: 40, Tags: []string{"sinkhole"},
			ValidUntil: time.Date(2020, 6, 30, 0, 0, 0, 0, time.UTC), Expired: true,
			Ref: "watchlist.csv:7"},
		{Kind: KindURL, Value: "https://login-microsoftonline.support/common/oauth2/authorize",
			Threat: phish, Source: "soc-watchlist", Confidence: 90, Tags: []string{"phishing"},
			Ref: "watchlist.csv:6"},
	}
	if diff := cmp.Diff(want, all(s)); diff != "" {
		t.Errorf("indicators (-want +got):\n%s", diff)
	}
}

func TestLoadCSVOneColumn(t *testing.T) {
	s := newTestSet()
	n, err := s.LoadFile("testdata/csv/blocklist.csv")
	if err != nil || n != 5 {
		t.Fatalf("LoadFile(blocklist.csv) = %d, %v; want 5, nil", n, err)
	}

	ind := func(kind, v string, line string) Indicator {
		return Indicator{Kind: kind, Value: v, Source: "blocklist.csv",
			Confidence: DefaultConfidence, Ref: "blocklist.csv:" + line}
	}
	want := []Indicator{
		ind(KindDomain, "rnicrosoft-secure.com", "2"),
		ind(KindHash, "44d88612fea8a8f36de82e1278abb02f", "4"),
		ind(KindIP, "185.220.101.47", "1"),
		ind(KindIP, "203.0.113.0/24", "5"),
		ind(KindURL, "https://rnicrosoft-secure.com/owa/auth/login.php", "3"),
	}
	if diff := cmp.Diff(want, all(s)); diff != "" {
		t.Errorf("indicators (-want +got):\n%s", diff)
	}
}

func TestLoadCSVProblems(t *testing.T) {
	tests := []struct {
		name    string
		csv     string
		wantN   int
		wantErr string
	}{
		{"empty_file", "", 0, ""},
		{"only_comments", "# nothing here\n", 0, ""},
		{"header_only", "type,value\n", 0, ""},
		{"header_without_value", "type,indicator\nip,1.2.3.4\n", 0,
			"unsupported intel format: csv header names no value column"},
		{"wide_without_header", "ip,1.2.3.4\n", 0,
			"unsupported intel format: csv header names no value column"},
		{"bad_rows_skipped", "type,value,confidence\nip,1.2.3.4,101\nip,1.2.3.5,\n,,\n", 1,
			`entries skipped (1): line 2: confidence "101": want 0-100`},
		{"empty_value_in_full_row", "type,value,threat\nip,,x\n", 0,
			"entries skipped (1): line 2: empty value"},
		{"bad_valid_until", "value,valid_until\n1.2.3.4,next week\n", 0,
			`entries skipped (1): line 2: valid_until: parsing time "next week"`},
		{"bad_quotes", "value\n\"1.2.3.4\n", 0, "reading csv:"},
		{"many_bad_rows", "value\n" + strings.Repeat("not a value\n", 12), 0,
			"; and 2 more"},
		{"bom_header", "\ufefftype,value\nip,1.2.3.4\n", 1, ""},
		{"rfc3339_valid_until", "value,valid_until\n1.2.3.4,2030-01-02T03:04:05+02:00\n", 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestSet()
			n, err := s.loadBytes("t.csv", []byte(tt.csv))
			if n != tt.wantN {
				t.Errorf("loadBytes(%q) = %d, want %d", tt.csv, n, tt.wantN)
			}
			if tt.wantErr == "" && err != nil || tt.wantErr != "" &&
				(err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("loadBytes(%q) error = %v, want %q", tt.csv, err, tt.wantErr)
			}
		})
	}
}

func TestLoadCSVKindAliases(t *testing.T) {
	s := newTestSet()
	_, err := s.loadBytes("a.csv", []byte("type,value\nCIDR,10.0.0.0/8\nhostname,Host.Example\n"+
		"sha256,"+strings.Repeat("A", 64)+"\nemail-src,x@y.example\nplanet,mars\n"))
	if !errors.Is(err, ErrSkipped) || !strings.Contains(err.Error(), `line 6: type "planet"`) {
		t.Errorf("loadBytes error = %v, want type \"planet\" named", err)
	}
	var got []string
	for _, ind := range all(s) {
		got = append(got, ind.Kind+" "+ind.Value)
	}
	want := []string{"domain host.example", "email x@y.example",
		"hash " + strings.Repeat("a", 64), "ip 10.0.0.0/8"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("indicators (-want +got):\n%s", diff)
	}
}
