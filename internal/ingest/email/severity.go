package email

import (
	"github.com/conductor-sec/conductor/internal/finding"
	"github.com/conductor-sec/conductor/internal/netaddr"
)

// strongSignals each point at deception on their own; html_only and
// url_shortener are common in honest bulk mail and only add colour.
var strongSignals = map[string]bool{
	SignalReplyToMismatch: true, SignalReturnPathMismatch: true,
	SignalDisplayNameSpoof: true, SignalSPFFail: true, SignalDKIMFail: true,
	SignalDMARCFail: true, SignalURLIPHost: true, SignalHomoglyph: true,
	SignalDoubleExtension: true, SignalExecutableAttachment: true,
	SignalURLTextMismatch: true,
}

// severity maps signals to a band: a malicious-looking attachment or three
// strong signals is high (75), one strong signal medium (50), otherwise low
// (25). A reported e-mail is never info: someone thought it worth reporting.
func severity(signals []string) (finding.Severity, int) {
	strong := 0
	for _, s := range signals {
		if s == SignalDoubleExtension || s == SignalExecutableAttachment {
			return finding.SeverityHigh, 75
		}
		if strongSignals[s] {
			strong++
		}
	}
	switch {
	case strong >= 3:
		return finding.SeverityHigh, 75
	case strong >= 1:
		return finding.SeverityMedium, 50
	}
	return finding.SeverityLow, 25
}

// addObservables lists the entities of the message. Header values are
// structured fields; links come from the body, which is free text.
func addObservables(f *finding.Finding, a *analysis) {
	e := f.Email
	addMailbox(f, e.From.Address, "sender")
	for _, r := range e.ReplyTo {
		addMailbox(f, r, "reply_to")
	}
	addMailbox(f, e.ReturnPath, "return_path")
	for _, r := range append(append([]string{}, e.To...), a.cc...) {
		f.Add(finding.KindEmail, r, "recipient", finding.OriginField)
	}
	f.Add(finding.KindIP, e.OriginIP, "origin_ip", finding.OriginField)
	if e.ReportedBy != nil {
		f.Add(finding.KindEmail, e.ReportedBy.Address, "reporter", finding.OriginField)
	}

	for _, u := range e.URLs {
		f.Add(finding.KindURL, u, "link", finding.OriginText)
		addHost(f, urlHost(u))
	}
	for _, at := range e.Attachments {
		f.Add(finding.KindHash, at.SHA256, "attachment", finding.OriginField)
		f.Add(finding.KindFile, at.Name, "attachment", finding.OriginField)
	}
}

// addMailbox adds an address and, for the sender, its domain.
func addMailbox(f *finding.Finding, address, role string) {
	f.Add(finding.KindEmail, address, role, finding.OriginField)
	if role == "sender" {
		f.Add(finding.KindDomain, domainOf(address), role, finding.OriginField)
	}
}

// addHost adds a link's host as a domain, or as an IP when it is one.
func addHost(f *finding.Finding, host string) {
	if ip, ok := netaddr.Parse(host); ok {
		f.Add(finding.KindIP, ip.String(), "link", finding.OriginText)
		return
	}
	f.Add(finding.KindDomain, host, "link", finding.OriginText)
}
