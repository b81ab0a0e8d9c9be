package email

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/conductor-sec/conductor/internal/finding"
	"github.com/google/go-cmp/cmp"
)

// corpusDir is the shared real-data corpus. phishing_pot is CC BY-NC 4.0 and is
// only read from there, never copied into the repository.
const corpusDir = "../../../../shared/corpus"

func corpusFile(t testing.TB, rel string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(corpusDir, rel))
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("%s absent; the shared corpus is not checked out", rel)
	}
	if err != nil {
		t.Fatalf("reading %s: %v", rel, err)
	}
	return raw
}

// corpusCase holds values read from the sample by hand: headers with grep,
// attachment hashes decoded independently with Python's email package and
// hashlib, links from the decoded HTML.
type corpusCase struct {
	file     string
	subject  string
	from     finding.Address
	replyTo  []string
	origin   string
	auth     finding.Auth
	urls     []string // must all be present
	nURLs    int
	attach   []finding.Attachment
	signals  []string
	defects  []string
	bodyHas  string
	severity finding.Severity
}

var corpusCases = []corpusCase{
	{
		file:    "sample-10.eml",
		subject: "Microsoft account unusual signin activity",
		from: finding.Address{
			Name: "Microsoft account team", Address: "no-reply@access-accsecurity.com",
		},
		replyTo: []string{"sotrecognizd@gmail.com"},
		origin:  "89.144.44.2",
		auth: finding.Auth{SPF: "none", DKIM: "none", DMARC: "permerror",
			HeaderFrom: "access-accsecurity.com", MailFrom: "thcultarfdes.co.uk"},
		urls: []string{
			"http://thebandalisty.com/track/o43062rdzGz18708448Gdrw1821750fYo33632dSjh176",
		},
		nURLs: 1,
		signals: []string{"display_name_spoof", "html_only", "lure_language",
			"reply_to_mismatch", "return_path_mismatch"},
		defects:  []string{"unparseable From header"},
		bodyHas:  "We detected something unusual about a recent sign-in",
		severity: finding.SeverityHigh,
	},
	{
		file:    "sample-12.eml",
		subject: "[Bin\u0430n\u0441\u0435] lmmediate verification required for rodrigo-f-p@hotmail.com",
		from:    finding.Address{Name: "Binance", Address: "do-not-reply@ses.binance.com"},
		replyTo: []string{"do-not-reply@ses.binance.com"},
		origin:  "84.34.166.151",
		auth: finding.Auth{SPF: "none", DKIM: "none", DMARC: "fail",
			HeaderFrom: "ses.binance.com", MailFrom: "ilonasavola.com"},
		urls: []string{"https://zzdzw.com/",
			"https://public.bnbstatic.com/image/email_template/emailBanner.png"},
		nURLs:    2,
		signals:  []string{"dmarc_fail", "homoglyph", "return_path_mismatch"},
		bodyHas:  "Your withdrawals are disabled until you update your informations.",
		severity: finding.SeverityHigh,
	},
	{
		file: "sample-53.eml",
		subject: "❌ /// Withdrawal error. /AMOUNT: **** USD/ You need to add a withdrawal " +
			"address in your profile. /// 1141125616673 ////",
		from:   finding.Address{Name: "Cato", Address: "seeronero663@gmail.com"},
		origin: "209.85.167.66",
		auth: finding.Auth{SPF: "pass", DKIM: "pass", DMARC: "pass",
			HeaderFrom: "gmail.com", MailFrom: "gmail.com"},
		urls:  []string{"https://drive.google.com/file/d/1EMONkPN8uuKTHvpM6wC-21N8mx5tAuTp/preview"},
		nURLs: 1,
		attach: []finding.Attachment{{Name: "sSZt7uix.pdf", ContentType: "application/pdf",
			Size:   16835,
			SHA256: "0405d49886f7605c2747b17ba189bcbc35614c4185f15a4cb42a1ad722958c5b"}},
		severity: finding.SeverityLow,
	},
	{
		file: "sample-929.eml", // UTF-7 HTML body
		subject: "Thank you for your patience: The Arkham AirDrop is now available for " +
			"our early users",
		from: finding.Address{Name: "Arkham-Intelligence",
			Address: "inforllbqcgcsicyytpkrkztbkznnkortvsimrhipatddlj@orders.thestorewoerden.nl"},
		origin: "54.240.9.99",
		auth: finding.Auth{SPF: "pass", DKIM: "pass", DMARC: "bestguesspass",
			HeaderFrom: "orders.thestorewoerden.nl", MailFrom: "aesa.orders.thestorewoerden.nl"},
		urls: []string{
			"https://sy-arkhamin-claims.s3.amazonaws.com/index.html?email=ppnoqzj",
			"https://i.ibb.co/smJNXqZ/black-bg.webp",
			"https://integricare.ca/product/tri-acta-pet/",
		},
		nURLs:    20,
		signals:  []string{"html_only"},
		bodyHas:  "We are delighted to bring you an exciting opportunity",
		severity: finding.SeverityLow,
	},
	{
		file:    "sample-1261.eml",
		subject: "New Business Inquiry:RE: RE:Signed Contract -NEW ORDER (PO#WB-UK-0022)",
		from:    finding.Address{Name: "Susan Wang", Address: "info@hosngpackingss.com"},
		origin:  "146.70.149.246",
		auth: finding.Auth{SPF: "fail", DKIM: "none", DMARC: "none",
			HeaderFrom: "hosngpackingss.com", MailFrom: "hosngpackingss.com"},
		urls: []string{
			// the form action and hidden redirect inside the HTML attachment
			"https://glottogonic-depende.000webhostapp.com/Excel.php",
			"https://www.microsoft.com/en-us/microsoft-365/excel",
			"http://www.phoneboothoffice.com/",
		},
		nURLs: 4,
		attach: []finding.Attachment{{Name: "PO45638 - PO76483.Xls.htm",
			ContentType: "text/html", Size: 128846,
			SHA256: "932e18daa8184ed41735e136cf0d7c148295064153e653ada7d79e8e80216d72"}},
		signals:  []string{"double_extension", "html_only", "spf_fail"},
		severity: finding.SeverityHigh,
	},
	{
		file: "sample-1968.eml", // koi8-r encoded subject with Cyrillic look-alikes
		subject: "Fwd: Reminder: Your Am\u0430zon acc\u043eunt is temp\u043erarily on " +
			"h\u043eld [Case-ID: 4071540512]",
		from:   finding.Address{Address: "phishing@pot"},
		origin: "40.92.18.68",
		auth: finding.Auth{SPF: "pass", DKIM: "pass", DMARC: "pass",
			HeaderFrom: "hotmail.com", MailFrom: "hotmail.com"},
		urls:  []string{"https://aka.ms/AAb9ysg"},
		nURLs: 1,
		attach: []finding.Attachment{{Name: "Statement.pdf", ContentType: "application/pdf",
			Size:   31519,
			SHA256: "e90e263bce015c0ad6640d2581582aee4f940accc18d688a25d9a319e39c4110"}},
		signals:  []string{"homoglyph"},
		bodyHas:  "From: Account Support <notifications_message-9bgostei5c3me4et1n5@dekadepos.com>",
		severity: finding.SeverityMedium,
	},
	{
		file:    "sample-4411.eml",
		subject: ">> Your account is hacked. Your data is stolen. Learn how to regain access.",
		from:    finding.Address{Address: "phishing@pot"},
		origin:  "203.145.49.146",
		auth: finding.Auth{SPF: "fail", DKIM: "none", DMARC: "fail",
			HeaderFrom: "hotmail.com", MailFrom: "hotmail.com"},
		signals:  []string{"dmarc_fail", "spf_fail"},
		bodyHas:  "I am a hacker, and I have successfully gained access to your operating system.",
		severity: finding.SeverityMedium,
	},
	{
		file: "sample-5453.eml", // LF-only line endings, encoded words glued to text
		subject: "Get Life Insurance During Life Insurance Awareness Month for $1/Day, " +
			"phishing@pot",
		from: finding.Address{Name: "Select Quote",
			Address: "nszkf@fivetownsemergencycarecenter.de"},
		origin: "20.191.193.199",
		auth: finding.Auth{SPF: "pass", DKIM: "none", DMARC: "permerror",
			HeaderFrom: "fivetownsemergencycarecenter.de",
			MailFrom:   "fivetownsemergencycarecenter.de"},
		urls: []string{
			"https://pbs.twimg.com/media/Gqfyyj2WMAATAFi?format=jpg&name=large",
			"http://freedomoutpostfamilypreparedness.de/cmtrw.php?32=3461311e838f6f677_faf0." +
				"a3ab9eb.6dad3b3b37069b7a7e_5f212b.UX0vY7pd5Bck07Y0r7vp7pe0rxxr0MYdY057xYMr",
		},
		nURLs:    5,
		signals:  []string{"html_only"},
		severity: finding.SeverityLow,
	},
	{
		file:    "sample-7153.eml", // padded display name, broken base64 subject
		subject: "Your Account Billing Notice",
		from: finding.Address{
			Name: "M\U000E0139\U000E0139i\U000E0139\U000E0139c\U000E0139\U000E0139" +
				"\U000E0139\U000E0139r\U000E0139\U000E0139o\U000E0139\U000E0139s" +
				"\U000E0139\U000E0139o\U000E0139\U000E0139f\U000E0139\U000E0139t",
			Address: "mf@rednoticias23.com",
		},
		origin: "2600:1f14:2d2f:2f00:994e:7698:c1c1:aa62",
		auth: finding.Auth{SPF: "pass", DKIM: "pass", DMARC: "pass",
			HeaderFrom: "rednoticias23.com", MailFrom: "rednoticias23.com"},
		nURLs: 1,
		attach: []finding.Attachment{
			{Name: "Inbox Rules", ContentType: "application/octet-stream", SHA256: emptySHA},
			{Name: "Cloud#9143306999", ContentType: "application/octet-stream", SHA256: emptySHA},
			{Name: "Storage#9143306999", ContentType: "application/octet-stream",
				SHA256: emptySHA},
		},
		signals: []string{"display_name_spoof", "homoglyph"},
		defects: []string{"malformed encoded word in Subject repaired",
			"unparseable To header"},
		severity: finding.SeverityMedium,
	},
}

const emptySHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

func TestParsePhishingPot(t *testing.T) {
	for _, tc := range corpusCases {
		t.Run(tc.file, func(t *testing.T) {
			f := mustParse(t, corpusFile(t, filepath.Join("phishing_pot", tc.file)))
			checkCorpusCase(t, tc, f)
		})
	}
}

func checkCorpusCase(t *testing.T, tc corpusCase, f *finding.Finding) {
	t.Helper()
	e := f.Email
	if e.Subject != tc.subject {
		t.Errorf("Subject = %q, want %q", e.Subject, tc.subject)
	}
	if diff := cmp.Diff(tc.from, e.From); diff != "" {
		t.Errorf("From mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(tc.replyTo, e.ReplyTo); diff != "" {
		t.Errorf("ReplyTo mismatch (-want +got):\n%s", diff)
	}
	if e.OriginIP != tc.origin {
		t.Errorf("OriginIP = %q, want %q", e.OriginIP, tc.origin)
	}
	if diff := cmp.Diff(tc.auth, e.Auth); diff != "" {
		t.Errorf("Auth mismatch (-want +got):\n%s", diff)
	}
	checkURLs(t, tc, e.URLs)
	if diff := cmp.Diff(tc.attach, e.Attachments); diff != "" {
		t.Errorf("Attachments mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(tc.signals, e.Signals); diff != "" {
		t.Errorf("Signals mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(tc.defects, e.Defects); diff != "" {
		t.Errorf("Defects mismatch (-want +got):\n%s", diff)
	}
	if !strings.Contains(e.BodyText, tc.bodyHas) {
		t.Errorf("BodyText lacks %q; got %q", tc.bodyHas, cutBytes(e.BodyText, 300))
	}
	if f.Severity != tc.severity {
		t.Errorf("Severity = %s, want %s", f.Severity, tc.severity)
	}
}

func checkURLs(t *testing.T, tc corpusCase, got []string) {
	t.Helper()
	if len(got) != tc.nURLs {
		t.Errorf("len(URLs) = %d, want %d", len(got), tc.nURLs)
	}
	for _, u := range tc.urls {
		if !slices.Contains(got, u) {
			t.Errorf("URLs lack %q", u)
		}
	}
}

func TestParsePhishingPotDegenerate(t *testing.T) {
	t.Run("sample-2227 empty file", func(t *testing.T) {
		_, err := Parse(corpusFile(t, "phishing_pot/sample-2227.eml"), Options{})
		if !errors.Is(err, ErrNotEmail) {
			t.Errorf("Parse() error = %v, want ErrNotEmail", err)
		}
	})
	t.Run("sample-2024 headers only", func(t *testing.T) {
		f := mustParse(t, corpusFile(t, "phishing_pot/sample-2024.eml"))
		want := []string{"no From header", "no Date header"}
		if diff := cmp.Diff(want, f.Email.Defects); diff != "" {
			t.Errorf("Defects mismatch (-want +got):\n%s", diff)
		}
		if f.Title != "Reported e-mail: (no subject)" || !f.Time.IsZero() {
			t.Errorf("Title, Time = %q, %v", f.Title, f.Time)
		}
	})
}

// TestParseWholeCorpus runs every message of the three e-mail corpora through
// Parse: nothing may panic, and every finding must be well formed.
func TestParseWholeCorpus(t *testing.T) {
	var files []string
	for _, pattern := range []string{"phishing_pot/*.eml", "enmime-testdata/*/*.eml",
		"mikel-mail-fixtures/*/*.eml"} {
		m, err := filepath.Glob(filepath.Join(corpusDir, pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Skip("shared corpus absent")
	}

	for _, path := range files {
		rel, _ := filepath.Rel(corpusDir, path)
		t.Run(rel, func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Parse(raw, Options{})
			if err != nil {
				if !errors.Is(err, ErrNotEmail) {
					t.Fatalf("Parse() error = %v, want a finding or ErrNotEmail", err)
				}
				return
			}
			checkSane(t, f, raw)
		})
	}
}

// checkSane holds for every finding, whatever the input.
func checkSane(t testing.TB, f *finding.Finding, raw []byte) {
	t.Helper()
	e := f.Email
	if f.Source != "email" || e == nil || string(f.Raw) != string(raw) {
		t.Fatalf("Source %q, Email %v, Raw kept %v", f.Source, e != nil,
			string(f.Raw) == string(raw))
	}
	if !strings.HasPrefix(f.Title, "Reported e-mail: ") || utf8.RuneCountInString(f.Title) > 200 {
		t.Errorf("Title = %q", f.Title)
	}
	if len(e.BodyText) > maxBodyBytes+len(bodyCutMarker) || len(e.URLs) > maxURLs {
		t.Errorf("caps broken: body %d bytes, %d URLs", len(e.BodyText), len(e.URLs))
	}
	for _, s := range []string{f.Title, f.Description, e.Subject, e.From.Name, e.BodyText} {
		if !utf8.ValidString(s) {
			t.Errorf("invalid UTF-8 in %q", s)
		}
	}
	if !slices.Contains(f.Techniques, "T1566") || f.SeverityScore < 25 {
		t.Errorf("Techniques %v, score %d", f.Techniques, f.SeverityScore)
	}
	for _, at := range e.Attachments {
		if len(at.SHA256) != 64 {
			t.Errorf("attachment %q hash %q", at.Name, at.SHA256)
		}
	}
}
