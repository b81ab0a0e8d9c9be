package intel

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		kind, in, want string
	}{
		{KindIP, " 198.51.100.3 ", "198.51.100.3"},
		{KindIP, "::ffff:198.51.100.3", "198.51.100.3"},
		{KindIP, "2001:DB8:0:0::1F", "2001:db8::1f"},
		{KindIP, "fe80::1%eth0", "fe80::1"},
		{KindIP, "[2001:db8::1]", "2001:db8::1"},
		{KindIP, "223.166.7.9/15", "223.166.0.0/15"},
		{KindIP, "198.51.100.3/32", "198.51.100.3"},
		{KindIP, "::ffff:10.0.0.0/104", "10.0.0.0/8"},
		{KindIP, "185[.]220[.]101[.]47", "185.220.101.47"},
		{KindDomain, "RNICROSOFT-Secure.COM.", "rnicrosoft-secure.com"},
		{KindDomain, "*.evil.example", "evil.example"},
		{KindDomain, "evil[.]example", "evil.example"},
		{KindDomain, "_dmarc.example.org", "_dmarc.example.org"},
		{KindDomain, "bücher.example", "bücher.example"},
		{KindURL, "HTTPS://RNICROSOFT-secure.com/owa/auth/login.php",
			"https://rnicrosoft-secure.com/owa/auth/login.php"},
		{KindURL, "https://rnicrosoft-secure.com:443/owa/auth/login.php#frag",
			"https://rnicrosoft-secure.com/owa/auth/login.php"},
		{KindURL, "http://Example.COM.", "http://example.com/"},
		{KindURL, "http://www.whitewall.top:8080/850D3011FA326CBB6F57A965",
			"http://www.whitewall.top:8080/850D3011FA326CBB6F57A965"},
		{KindURL, "www.kcico.com.tw/data/openwebmail/doc/wthk.txt",
			"http://www.kcico.com.tw/data/openwebmail/doc/wthk.txt"},
		{KindURL, "hxxp://198.55.120[.]143:7386/B/ResN32.dll", "http://198.55.120.143:7386/B/ResN32.dll"},
		{KindURL, "http://[2001:DB8::1]:80/x?q=A", "http://[2001:db8::1]/x?q=A"},
		{KindHash, "EF537F25C895BFA782526529A9B63D97AA631564D5D789C2B765448C8635FB6C",
			"ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c"},
		{KindHash, "44d88612fea8a8f36de82e1278abb02f", "44d88612fea8a8f36de82e1278abb02f"},
		{KindEmail, "IT-Support@Rnicrosoft-Secure.com.", "it-support@rnicrosoft-secure.com"},
		{KindEmail, "<mailto:bill_clay6801@yahoo.com>", "bill_clay6801@yahoo.com"},
		{KindEmail, "payroll[@]hr-portal-secure[.]net", "payroll@hr-portal-secure.net"},
	}
	for _, tt := range tests {
		t.Run(tt.kind+"/"+tt.in, func(t *testing.T) {
			got, err := Normalize(tt.kind, tt.in)
			if err != nil || got != tt.want {
				t.Errorf("Normalize(%q, %q) = %q, %v; want %q", tt.kind, tt.in, got, err, tt.want)
			}
		})
	}
}

func TestNormalizeRejects(t *testing.T) {
	tests := []struct {
		kind, in string
		want     error
	}{
		{KindIP, "999.1.1.1", ErrInvalid},
		{KindIP, "010.0.0.1", ErrInvalid},
		{KindIP, "10.0.0.0/33", ErrInvalid},
		{KindDomain, "domain autuo.xicp.net", ErrInvalid}, // real: poisonivy.json
		{KindDomain, "localhost", ErrInvalid},
		{KindDomain, "107.183.86", ErrInvalid}, // real: a truncated IP typed as url in MISP
		{KindDomain, "198.51.100.3", ErrInvalid},
		{KindDomain, "-bad.example", ErrInvalid},
		{KindDomain, "a..example", ErrInvalid},
		{KindURL, "Data/dtl.dat", ErrInvalid}, // real: a path typed as url in MISP
		{KindURL, "mailto:x@example.com", ErrInvalid},
		{KindURL, "http://", ErrInvalid},
		{KindHash, "0749bae92ca336a02c83d126e04ec62", ErrInvalid},
		{KindHash, "zz49bae92ca336a02c83d126e04ec628", ErrInvalid},
		{KindEmail, "@example.com", ErrInvalid},
		{KindEmail, "a b@example.com", ErrInvalid},
		{KindEmail, "nobody", ErrInvalid},
		{"host", "dc01", ErrUnknownKind},
	}
	for _, tt := range tests {
		t.Run(tt.kind+"/"+tt.in, func(t *testing.T) {
			got, err := Normalize(tt.kind, tt.in)
			if !errors.Is(err, tt.want) {
				t.Errorf("Normalize(%q, %q) = %q, %v; want %v", tt.kind, tt.in, got, err, tt.want)
			}
		})
	}
}

func TestInferKind(t *testing.T) {
	tests := map[string]string{
		"185.220.101.47":                   KindIP,
		"203.0.113.0/24":                   KindIP,
		"2001:db8::1":                      KindIP,
		"https://rnicrosoft-secure.com/":   KindURL,
		"hxxps://evil[.]example/x":         KindURL,
		"it-support@rnicrosoft-secure.com": KindEmail,
		"44d88612fea8a8f36de82e1278abb02f": KindHash,
		"rnicrosoft-secure.com":            KindDomain,
	}
	for in, want := range tests {
		if got := InferKind(in); got != want {
			t.Errorf("InferKind(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNormalizeErrorClipsValue(t *testing.T) {
	long := strings.Repeat("é", 100) // two bytes a rune: the cut must not split one
	_, err := Normalize(KindDomain, long)
	want := `domain "` + strings.Repeat("é", 40) + `…": invalid indicator value`
	if err == nil || err.Error() != want {
		t.Errorf("Normalize(long) error = %v, want %s", err, want)
	}
}
