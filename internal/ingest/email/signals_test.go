package email

import (
	"testing"

	"github.com/conductor-sec/conductor/internal/finding"
)

func TestHasHomoglyph(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"[Binаnсе] verification", true}, // Cyrillic а, с, е
		{"Your Amаzon accоunt", true},    // Cyrillic а, о
		{"Ρaypal support", true},         // Greek capital rho
		{"𝖭𝖾𝗍𝖿𝗅𝗂𝗑 account", true},        // mathematical sans-serif
		{"Fa̷lha na entrega", true},      // combining overlay U+0337
		{"Aܿlܿeܿrt", true},               // Syriac mark U+073F
		{"Mi\u200bcrosoft", true},        // zero-width space inside a word
		{"M\U000E0139i\U000E0139crosoft", true},
		{"Réunion café déjà vu", false}, // ordinary accents
		{"Привет, мир", false},          // all Cyrillic
		{"お問い合わせをお受けいたしました", false},
		{"❤️ Deals for you", false}, // emoji with variation selector
		{"Password expiry notice", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := hasHomoglyph(tt.in); got != tt.want {
				t.Errorf("hasHomoglyph(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestHostHomoglyph(t *testing.T) {
	tests := []struct {
		host string
		want bool
	}{
		{"xn--pple-43d.com", true}, // аpple.com with Cyrillic а
		{"apple.com", false},
		{"xn--e1afmkfd.xn--p1ai", false}, // пример.рф, one script
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			if got := hostHomoglyph(tt.host); got != tt.want {
				t.Errorf("hostHomoglyph(%q) = %v, want %v", tt.host, got, tt.want)
			}
		})
	}
}

func TestDisplayNameSpoof(t *testing.T) {
	tests := []struct {
		name, addr string
		want       bool
	}{
		{"support@mail.coinbase.com", "x@medisept.com.au", true},
		{"proton.me Helpdesk", "proton.me@medimovil.com.mx", true},
		{"Microsoft 365 Security", "it-support@rnicrosoft-secure.com", true},
		{"PayPal", "service.paypal@gmail.com", true},
		{"Microsoft Support", "ms.support@outlook.com", true},
		{"M\U000E0139i\U000E0139crosoft", "mf@rednoticias23.com", true},
		{"Microsoft account team", "account-security-noreply@accountprotection.microsoft.com",
			false},
		{"Binance", "do-not-reply@ses.binance.com", false},
		{"Amazon.com", "auto-confirm@amazon.com", false},
		{"Maria Lopez", "maria.lopez@gmail.com", false},
		{"Mr. Smith", "smith@example.org", false},
		{"", "a@b.example", false},
	}
	for _, tt := range tests {
		t.Run(tt.name+" <"+tt.addr+">", func(t *testing.T) {
			got := displayNameSpoof(finding.Address{Name: tt.name, Address: tt.addr})
			if got != tt.want {
				t.Errorf("displayNameSpoof(%q, %q) = %v, want %v", tt.name, tt.addr, got, tt.want)
			}
		})
	}
}

func TestAttachmentSignals(t *testing.T) {
	tests := []struct {
		name, ctype      string
		double, runnable bool
	}{
		{"Password_Policy.pdf.html", "text/html", true, false},
		{"PO45638 - PO76483.Xls.htm", "text/html", true, false},
		{"invoice.pdf.exe", "application/octet-stream", true, true},
		{"invoice.pdf .scr", "application/octet-stream", true, true},
		{"reviewdocument_txtid$3545767\u034f\u034f.RTF", "application/rtf", false, false},
		{"ATTACHMENT.EXE", "application/octet-stream", false, true},
		{"caldav-toptvagu.mobileconfig", "application/octet-stream", false, true},
		{"report.docm", "application/vnd.ms-word.document.macroEnabled.12", false, true},
		{"setup", "application/x-msdownload", false, true},
		{"Statement.pdf", "application/pdf", false, false},
		{"archive.tar.gz", "application/gzip", false, false},
		{"", "application/octet-stream", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := finding.Attachment{Name: tt.name, ContentType: tt.ctype}
			if got := hasDoubleExtension(at); got != tt.double {
				t.Errorf("hasDoubleExtension(%q) = %v, want %v", tt.name, got, tt.double)
			}
			if got := isExecutable(at); got != tt.runnable {
				t.Errorf("isExecutable(%q) = %v, want %v", tt.name, got, tt.runnable)
			}
		})
	}
}

func TestURLSignals(t *testing.T) {
	tests := []struct {
		url           string
		ipHost, short bool
	}{
		{"http://185.220.101.47/login", true, false},
		{"http://[2001:db8::1]/x", true, false},
		{"http://3232235777/", true, false},
		{"https://bit.ly/3xYz", false, true},
		{"https://tinyurl.com/abc", false, true},
		{"https://example.com/", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			if got := isIPHost(tt.url); got != tt.ipHost {
				t.Errorf("isIPHost(%q) = %v, want %v", tt.url, got, tt.ipHost)
			}
			if got := isShortener(tt.url); got != tt.short {
				t.Errorf("isShortener(%q) = %v, want %v", tt.url, got, tt.short)
			}
		})
	}
}

func TestMismatchSignals(t *testing.T) {
	tests := []struct {
		name    string
		headers string
		want    []string
	}{
		{"reply-to in another domain",
			"From: a@bank.example\r\nReply-To: x@gmail.com\r\n", []string{"reply_to_mismatch"}},
		{"reply-to in a sibling subdomain is fine",
			"From: a@news.bank.example\r\nReply-To: help@bank.example\r\n", nil},
		{"return-path in another domain",
			"From: a@bank.example\r\nReturn-Path: <b@mailer.example>\r\n",
			[]string{"return_path_mismatch"}},
		{"mailing list rewrites are fine",
			"From: a@gmail.com\r\nReply-To: list@lists.openwall.com\r\n" +
				"Return-Path: <list-return-1@lists.openwall.com>\r\n" +
				"List-Id: <john-users.lists.openwall.com>\r\n", nil},
		{"empty return-path is fine",
			"From: a@bank.example\r\nReturn-Path: <>\r\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := tt.headers + "Date: Mon, 13 Jan 2025 14:03:10 +0000\r\n\r\nbody"
			e := mustParse(t, []byte(raw)).Email
			if len(e.Signals) != len(tt.want) || (len(tt.want) > 0 && e.Signals[0] != tt.want[0]) {
				t.Errorf("Signals = %v, want %v", e.Signals, tt.want)
			}
		})
	}
}

func TestSeverity(t *testing.T) {
	tests := []struct {
		signals []string
		want    finding.Severity
		score   int
	}{
		{nil, finding.SeverityLow, 25},
		{[]string{"html_only", "url_shortener"}, finding.SeverityLow, 25},
		{[]string{"spf_fail"}, finding.SeverityMedium, 50},
		{[]string{"reply_to_mismatch", "html_only"}, finding.SeverityMedium, 50},
		{[]string{"dmarc_fail", "homoglyph", "spf_fail"}, finding.SeverityHigh, 75},
		{[]string{"double_extension"}, finding.SeverityHigh, 75},
		{[]string{"executable_attachment"}, finding.SeverityHigh, 75},
	}
	for _, tt := range tests {
		sev, score := severity(tt.signals)
		if sev != tt.want || score != tt.score {
			t.Errorf("severity(%v) = %s/%d, want %s/%d", tt.signals, sev, score, tt.want, tt.score)
		}
	}
}
