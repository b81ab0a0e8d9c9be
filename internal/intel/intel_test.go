package intel

import (
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fixedNow is the fake clock of every test set.
var fixedNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func newTestSet() *Set {
	s := New()
	s.now = func() time.Time { return fixedNow }
	return s
}

// all returns every indicator in s, sorted by kind, value, then ref.
func all(s *Set) []Indicator {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Indicator
	for _, list := range s.exact {
		out = append(out, list...)
	}
	for _, byPrefix := range s.nets {
		for _, list := range byPrefix {
			out = append(out, list...)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Value != b.Value {
			return a.Value < b.Value
		}
		return a.Ref < b.Ref
	})
	return out
}

// matched lists "kind value <- matched (threat)" for compact comparisons.
func matched(ms []Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%s %s <- %s (%s)", m.Kind, m.Value, m.Matched, m.Threat))
	}
	return out
}

func lookupSet(t *testing.T) *Set {
	t.Helper()
	s := newTestSet()
	for _, ind := range []Indicator{
		{Kind: KindIP, Value: "185.220.101.47", Threat: "tor exit", Source: "a", Confidence: 80},
		{Kind: KindIP, Value: "223.166.0.0/15", Threat: "htran hop", Source: "a", Confidence: 50},
		{Kind: KindIP, Value: "223.0.0.0/8", Threat: "wide range", Source: "a", Confidence: 20},
		{Kind: KindIP, Value: "2001:db8::/32", Threat: "v6 range", Source: "a", Confidence: 30},
		{Kind: KindDomain, Value: "rnicrosoft-secure.com", Threat: "phishing", Source: "a",
			Confidence: 90},
		{Kind: KindDomain, Value: "login.rnicrosoft-secure.com", Threat: "phishing login",
			Source: "a", Confidence: 95},
		{Kind: KindURL, Value: "https://rnicrosoft-secure.com/owa/auth/login.php",
			Threat: "owa clone", Source: "a", Confidence: 90},
		{Kind: KindURL, Value: "http://198.55.120.143:7386/B/ResN32.dll", Threat: "payload",
			Source: "a", Confidence: 70},
		{Kind: KindIP, Value: "198.55.120.143", Threat: "payload host", Source: "a", Confidence: 70},
		{Kind: KindEmail, Value: "it-support@rnicrosoft-secure.com", Threat: "sender", Source: "a",
			Confidence: 85},
		{Kind: KindHash, Value: "6B18731A752231EB855991E446DA8639D32EB4953A7F89B79A33E5BE4AEBD59B",
			Threat: "mimikatz", Source: "a", Confidence: 95},
	} {
		s.Add(ind)
	}
	return s
}

