package email

import (
	"errors"
	"strings"
	"testing"

	"github.com/conductor-sec/conductor/internal/finding"
	"github.com/google/go-cmp/cmp"
)

// TestParseFixtures runs the MIT-licensed fixtures copied into testdata (see
// testdata/NOTICE). Hashes were computed with Python's email package; the rest
// was read from the files.
func TestParseFixtures(t *testing.T) {
	tests := []struct {
		file    string
		subject string
		from    string
		to      []string
		attach  []finding.Attachment
		signals []string
		defects []string
		check   func(t *testing.T, f *finding.Finding)
	}{
		{
			file: "enmime/attachment-octet.eml", subject: "In One Ear", from: "me@here.com",
			to: []string{"you@there.com"},
			attach: []finding.Attachment{{Name: "ATTACHMENT.EXE",
				ContentType: "application/octet-stream", Size: 61,
				SHA256: "f976f2100b50aa1330d763b88610d96ee661c578eab31062662650ed2ae932f1"}},
			signals: []string{"executable_attachment"},
			defects: []string{"no Date header"},
			check: func(t *testing.T, f *finding.Finding) {
				if f.Severity != finding.SeverityHigh {
					t.Errorf("Severity = %s, want high for an .EXE", f.Severity)
				}
			},
		},
		{
			// a text attachment is hashed as transfer-decoded bytes, not after
			// charset conversion
			file: "enmime/attachment-only-text-attachment.eml", subject: "Test",
			from: "alice@test.com", to: []string{"bob@test.com"},
			attach: []finding.Attachment{{Name: "test.csv", ContentType: "text/plain",
				Size:   10,
				SHA256: "e28dc7af067e1b02ca51206981eddc9c296df985334acb77dced66d1782e6f6f"}},
		},
		{
			file:    "enmime/mime-bad-8bit-filename.eml",
			subject: "Malformed test", from: "pavel.bazika@some.domain",
			to: []string{"test@dome.domain"},
			attach: []finding.Attachment{{Name: "管理.doc", ContentType: "application/msword",
				Size:   7,
				SHA256: "b53a55383d2f1f040ab010606d7911907f1a17f979f1d475fb4ac226243135e5"}},
		},
		{
			file:    "enmime/multipart-wo-boundary.eml",
			subject: "Delivery Status Notification (Failure)", from: "mailer-daemon@example.com",
			to: []string{"user@example.com"},
			defects: []string{"multipart without boundary parameter, read as one part",
				"no Date header"},
		},
		{
			file: "enmime/bad-header-start.eml", subject: "plain text",
			from: "james@makita.skynet", to: []string{"greg@inbucket"},
			defects: []string{"whitespace before the first header",
				"Missing Content-Type: MIME parts should have a Content-Type header",
				"Missing Content-Type: content-type is empty for part id: 2"},
		},
		{
			file:    "mikel/bad_date_header.eml",
			subject: "You may_be Eligible for Legitimate_Cash from_GovAgencies!",
			from:    "infoz@reactive-outpost.com", to: []string{"someone@yahoo.com"},
			defects: []string{"unparseable Date header"},
			check: func(t *testing.T, f *finding.Finding) {
				if !f.Time.IsZero() || f.TimeRaw != "<HR>" {
					t.Errorf("Time, TimeRaw = %v, %q; want zero, \"<HR>\"", f.Time, f.TimeRaw)
				}
				want := finding.Auth{SPF: "pass", DKIM: "neutral"}
				if f.Email.Auth != want || f.Email.OriginIP != "74.206.28.55" {
					t.Errorf("Auth, OriginIP = %+v, %q", f.Email.Auth, f.Email.OriginIP)
				}
			},
		},
		{
			file:    "mikel/new_line_in_to_header.eml",
			subject: "[Online Lead] Online Lead #1111111", from: "l@gcn-example.com",
			to: []string{"leads@sg.dc.com", "sag@leads.gs.ry.com", "sn@example-hotmail.com",
				"e-s-a-g-8718@app.ar.com", "jp@t-exmaple.com", "cc@c-l-example.com"},
		},
		{
			file: "mikel/japanese_iso_2022.eml", subject: "まみむめも",
			from: "raasdnil@gmail.com", to: []string{"raasdnil@gmail.com"},
			defects: []string{"no Date header"},
			check: func(t *testing.T, f *finding.Finding) {
				if f.Email.BodyText != "すみません。" {
					t.Errorf("BodyText = %q, want すみません。", f.Email.BodyText)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f := mustParse(t, readTestdata(t, tt.file))
			e := f.Email
			if e.Subject != tt.subject || e.From.Address != tt.from {
				t.Errorf("Subject, From = %q, %q; want %q, %q", e.Subject, e.From.Address,
					tt.subject, tt.from)
			}
			if diff := cmp.Diff(tt.to, e.To); diff != "" {
				t.Errorf("To mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.attach, e.Attachments); diff != "" {
				t.Errorf("Attachments mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.signals, e.Signals); diff != "" {
				t.Errorf("Signals mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.defects, e.Defects); diff != "" {
				t.Errorf("Defects mismatch (-want +got):\n%s", diff)
			}
			if tt.check != nil {
				tt.check(t, f)
			}
		})
	}
}

func TestParseErroneousFixture(t *testing.T) {
	_, err := Parse(readTestdata(t, "enmime/erroneous.eml"), Options{})
	if !errors.Is(err, ErrNotEmail) {
		t.Fatalf("Parse(erroneous.eml) error = %v, want ErrNotEmail", err)
	}
	if !strings.Contains(err.Error(), "malformed MIME header") {
		t.Errorf("error %q does not say why", err)
	}
}

// TestTextAttachmentHashIgnoresCharset checks that a Latin-1 text attachment
// is hashed as sent, not as enmime's UTF-8 conversion. Expected values come
// from Python: hashlib.sha256(b"caf\xe9 cr\xe8me br\xfbl\xe9e\r\n") and
// hashlib.sha256(b"Gr\xfc\xdfe aus M\xfcnchen").
func TestTextAttachmentHashIgnoresCharset(t *testing.T) {
	raw := "From: a@b.example\r\nSubject: notes\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b1\r\n\r\n" +
		"--b1\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
		"--b1\r\nContent-Type: text/plain; charset=iso-8859-1; name=menu.txt\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\nY2Fm6SBjcuhtZSBicvts6WUNCg==\r\n" +
		"--b1\r\nContent-Type: text/plain; charset=iso-8859-1\r\n" +
		"Content-Disposition: attachment; filename=gruss.txt\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n\r\nGr=FC=DFe aus M=FCnchen\r\n" +
		"--b1--\r\n"
	want := []finding.Attachment{
		{Name: "menu.txt", ContentType: "text/plain", Size: 19,
			SHA256: "4633f0cc47f8bbfa1aad474d9cdbd3f8ae2aaeee2c78f130a0e772366e923049"},
		{Name: "gruss.txt", ContentType: "text/plain", Size: 17,
			SHA256: "f9d03a3057c0c4c02da311863e2df4420da520603a68aeea129431712d53a3cd"},
	}
	got := mustParse(t, []byte(raw)).Email.Attachments
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Attachments mismatch (-want +got):\n%s", diff)
	}
}
