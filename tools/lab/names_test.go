package lab

import (
	"strings"
	"testing"
)

func TestParseNetwork(t *testing.T) {
	tests := []struct {
		in, want, wantErr string
	}{
		{in: "203.0.113.7", want: "203.0.113.7"},
		{in: " 203.0.113.7 ", want: "203.0.113.7"},
		{in: "203.0.113.7/32", want: "203.0.113.7"},
		{in: "203.0.113.0/24", want: "203.0.113.0/24"},
		{in: "::ffff:203.0.113.7", want: "203.0.113.7"},
		{in: "2001:db8::1", want: "2001:db8::1"},
		{in: "2001:db8::/32", want: "2001:db8::/32"},
		{in: "0.0.0.0/0", want: "0.0.0.0/0"},
		{in: "10.0.0.5/8", wantErr: "has host bits set; did you mean 10.0.0.0/8 or 10.0.0.5?"},
		{in: "*", wantErr: "is not an IP address or CIDR network"},
		{in: "", wantErr: "is not an IP address or CIDR network"},
		{in: "any", wantErr: "is not an IP address or CIDR network"},
		{in: "1.2.3.4/33", wantErr: "is not an IP address or CIDR network"},
		{in: "1.2.3", wantErr: "is not an IP address or CIDR network"},
		{in: "fe80::1%eth0", wantErr: "is not an IP address or CIDR network"},
		{in: "10.0.0.1-10.0.0.9", wantErr: "is not an IP address or CIDR network"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := parseNetwork(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("parseNetwork(%q) = %v, %v; want error %q", tt.in, p, err, tt.wantErr)
				}
				return
			}
			if err != nil || networkString(p) != tt.want {
				t.Errorf("parseNetwork(%q) = %v, %v; want %s", tt.in, p, err, tt.want)
			}
		})
	}
}

func TestNormalizeDomain(t *testing.T) {
	tests := []struct {
		in, want, wantErr string
	}{
		{in: "Example.COM", want: "example.com"},
		{in: "example.com.", want: "example.com"},
		{in: "xn--bcher-kva.example", want: "xn--bcher-kva.example"},
		{in: "a-b.c-d.example", want: "a-b.c-d.example"},
		{in: "localhost", wantErr: "it needs a dot"},
		{in: "*.example.com", wantErr: `label "*" is invalid`},
		{in: "-bad.example", wantErr: `label "-bad" is invalid`},
		{in: "a..example", wantErr: `label "" is invalid`},
		{in: "under_score.example", wantErr: "is invalid"},
		{in: "1.2.3.4", wantErr: "is an address, not a domain name"},
		{in: "", wantErr: "is not a domain name"},
		{in: strings.Repeat("a", 64) + ".example", wantErr: "is invalid"},
		{in: strings.Repeat("abcdefghi.", 26) + "example", wantErr: "is not a domain name"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := normalizeDomain(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("normalizeDomain(%q) = %q, %v; want error %q", tt.in, got, err,
						tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("normalizeDomain(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestCheckEmail(t *testing.T) {
	tests := map[string]bool{
		"maria.lopez@acme-corp.example":     true,
		"it-support@rnicrosoft-secure.com":  true,
		"a+tag@x.example":                   true,
		"no-at-sign.example":                false,
		"@x.example":                        false,
		"a@b":                               false,
		"a b@x.example":                     false,
		`dom\user@x.example`:                false,
		"<a@x.example>":                     false,
		strings.Repeat("a", 65) + "@x.test": false,
	}
	for in, want := range tests {
		if err := checkEmail(in); (err == nil) != want {
			t.Errorf("checkEmail(%q) = %v, want valid %v", in, err, want)
		}
	}
}

// FuzzParseNetwork checks that whatever parseNetwork accepts renders to a
// canonical form that parses back to itself.
func FuzzParseNetwork(f *testing.F) {
	for _, s := range []string{"203.0.113.7", "10.0.0.0/8", "::ffff:1.2.3.4", "2001:db8::/32",
		"10.0.0.5/8", "*", "fe80::1%eth0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parseNetwork(s)
		if err != nil {
			return
		}
		back, err := parseNetwork(networkString(p))
		if err != nil || back != p {
			t.Fatalf("parseNetwork(%q) = %v, but its form %q reparses to %v, %v",
				s, p, networkString(p), back, err)
		}
	})
}

// FuzzNormalizeDomain checks that normalizing is idempotent.
func FuzzNormalizeDomain(f *testing.F) {
	for _, s := range []string{"Example.COM.", "*.x.example", "1.2.3.4", "a..b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := normalizeDomain(s)
		if err != nil {
			return
		}
		again, err := normalizeDomain(d)
		if err != nil || again != d {
			t.Fatalf("normalizeDomain(%q) = %q, but normalizing that gives %q, %v",
				s, d, again, err)
		}
	})
}