func TestLookup(t *testing.T) {
	s := lookupSet(t)
	tests := []struct {
		name, kind, value string
		want              []string
	}{
		{"exact_ip", KindIP, "185.220.101.47",
			[]string{"ip 185.220.101.47 <- 185.220.101.47 (tor exit)"}},
		{"ip_inside_cidrs_longest_first", KindIP, "223.167.3.4", []string{
			"ip 223.166.0.0/15 <- 223.167.3.4 (htran hop)",
			"ip 223.0.0.0/8 <- 223.167.3.4 (wide range)",
		}},
		{"mapped_ipv4_is_ipv4", KindIP, "::ffff:223.1.1.1",
			[]string{"ip 223.0.0.0/8 <- 223.1.1.1 (wide range)"}},
		{"ipv6_in_prefix", KindIP, "2001:DB8::dead:beef",
			[]string{"ip 2001:db8::/32 <- 2001:db8::dead:beef (v6 range)"}},
		{"ip_outside", KindIP, "224.0.0.1", nil},
		{"domain_case_and_dot", KindDomain, "RNICROSOFT-SECURE.COM.",
			[]string{"domain rnicrosoft-secure.com <- rnicrosoft-secure.com (phishing)"}},
		{"subdomain_hits_parents", KindDomain, "sso.login.rnicrosoft-secure.com", []string{
			"domain login.rnicrosoft-secure.com <- login.rnicrosoft-secure.com (phishing login)",
			"domain rnicrosoft-secure.com <- rnicrosoft-secure.com (phishing)",
		}},
		{"lookalike_is_not_parent", KindDomain, "notrnicrosoft-secure.com", nil},
		{"url_and_its_domain", KindURL, "HTTPS://rnicrosoft-secure.com:443/owa/auth/login.php", []string{
			"url https://rnicrosoft-secure.com/owa/auth/login.php <- " +
				"https://rnicrosoft-secure.com/owa/auth/login.php (owa clone)",
			"domain rnicrosoft-secure.com <- rnicrosoft-secure.com (phishing)",
		}},
		{"other_url_same_domain", KindURL, "https://rnicrosoft-secure.com/other",
			[]string{"domain rnicrosoft-secure.com <- rnicrosoft-secure.com (phishing)"}},
		{"url_with_ip_host", KindURL, "http://198.55.120.143:7386/B/ResN32.dll", []string{
			"url http://198.55.120.143:7386/B/ResN32.dll <- " +
				"http://198.55.120.143:7386/B/ResN32.dll (payload)",
			"ip 198.55.120.143 <- 198.55.120.143 (payload host)",
		}},
		{"url_path_is_case_sensitive", KindURL, "http://198.55.120.143:7386/b/resn32.dll",
			[]string{"ip 198.55.120.143 <- 198.55.120.143 (payload host)"}},
		{"email_and_its_domain", KindEmail, "IT-Support@rnicrosoft-secure.com", []string{
			"email it-support@rnicrosoft-secure.com <- it-support@rnicrosoft-secure.com (sender)",
			"domain rnicrosoft-secure.com <- rnicrosoft-secure.com (phishing)",
		}},
		{"hash_upper_case", KindHash,
			"6B18731A752231EB855991E446DA8639D32EB4953A7F89B79A33E5BE4AEBD59B", []string{
				"hash 6b18731a752231eb855991e446da8639d32eb4953a7f89b79a33e5be4aebd59b <- " +
					"6b18731a752231eb855991e446da8639d32eb4953a7f89b79a33e5be4aebd59b (mimikatz)",
			}},
		{"known_good_domain", KindDomain, "microsoft.com", nil},
		{"invalid_value", KindIP, "not an ip", nil},
		{"unknown_kind", "host", "dc01", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := matched(s.Lookup(tt.kind, tt.value))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Lookup(%q, %q) (-want +got):\n%s", tt.kind, tt.value, diff)
			}
		})
	}
}

func TestLen(t *testing.T) {
	if got := lookupSet(t).Len(); got != 11 {
		t.Errorf("Len() = %d, want 11", got)
	}
	if got := New().Len(); got != 0 {
		t.Errorf("New().Len() = %d, want 0", got)
	}
}

