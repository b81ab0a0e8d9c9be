package email

import (
	"strings"

	"github.com/jhillyerd/enmime/v2"
)

// A user who reports a phish with a "report" button, or an analyst who
// forwards it "as attachment", sends a short wrapper message that carries the
// original as a message/rfc822 part. The wrapper's sender, Received chain and
// authentication describe the colleague, not the attacker, so the finding is
// about the attached original, and the wrapper's sender is recorded as
// [finding.Email.ReportedBy].
//
// A phish may itself attach a harmless message as a decoy, and an analyst may
// upload that phish as it was delivered. So a message is read as a report only
// when it looks like one: exactly one attached message, not failing SPF or
// DMARC, and sent by a colleague. With [Options.OrgDomain], a colleague is a
// sender in one of the organisation's domains. Without it, every recipient
// must share the sender's registrable domain and no hop of the Received chain
// may be outside (no origin IP), which rules out a phish addressed to its own
// sender with the victims in Bcc. Whatever the wrapper carried besides the
// original (links, other attachments) is kept in the finding, so a report
// cannot hide anything from the investigation.
//
// TODO: a phish sent from a compromised colleague's account with a decoy
// message attached passes these tests; its links and attachments are kept,
// but its sender is recorded as the reporter, not as the attacker. Telling
// the two apart needs the report mailbox's address from configuration.

// attachedOriginal returns the decoded bytes of the message a report wraps,
// or nil when a is not a report.
func (a *analysis) attachedOriginal(orgDomain func(string) bool) []byte {
	var found []*enmime.Part
	for _, p := range leaves(a.msg.env.Root) {
		if isAttachedMessage(p) {
			found = append(found, p)
		}
	}
	if len(found) != 1 || a.mail.Auth.SPF == "fail" || a.mail.Auth.DMARC == "fail" {
		return nil
	}
	if !a.fromColleague(orgDomain) {
		return nil
	}
	return found[0].Content
}

// isAttachedMessage reports a message/rfc822 part, or an attachment named
// .eml whatever type its sender gave it.
func isAttachedMessage(p *enmime.Part) bool {
	if strings.EqualFold(p.ContentType, "message/rfc822") {
		return true
	}
	exts := extensions(p.FileName)
	return isAttachment(p) && len(exts) > 0 && exts[len(exts)-1] == "eml"
}

// fromColleague reports a sender in the organisation's domains, or, when
// they are unknown, a message that stayed inside one domain: every recipient
// in the sender's registrable domain and no outside hop.
func (a *analysis) fromColleague(orgDomain func(string) bool) bool {
	domain := domainOf(a.mail.From.Address)
	if domain == "" {
		return false
	}
	if orgDomain != nil {
		return orgDomain(domain)
	}

	from := registrable(domain)
	recipients := append(append([]string{}, a.mail.To...), a.cc...)
	if from == "" || len(recipients) == 0 || a.mail.OriginIP != "" {
		return false
	}
	for _, r := range recipients {
		if registrable(domainOf(r)) != from {
			return false
		}
	}
	return true
}

// absorbWrapper makes a, the analysis of an attached original, the report's
// finding: the sender of the innermost report (the colleague who received
// the original) becomes ReportedBy, and every wrapper's links, attachments
// and defects are added. The caller reads the signals again afterwards.
func (a *analysis) absorbWrapper(w *analysis) {
	if a.mail.ReportedBy == nil {
		from := w.mail.From
		a.mail.ReportedBy = &from
		a.mail.ReportSubject = w.mail.Subject
	}

	for _, u := range w.mail.URLs {
		a.links.put(u)
	}
	a.mail.URLs = a.links.urls
	a.anchors = append(a.anchors, w.anchors...)
	a.mail.Attachments = append(a.mail.Attachments, w.mail.Attachments...)
	for _, d := range w.mail.Defects {
		a.defect("report wrapper: " + d)
	}
}
