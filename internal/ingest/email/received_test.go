package email

import (
	"strings"
	"testing"

	"github.com/conductor-sec/conductor/internal/finding"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParseHop(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want finding.Hop
	}{
		{"postfix",
			"from mail.example.org (mail.example.org [198.51.100.7]) by mx.acme.example " +
				"(Postfix) with ESMTPS id 4Xk; Tue, 14 Jan 2025 09:12:43 +0000",
			finding.Hop{From: "mail.example.org", By: "mx.acme.example", IP: "198.51.100.7"}},
		{"exchange online",
			"from thcultarfdes.co.uk (89.144.44.2) by DB8EUR06FT032.mail.protection.outlook.com " +
				"(10.233.253.34) with Microsoft SMTP Server id 15.20.6768.30",
			finding.Hop{From: "thcultarfdes.co.uk",
				By: "DB8EUR06FT032.mail.protection.outlook.com", IP: "89.144.44.2"}},
		{"ipv6 literal with zone",
			"from SN4PR0601MB8665.namprd06.prod.outlook.com ([fe80::408b:863a:2432:f2cb]) by " +
				"SN4PR0601MB8665.namprd06.prod.outlook.com ([fe80::408b:863a:2432:f2cb%7]) " +
				"with mapi",
			finding.Hop{From: "SN4PR0601MB8665.namprd06.prod.outlook.com",
				By: "SN4PR0601MB8665.namprd06.prod.outlook.com",
				IP: "fe80::408b:863a:2432:f2cb"}},
		{"IPv6: tag", "from [IPv6:2001:db8::25] (helo) by mx.example.org",
			finding.Hop{From: "[IPv6:2001:db8::25]", By: "mx.example.org", IP: "2001:db8::25"}},
		{"no from clause", "by 2002:a05:6520:340d:b0:220:20fe:e1f9 with HTTP; Sat, 17 Sep 2022",
			finding.Hop{By: "2002:a05:6520:340d:b0:220:20fe:e1f9"}},
		{"by inside a comment is not the by clause",
			"from relay.example.org (sent by relay [192.0.2.9]) by mx.example.org with SMTP",
			finding.Hop{From: "relay.example.org", By: "mx.example.org", IP: "192.0.2.9"}},
		{"garbage", "))((( [[[ by", finding.Hop{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseHop(tt.raw)
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(finding.Hop{}, "Raw")); diff != "" {
				t.Errorf("parseHop(%q) mismatch (-want +got):\n%s", tt.raw, diff)
			}
			if got.Raw != tt.raw {
				t.Errorf("Raw = %q, want the header value", got.Raw)
			}
		})
	}
}

