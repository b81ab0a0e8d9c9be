package email

import (
	"bytes"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/conductor-sec/conductor/internal/finding"
)

// wrapper builds a report-shaped message from from to to whose parts follow
// a short note; auth, when set, is its Authentication-Results value. Each
// wrapper has its own boundary, so wrappers nest.
func wrapper(from, to, auth string, parts ...string) []byte {
	boundaries++
	boundary := "B" + strconv.Itoa(boundaries)
	var b bytes.Buffer
	if auth != "" {
		b.WriteString("Authentication-Results: mx.acme-corp.example; " + auth + "\n")
	}
	b.WriteString("From: " + from + "\nTo: " + to + "\nSubject: FW: have a look\n")
	b.WriteString("MIME-Version: 1.0\n")
	b.WriteString("Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\n\n")
	b.WriteString("--" + boundary + "\nContent-Type: text/plain\n\nPlease check the attached.\n")
	for _, p := range parts {
		b.WriteString("--" + boundary + "\n" + p + "\n")
	}
	b.WriteString("--" + boundary + "--\n")
	return b.Bytes()
}

var boundaries int

func attachedMessage(contentType, name string, raw []byte) string {
	return "Content-Type: " + contentType + "\nContent-Disposition: attachment; filename=\"" +
		name + "\"\n\n" + string(raw)
}

func TestReportedAsAttachment(t *testing.T) {
	raw, err := os.ReadFile("testdata/reported-as-attachment.eml")
	if err != nil {
		t.Fatal(err)
	}
	phish := mustParse(t, readTestdata(t, "demo-phish.eml"))
	f := mustParse(t, raw)
	e := f.Email

	if e.ReportedBy == nil || e.ReportedBy.Address != "maria.lopez@acme-corp.example" {
		t.Fatalf("ReportedBy = %+v, want maria.lopez@acme-corp.example", e.ReportedBy)
	}
	if want := "Suspicious: Action required: your Microsoft 365 password expires"; e.
		ReportSubject != want {
		t.Errorf("ReportSubject = %q, want %q", e.ReportSubject, want)
	}

	// The finding describes the original, as if it had been submitted alone.
	if e.From != phish.Email.From || e.Auth != phish.Email.Auth ||
		e.OriginIP != "185.220.101.47" || e.Subject != phish.Email.Subject ||
		e.MessageID != phish.Email.MessageID {
		t.Errorf("identity = %+v %+v %s %q, want the original's %+v %+v %s %q",
			e.From, e.Auth, e.OriginIP, e.Subject,
			phish.Email.From, phish.Email.Auth, phish.Email.OriginIP, phish.Email.Subject)
	}
	if !slices.Equal(e.Signals, phish.Email.Signals) {
		t.Errorf("Signals = %v, want the original's %v", e.Signals, phish.Email.Signals)
	}
	if f.Severity != phish.Severity || !slices.Equal(e.URLs, phish.Email.URLs) {
		t.Errorf("severity %s, URLs %v; want %s, %v", f.Severity, e.URLs, phish.Severity,
			phish.Email.URLs)
	}
	if !bytes.Equal(f.Raw, raw) {
		t.Error("Raw is not the report as submitted")
	}
	if !strings.Contains(f.Description, "attached to a report from maria.lopez@acme-corp.example") {
		t.Errorf("Description = %q, want it to name the reporter", f.Description)
	}

	// The original's attachment, and the original itself as the report's.
	var names []string
	for _, a := range e.Attachments {
		names = append(names, a.Name)
	}
	if want := []string{"Password_Policy.pdf.html", "Action required.eml"}; !slices.Equal(
		names, want) {
		t.Errorf("attachments = %v, want %v", names, want)
	}
	if !hasObservable(f, finding.KindEmail, "maria.lopez@acme-corp.example", "reporter") {
		t.Errorf("no reporter observable in %+v", f.Observables)
	}
}

func hasObservable(f *finding.Finding, kind finding.Kind, value, role string) bool {
	return slices.ContainsFunc(f.Observables, func(o finding.Observable) bool {
		return o.Kind == kind && o.Value == value && o.Role == role
	})
}