func TestAddMerges(t *testing.T) {
	until := fixedNow.Add(-time.Hour)
	tests := []struct {
		name string
		add  []Indicator
		want []Indicator
	}{
		{
			name: "higher_confidence_wins",
			add: []Indicator{
				{Kind: KindHash, Value: "0749bae92ca336a02c83d126e04ec628", Source: "CIRCL",
					Threat: "Xorist", Confidence: 25, Tags: []string{"to_ids:false"}, Ref: "f#1"},
				{Kind: KindHash, Value: "0749BAE92CA336A02C83D126E04EC628", Source: "CIRCL",
					Threat: "Xorist", Confidence: 50, Tags: []string{"tlp:white"}, Ref: "f#2"},
			},
			want: []Indicator{{Kind: KindHash, Value: "0749bae92ca336a02c83d126e04ec628",
				Source: "CIRCL", Threat: "Xorist", Confidence: 50, Tags: []string{"tlp:white"},
				Ref: "f#2"}},
		},
		{
			name: "equal_confidence_unites_tags",
			add: []Indicator{
				{Kind: KindDomain, Value: "evil.example", Source: "s", Confidence: 60,
					Tags: []string{"b", "a"}},
				{Kind: KindDomain, Value: "evil.example", Source: "s", Confidence: 60,
					Tags: []string{"c", "a", " "}},
			},
			want: []Indicator{{Kind: KindDomain, Value: "evil.example", Source: "s",
				Confidence: 60, Tags: []string{"a", "b", "c"}}},
		},
		{
			name: "other_threat_kept_apart",
			add: []Indicator{
				{Kind: KindIP, Value: "113.10.246.30", Source: "s", Threat: "x", Confidence: 50},
				{Kind: KindIP, Value: "113.10.246.30", Source: "s", Threat: "y", Confidence: 50},
			},
			want: []Indicator{
				{Kind: KindIP, Value: "113.10.246.30", Source: "s", Threat: "x", Confidence: 50},
				{Kind: KindIP, Value: "113.10.246.30", Source: "s", Threat: "y", Confidence: 50},
			},
		},
		{
			name: "unexpired_copy_revives",
			add: []Indicator{
				{Kind: KindIP, Value: "10.9.8.7", Source: "s", Confidence: 50, ValidUntil: until},
				{Kind: KindIP, Value: "10.9.8.7", Source: "s", Confidence: 50},
			},
			want: []Indicator{{Kind: KindIP, Value: "10.9.8.7", Source: "s", Confidence: 50}},
		},
		{
			name: "later_end_kept",
			add: []Indicator{
				{Kind: KindIP, Value: "10.9.8.7", Source: "s", Confidence: 50,
					ValidUntil: fixedNow.Add(48 * time.Hour)},
				{Kind: KindIP, Value: "10.9.8.7", Source: "s", Confidence: 50,
					ValidUntil: fixedNow.Add(24 * time.Hour)},
			},
			want: []Indicator{{Kind: KindIP, Value: "10.9.8.7", Source: "s", Confidence: 50,
				ValidUntil: fixedNow.Add(48 * time.Hour)}},
		},
		{
			name: "confidence_clamped_invalid_dropped",
			add: []Indicator{
				{Kind: KindIP, Value: "10.9.8.7", Source: "s", Confidence: 250},
				{Kind: KindIP, Value: "10.9.8.700", Source: "s", Confidence: 50},
				{Kind: "planet", Value: "mars", Source: "s", Confidence: 50},
			},
			want: []Indicator{{Kind: KindIP, Value: "10.9.8.7", Source: "s", Confidence: 100}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestSet()
			for _, ind := range tt.add {
				s.Add(ind)
			}
			if diff := cmp.Diff(tt.want, all(s)); diff != "" {
				t.Errorf("after Add (-want +got):\n%s", diff)
			}
			if s.Len() != len(tt.want) {
				t.Errorf("Len() = %d, want %d", s.Len(), len(tt.want))
			}
		})
	}
}

func TestLookupFlagsExpired(t *testing.T) {
	s := newTestSet()
	s.Add(Indicator{Kind: KindDomain, Value: "old.example", Source: "s", Confidence: 60,
		ValidUntil: fixedNow.Add(time.Hour)})
	s.Add(Indicator{Kind: KindDomain, Value: "revoked.example", Source: "s", Expired: true})

	if m := s.Lookup(KindDomain, "old.example"); len(m) != 1 || m[0].Expired {
		t.Fatalf("Lookup(old.example) before expiry = %+v, want one unexpired match", m)
	}
	s.now = func() time.Time { return fixedNow.Add(2 * time.Hour) }
	m := s.Lookup(KindDomain, "old.example")
	if len(m) != 1 || !m[0].Expired {
		t.Errorf("Lookup(old.example) after expiry = %+v, want one expired match", m)
	}
	if m := s.Lookup(KindDomain, "revoked.example"); len(m) != 1 || !m[0].Expired {
		t.Errorf("Lookup(revoked.example) = %+v, want one expired match", m)
	}
}

func TestLookupReturnsCopies(t *testing.T) {
	s := newTestSet()
	s.Add(Indicator{Kind: KindDomain, Value: "evil.example", Source: "s", Tags: []string{"a"}})
	s.Lookup(KindDomain, "evil.example")[0].Tags[0] = "changed"
	if got := s.Lookup(KindDomain, "evil.example")[0].Tags; !cmp.Equal(got, []string{"a"}) {
		t.Errorf("Tags after caller edit = %v, want [a]", got)
	}
}

// TestConcurrentAddLookup is for -race: lookups run while a loader adds.
func TestConcurrentAddLookup(t *testing.T) {
	s := lookupSet(t)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				if g == 0 {
					s.Add(Indicator{Kind: KindIP, Value: fmt.Sprintf("10.1.%d.0/24", i), Source: "s"})
					continue
				}
				if got := s.Lookup(KindIP, "185.220.101.47"); len(got) != 1 {
					t.Errorf("Lookup during Add = %d matches, want 1", len(got))
					return
				}
				s.Lookup(KindIP, "10.1.7.9")
			}
		}()
	}
	wg.Wait()
	if got := s.Len(); got != 211 {
		t.Errorf("Len() = %d, want 211", got)
	}
}
