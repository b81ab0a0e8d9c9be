package email

import (
	"time"

	"github.com/conductor-sec/conductor/internal/finding"
	"github.com/conductor-sec/conductor/internal/redact"
	"github.com/jhillyerd/enmime/v2"
)

// analysis carries one message through the parsing steps.
type analysis struct {
	raw  []byte
	msg  *message
	mail finding.Email

	date    time.Time
	dateRaw string
	// cc are Cc and Bcc recipients: observables, though [finding.Email] has
	// no field for them.
	cc []string
	// senderIPs are "sender IP is" values from Authentication-Results.
	senderIPs []string

	links    linkSet
	anchors  []anchor
	hasPlain bool
	hasHTML  bool

	defectSeen map[string]bool
}

func newAnalysis(raw []byte, m *message) *analysis {
	a := &analysis{raw: raw, msg: m, defectSeen: map[string]bool{}}
	for _, d := range m.defects {
		a.defect(d)
	}
	return a
}

// run performs every step in order; later steps read what earlier ones found.
func (a *analysis) run() {
	a.readEnmimeErrors()
	a.readIdentity()
	a.parseDate()
	a.readReceived()
	a.readAuth()
	a.pickOriginIP()

	a.readParts()
	a.readBodyText()

	a.mail.Signals = detectSignals(a)
}

// defect records a survived parse problem once; past maxDefects it stops.
func (a *analysis) defect(d string) {
	d = redact.String(cutBytes(oneLine(d), 300))
	if d == "" || a.defectSeen[d] || len(a.mail.Defects) >= maxDefects {
		return
	}
	a.defectSeen[d] = true
	a.mail.Defects = append(a.mail.Defects, d)
}

// readEnmimeErrors copies enmime's part errors, except the notice that HTML
// was converted to text: that is the html_only signal, not a defect.
func (a *analysis) readEnmimeErrors() {
	for _, e := range a.msg.env.Errors {
		if e == nil || e.Name == enmime.ErrorPlainTextFromHTML {
			continue
		}
		a.defect(e.Name + ": " + e.Detail)
	}

	root := a.msg.env.Root
	if isMultipart(root.ContentType) && root.Boundary == "" {
		a.defect("multipart without boundary parameter, read as one part")
	}
}
