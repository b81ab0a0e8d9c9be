package answer

import (
	"fmt"
	"slices"
	"strings"

	"github.com/conductor-sec/conductor/internal/finding"
)

// entityKind is one kind of entity an analyst asks about.
type entityKind struct {
	kind  finding.Kind
	label string
	words []string
}

var entityKinds = []entityKind{
	{finding.KindHost, "Hosts", []string{"host", "hosts", "machine*", "computer*", "device*",
		"endpoint*", "workstation*", "server*", "laptop*"}},
	{finding.KindUser, "Users", []string{"user", "users", "account*", "who", "person",
		"people", "victim*"}},
	{finding.KindIP, "IP addresses", []string{"ip", "ips", "address*"}},
	{finding.KindDomain, "Domains", []string{"domain*"}},
	{finding.KindURL, "URLs", []string{"url", "urls", "link*"}},
	{finding.KindEmail, "E-mail addresses", []string{"mailbox*", "recipient*"}},
}

// askedKinds returns the entity kinds a question names; none named means
// all of them.
func askedKinds(q []string) []entityKind {
	norm := " " + strings.Join(q, " ") + " "
	mail := hasAny(q, norm, []string{"e-mail", "email", "mail"})
	var out []entityKind
	for _, k := range entityKinds {
		if !hasAny(q, norm, k.words) {
			continue
		}
		if k.kind == finding.KindIP && mail {
			// "e-mail addresses" are mailboxes, not IPs.
			k = entityKinds[len(entityKinds)-1]
		}
		if !slices.ContainsFunc(out, func(x entityKind) bool { return x.kind == k.kind }) {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return entityKinds
	}
	return out
}

// entitiesAnswer lists the entities of the kinds asked, with what the
// organisation knows about hosts and users.
func entitiesAnswer(w *writer, q []string) {
	said := false
	for _, k := range askedKinds(q) {
		items := w.entityItems(k.kind)
		if len(items) == 0 {
			continue
		}
		w.say("%s: %s.", k.label, strings.Join(items, "; "))
		said = true
	}
	if !said {
		w.say("The case's findings name no such entity.")
	}
}

func (w *writer) entityItems(kind finding.Kind) []string {
	var items []string
	seen := map[string]bool{}
	for _, e := range w.rec.entities(kind) {
		seen[strings.ToLower(e.value)] = true
		item := clip(e.value, 120) + w.facts(kind, e.value)
		if len(e.roles) > 0 {
			item += " (" + strings.Join(e.roles, ", ") + ")"
		}
		items = append(items, item+w.findings(e.findings...))
	}
	if kind != finding.KindHost {
		return items
	}
	for _, name := range w.rec.assetNames() {
		if !seen[strings.ToLower(name)] {
			items = append(items, name+w.facts(kind, name)+" (resolved from its address)")
		}
	}
	return items
}

// facts adds what the enrichment knows about a host or a user.
func (w *writer) facts(kind finding.Kind, value string) string {
	en := w.rec.enrichment
	switch kind {
	case finding.KindHost:
		for name, a := range en.Assets {
			if strings.EqualFold(name, value) {
				s := fmt.Sprintf(", a %s of %s criticality", a.Type, a.Criticality)
				if a.CrownJewel {
					s += ", crown jewel"
				}
				return s
			}
		}
	case finding.KindUser:
		for name, u := range en.Users {
			if strings.EqualFold(name, value) || strings.EqualFold(u.Email, value) {
				return userFacts(u.Role, u.VIP, u.BreakGlass)
			}
		}
	}
	return ""
}

func userFacts(role string, vip, breakGlass bool) string {
	s := ", " + role
	if vip {
		s += ", VIP"
	}
	if breakGlass {
		s += ", break-glass account"
	}
	return s
}

// senderAnswer says who sent each e-mail and by which route.
func senderAnswer(w *writer, _ []string) {
	mails := w.rec.emails()
	if len(mails) == 0 {
		w.say("The case holds no e-mail.")
		return
	}
	for _, f := range mails {
		e := f.Email
		from := clip(e.From.Address, 120)
		if e.From.Name != "" {
			from = quote(e.From.Name) + " <" + from + ">"
		}
		parts := []string{"From " + from}
		if len(e.ReplyTo) > 0 {
			parts = append(parts, "Reply-To "+clip(strings.Join(e.ReplyTo, ", "), 160))
		}
		if e.ReturnPath != "" {
			parts = append(parts, "Return-Path "+clip(e.ReturnPath, 120))
		}
		if e.OriginIP != "" {
			parts = append(parts, "sent from "+clip(e.OriginIP, 60))
		}
		w.say("The e-mail %s: %s.%s", quote(e.Subject), strings.Join(parts, "; "),
			w.findings(f.ID))
	}
}

// authAnswer gives SPF, DKIM and DMARC results and the phishing signals.
func authAnswer(w *writer, _ []string) {
	mails := w.rec.emails()
	if len(mails) == 0 {
		w.say("The case holds no e-mail, so there are no SPF, DKIM or DMARC results.")
		return
	}
	for _, f := range mails {
		a := f.Email.Auth
		w.say("SPF %s, DKIM %s, DMARC %s (header from %s, envelope from %s).%s",
			orAbsent(a.SPF), orAbsent(a.DKIM), orAbsent(a.DMARC), orAbsent(a.HeaderFrom),
			orAbsent(a.MailFrom), w.findings(f.ID))
		if len(f.Email.Signals) > 0 {
			w.say("Signals: %s.", clip(strings.Join(f.Email.Signals, ", "), 300))
		}
	}
}

func orAbsent(s string) string {
	if s == "" {
		return "absent"
	}
	return clip(s, 80)
}

// attachmentsAnswer lists attachments with their hashes, or file hashes the
// findings carry.
func attachmentsAnswer(w *writer, _ []string) {
	said := false
	attached := map[string]bool{}
	for _, f := range w.rec.emails() {
		for _, a := range f.Email.Attachments {
			w.say("Attachment %s (%s, %d bytes, SHA-256 %s).%s", quote(a.Name),
				clip(a.ContentType, 60), a.Size, a.SHA256, w.findings(f.ID))
			attached[strings.ToLower(a.SHA256)] = true
			attached[strings.ToLower(a.Name)] = true
			said = true
		}
	}
	for _, e := range w.rec.entities(finding.KindHash, finding.KindFile) {
		if attached[strings.ToLower(e.value)] {
			continue
		}
		w.say("%s %s.%s", strings.ToUpper(e.kind[:1])+e.kind[1:], clip(e.value, 130),
			w.findings(e.findings...))
		said = true
	}
	if !said {
		w.say("The case has no attachments and no file hashes.")
	}
}