func TestOriginIP(t *testing.T) {
	tests := []struct {
		name    string
		headers string
		want    string
	}{
		{"bottom-most external hop wins",
			"Received: from a.example (a.example [203.0.113.1]) by b.example\r\n" +
				"Received: from c.example (c.example [198.51.100.2]) by a.example\r\n" +
				"Received: from pc (pc [192.168.1.10]) by c.example\r\n",
			"198.51.100.2"},
		{"private, loopback, link-local, ULA, CGNAT skipped",
			"Received: from a.example (a.example [185.220.101.47]) by mx.example\r\n" +
				"Received: from b (b [100.64.1.1]) by a.example\r\n" +
				"Received: from c (c [fd00::1]) by b\r\n" +
				"Received: from d (d [169.254.0.5]) by c\r\n" +
				"Received: from e (e [127.0.0.1]) by d\r\n",
			"185.220.101.47"},
		{"exchange online internal IPv6 hops skipped",
			"Received: from NAM11-CO1-obe.outbound.protection.outlook.com (40.92.18.68) by " +
				"CO1NAM11FT020.mail.protection.outlook.com (10.13.174.149) with SMTP\r\n" +
				"Received: from SN4PR0601MB8665.namprd06.prod.outlook.com (2603:10b6:806:219::15) " +
				"by CO6PR06MB7124.namprd06.prod.outlook.com (2603:10b6:5:34d::21) with SMTP\r\n",
			"40.92.18.68"},
		{"X-Originating-IP when the chain has none",
			"Received: from pc (pc [10.0.0.5]) by mx.example\r\n" +
				"X-Originating-IP: [198.51.100.77]\r\n",
			"198.51.100.77"},
		{"X-Sender-IP next",
			"X-Sender-IP: 10.1.1.1\r\nX-Sender-IP: 203.0.113.80\r\n", "203.0.113.80"},
		{"sender IP is, inside Authentication-Results",
			"Authentication-Results: spf=fail (sender IP is 203.0.113.99)\r\n" +
				" smtp.mailfrom=x.example; dkim=none\r\n",
			"203.0.113.99"},
		{"nothing external", "Received: from pc (pc [10.0.0.5]) by mx.example\r\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := "From: a@b.example\r\n" + tt.headers + "\r\nbody"
			if got := mustParse(t, []byte(raw)).Email.OriginIP; got != tt.want {
				t.Errorf("OriginIP = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReceivedCap(t *testing.T) {
	hop := "Received: from a.example (a.example [203.0.113.1]) by b.example\r\n"
	raw := "From: a@b.example\r\n" + strings.Repeat(hop, maxHops+5) + "\r\nx"
	e := mustParse(t, []byte(raw)).Email

	if len(e.Received) != maxHops {
		t.Errorf("len(Received) = %d, want %d", len(e.Received), maxHops)
	}
	if !strings.Contains(strings.Join(e.Defects, "|"), "more than 100 Received headers") {
		t.Errorf("Defects = %q, want the cap noted", e.Defects)
	}
}

func TestReadAuth(t *testing.T) {
	tests := []struct {
		name    string
		headers string
		want    finding.Auth
	}{
		{"folded microsoft results",
			"Authentication-Results: spf=none (sender IP is 89.144.44.2)\r\n" +
				" smtp.mailfrom=thcultarfdes.co.uk; dkim=none (message not signed)\r\n" +
				" header.d=none;dmarc=permerror action=none header.from=access-accsecurity.com;\r\n",
			finding.Auth{SPF: "none", DKIM: "none", DMARC: "permerror",
				HeaderFrom: "access-accsecurity.com", MailFrom: "thcultarfdes.co.uk"}},
		{"top header wins over a forged lower one",
			"Authentication-Results: mx.acme.example; spf=fail smtp.mailfrom=a@evil.example;" +
				" dkim=fail; dmarc=fail header.from=bank.example\r\n" +
				"Authentication-Results: mx.acme.example; spf=pass; dkim=pass; dmarc=pass\r\n",
			finding.Auth{SPF: "fail", DKIM: "fail", DMARC: "fail",
				HeaderFrom: "bank.example", MailFrom: "evil.example"}},
		{"ARC and Received-SPF fill the gaps",
			"Authentication-Results: mx.example; dkim=pass header.d=x.example\r\n" +
				"ARC-Authentication-Results: i=1; mx.microsoft.com 1; dmarc=pass (p=none)" +
				" header.from=x.example\r\n" +
				"Received-SPF: SoftFail (protection.outlook.com: domain of x.example)\r\n",
			finding.Auth{SPF: "softfail", DKIM: "pass", DMARC: "pass", HeaderFrom: "x.example"}},
		{"comments with equals signs are ignored",
			"Authentication-Results: mx.example; spf=pass (note: dkim=fail here)" +
				" smtp.mailfrom=\"bounce@Mail.Example\"\r\n",
			finding.Auth{SPF: "pass", MailFrom: "mail.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := "From: a@b.example\r\n" + tt.headers + "\r\nbody"
			if diff := cmp.Diff(tt.want, mustParse(t, []byte(raw)).Email.Auth); diff != "" {
				t.Errorf("Auth mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