// TestWhatIsNotAReport: only a message that looks like a report is read as
// one; otherwise the message itself is investigated and the attached one is a
// file.
func TestWhatIsNotAReport(t *testing.T) {
	phish := readTestdata(t, "demo-phish.eml")
	benign := readTestdata(t, "benign-invoice.eml")
	const colleague = "Maria Lopez <maria.lopez@acme-corp.example>"
	const soc = "phishing@acme-corp.example"

	cases := []struct {
		name     string
		raw      []byte
		wantFrom string
	}{
		{
			// A phish with a harmless message attached as a decoy.
			name: "external sender",
			raw: wrapper("Microsoft <it@rnicrosoft-secure.com>", colleague, "",
				attachedMessage("message/rfc822", "invoice.eml", benign)),
			wantFrom: "it@rnicrosoft-secure.com",
		},
		{
			name: "colleague spoofed",
			raw: wrapper(colleague, soc, "spf=pass; dmarc=fail header.from=acme-corp.example",
				attachedMessage("message/rfc822", "a.eml", phish)),
			wantFrom: "maria.lopez@acme-corp.example",
		},
		{
			name: "two attached messages",
			raw: wrapper(colleague, soc, "",
				attachedMessage("message/rfc822", "a.eml", phish),
				attachedMessage("message/rfc822", "b.eml", benign)),
			wantFrom: "maria.lopez@acme-corp.example",
		},
		{
			// The victims in Bcc, the phish addressed to its own sender.
			name: "delivered from outside",
			raw: append([]byte("Received: from mail.evil.example (unknown [185.220.101.47])\n"+
				"\tby mx.acme-corp.example; Tue, 14 Jan 2025 09:00:00 +0000\n"),
				wrapper("Microsoft <it@evil.example>", "it@evil.example", "spf=pass; dmarc=pass",
					attachedMessage("message/rfc822", "invoice.eml", benign))...),
			wantFrom: "it@evil.example",
		},
		{
			name:     "no sender",
			raw:      wrapper("", soc, "", attachedMessage("message/rfc822", "a.eml", phish)),
			wantFrom: "",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := mustParse(t, tc.raw).Email
			if e.ReportedBy != nil || e.From.Address != tc.wantFrom {
				t.Errorf("From = %q, ReportedBy = %+v; want From %q and no reporter",
					e.From.Address, e.ReportedBy, tc.wantFrom)
			}
		})
	}
}

func TestReportShapes(t *testing.T) {
	phish := readTestdata(t, "demo-phish.eml")
	const colleague = "maria.lopez@acme-corp.example"
	const soc = "SOC <phishing@acme-corp.example>"

	t.Run("eml named octet-stream", func(t *testing.T) {
		e := mustParse(t, wrapper(colleague, soc, "",
			attachedMessage("application/octet-stream", "Action required.EML", phish))).Email
		if e.ReportedBy == nil || e.From.Address != "it-support@rnicrosoft-secure.com" {
			t.Errorf("From = %q, ReportedBy = %+v", e.From.Address, e.ReportedBy)
		}
	})

	t.Run("the wrapper's own links are kept", func(t *testing.T) {
		raw := wrapper(colleague, soc, "",
			"Content-Type: text/plain\n\nalso got http://second-lure.example/x\n",
			attachedMessage("message/rfc822", "a.eml", phish))
		e := mustParse(t, raw).Email
		if e.ReportedBy == nil || !slices.Contains(e.URLs, "http://second-lure.example/x") {
			t.Errorf("ReportedBy = %+v, URLs = %v", e.ReportedBy, e.URLs)
		}
	})

	t.Run("unreadable original", func(t *testing.T) {
		e := mustParse(t, wrapper(colleague, soc, "",
			attachedMessage("message/rfc822", "a.eml", []byte("\n\n")))).Email
		if e.ReportedBy != nil || e.From.Address != colleague ||
			!slices.ContainsFunc(e.Defects, func(d string) bool {
				return strings.HasPrefix(d, "attached message unreadable")
			}) {
			t.Errorf("From = %q, ReportedBy = %+v, defects %v", e.From.Address,
				e.ReportedBy, e.Defects)
		}
	})

	// An analyst forwards a colleague's report: the original is found, and
	// the colleague, who received it, is the reporter.
	t.Run("a report of a report", func(t *testing.T) {
		inner := wrapper(colleague, soc, "", attachedMessage("message/rfc822", "a.eml", phish))
		e := mustParse(t, wrapper("lead@acme-corp.example", soc, "",
			attachedMessage("message/rfc822", "fw.eml", inner))).Email
		if e.ReportedBy == nil || e.ReportedBy.Address != colleague ||
			e.From.Address != "it-support@rnicrosoft-secure.com" {
			t.Errorf("From = %q, ReportedBy = %+v", e.From.Address, e.ReportedBy)
		}
	})
}

// TestReportWithOrgDomains: when the organisation's domains are known, a
// report is a message from one of them, whoever it is addressed to.
func TestReportWithOrgDomains(t *testing.T) {
	phish := readTestdata(t, "demo-phish.eml")
	org := func(d string) bool { return d == "acme-corp.example" }
	cases := []struct {
		name       string
		from, to   string
		wantReport bool
	}{
		{"colleague to the SOC", "maria.lopez@acme-corp.example", "soc@acme-corp.example", true},
		{"colleague to an outside service", "maria.lopez@acme-corp.example",
			"reports@phish-desk.example", true},
		{"outsider to itself", "it@evil.example", "it@evil.example", false},
		{"outsider to a colleague", "it@evil.example", "maria.lopez@acme-corp.example", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := wrapper(tc.from, tc.to, "", attachedMessage("message/rfc822", "a.eml", phish))
			f, err := Parse(raw, Options{OrgDomain: org})
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Email.ReportedBy != nil; got != tc.wantReport {
				t.Errorf("read as a report = %v, want %v (From %q)", got, tc.wantReport,
					f.Email.From.Address)
			}
		})
	}
}
