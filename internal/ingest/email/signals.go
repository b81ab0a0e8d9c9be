package email

import (
	"net/netip"
	"regexp"
	"sort"
	"strings"

	"github.com/conductor-sec/conductor/internal/finding"
)

// The phishing signals a message can raise, as they appear in
// [finding.Email.Signals].
const (
	// SignalReplyToMismatch: a Reply-To address is in another registrable
	// domain than From, so answers go somewhere the sender did not claim.
	SignalReplyToMismatch = "reply_to_mismatch"
	// SignalReturnPathMismatch: the envelope sender (Return-Path) is in another
	// registrable domain than From. Bulk senders do this legitimately too.
	SignalReturnPathMismatch = "return_path_mismatch"
	// SignalDisplayNameSpoof: the From display name carries an address or
	// domain other than the sender's, names a well-known brand the sending
	// domain does not belong to, or names any brand from a free-mail domain.
	SignalDisplayNameSpoof = "display_name_spoof"
	// SignalSPFFail: SPF returned fail or softfail.
	SignalSPFFail = "spf_fail"
	// SignalDKIMFail: DKIM returned fail.
	SignalDKIMFail = "dkim_fail"
	// SignalDMARCFail: DMARC returned fail.
	SignalDMARCFail = "dmarc_fail"
	// SignalHTMLOnly: the message has an HTML body and no plain-text body.
	SignalHTMLOnly = "html_only"
	// SignalURLIPHost: a link's host is an IP address, not a name.
	SignalURLIPHost = "url_ip_host"
	// SignalURLShortener: a link goes through a URL shortener.
	SignalURLShortener = "url_shortener"
	// SignalHomoglyph: the display name, subject or a link host mixes scripts
	// or hides characters (see hasHomoglyph).
	SignalHomoglyph = "homoglyph"
	// SignalDoubleExtension: an attachment name hides an active type behind a
	// document one, such as invoice.pdf.html or PO.Xls.htm.
	SignalDoubleExtension = "double_extension"
	// SignalExecutableAttachment: an attachment runs code when opened
	// (exe, js, hta, lnk, iso, macro-enabled Office, Apple profiles…).
	SignalExecutableAttachment = "executable_attachment"
	// SignalURLTextMismatch: a link's text shows one domain and its href
	// goes to another. Click-tracking services raise it too.
	SignalURLTextMismatch = "url_text_mismatch"
	// SignalLureLanguage: the subject or body uses the pressure phrases of
	// credential and payment lures (verify your account, password expires,
	// unusual sign-in, urgent wire transfer). Honest mail uses them too, so
	// on its own it proves nothing; with a deception signal it is telling.
	SignalLureLanguage = "lure_language"
)

// detectSignals runs every check; the result is sorted.
func detectSignals(a *analysis) []string {
	e := &a.mail
	list := listDomain(a.msg.header("List-Id"))
	found := map[string]bool{
		SignalReplyToMismatch:      anyOtherDomain(e.From.Address, e.ReplyTo, list),
		SignalReturnPathMismatch:   anyOtherDomain(e.From.Address, []string{e.ReturnPath}, list),
		SignalDisplayNameSpoof:     displayNameSpoof(e.From),
		SignalSPFFail:              e.Auth.SPF == "fail" || e.Auth.SPF == "softfail",
		SignalDKIMFail:             e.Auth.DKIM == "fail",
		SignalDMARCFail:            e.Auth.DMARC == "fail",
		SignalHTMLOnly:             a.hasHTML && !a.hasPlain,
		SignalURLIPHost:            anyURL(e.URLs, isIPHost),
		SignalURLShortener:         anyURL(e.URLs, isShortener),
		SignalHomoglyph:            homoglyphs(e),
		SignalDoubleExtension:      anyAttachment(e.Attachments, hasDoubleExtension),
		SignalExecutableAttachment: anyAttachment(e.Attachments, isExecutable),
		SignalURLTextMismatch:      anyMismatch(a.anchors),
		SignalLureLanguage:         lureLanguage(e.Subject + "\n" + e.BodyText),
	}

	var out []string
	for name, on := range found {
		if on {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// anyOtherDomain reports an address in others outside from's registrable
// domain. A mailing list (List-Id) rewrites Reply-To and Return-Path to
// itself by design, so the list's own domain does not count.
func anyOtherDomain(from string, others []string, list string) bool {
	want := registrable(domainOf(from))
	if want == "" {
		return false
	}
	for _, o := range others {
		if d := registrable(domainOf(o)); d != "" && d != want && d != list {
			return true
		}
	}
	return false
}

// listDomain reads the registrable domain of a List-Id such as
// "Users <john-users.lists.openwall.com>".
func listDomain(listID string) string {
	id := listID
	if i := strings.LastIndexByte(id, '<'); i >= 0 {
		id = id[i+1:]
	}
	id = strings.TrimSpace(strings.TrimRight(id, "> "))
	if !strings.Contains(id, ".") {
		return ""
	}
	return registrable(id)
}

var (
	nameAddress = regexp.MustCompile(`[^\s<>"'@]+@([A-Za-z0-9.-]+\.[A-Za-z]{2,})`)
	nameDomain  = regexp.MustCompile(`(?i)\b((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})\b`)
)

func displayNameSpoof(from finding.Address) bool {
	name := foldName(from.Name)
	domain := domainOf(from.Address)
	if name == "" || domain == "" {
		return false
	}
	if claimsOtherDomain(name, registrable(domain)) {
		return true
	}
	b := brandIn(name)
	return b != nil && (isFreeMail(domain) || !b.sendsFrom(domain))
}

// claimsOtherDomain reports an address or real domain in the name that is not
// the sender's own.
func claimsOtherDomain(name, own string) bool {
	for _, m := range nameAddress.FindAllStringSubmatch(name, -1) {
		if isICANNDomain(strings.ToLower(m[1])) && registrable(m[1]) != own {
			return true
		}
	}
	for _, d := range nameDomain.FindAllString(name, -1) {
		if isICANNDomain(strings.ToLower(d)) && registrable(d) != own {
			return true
		}
	}
	return false
}

func homoglyphs(e *finding.Email) bool {
	if hasHomoglyph(e.From.Name) || hasHomoglyph(e.Subject) {
		return true
	}
	return anyURL(e.URLs, func(u string) bool { return hostHomoglyph(urlHost(u)) })
}

func anyURL(urls []string, test func(string) bool) bool {
	for _, u := range urls {
		if test(u) {
			return true
		}
	}
	return false
}

// isIPHost also catches a host written as one decimal number (http://3232235777/).
func isIPHost(u string) bool {
	host := strings.Trim(urlHost(u), "[]")
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	return host != "" && strings.Trim(host, "0123456789") == ""
}

func isShortener(u string) bool {
	h := urlHost(u)
	return shorteners[h] || shorteners[registrable(h)]
}

func anyMismatch(anchors []anchor) bool {
	for _, an := range anchors {
		if textClaimsOtherHost(an) {
			return true
		}
	}
	return false
}

// textClaimsOtherHost reports a link whose visible text names a domain (as a
// URL or a bare domain) outside the registrable domain of its href.
func textClaimsOtherHost(an anchor) bool {
	shown := shownDomain(an.text)
	target := registrable(urlHost(an.href))
	if shown == "" || target == "" {
		return false
	}
	if shown == target {
		return false
	}
	wrapped := unwrapRedirect(an.href)
	return wrapped == "" || registrable(urlHost(wrapped)) != shown
}

func shownDomain(text string) string {
	if m := textURL.FindString(text); m != "" {
		if u := normalizeURL(m); u != "" {
			return registrable(urlHost(u))
		}
	}
	t := strings.TrimSpace(text)
	if m := nameDomain.FindString(t); m != "" && m == t && isICANNDomain(strings.ToLower(m)) {
		return registrable(m)
	}
	return ""
}

// lurePhrases are matched on lower-cased text with white space folded.
var lurePhrases = regexp.MustCompile(`\b(` + strings.Join([]string{
	`verify (your )?(account|identity|email|mailbox)`,
	`confirm (your )?(account|identity|password|details)`,
	`password (will )?(expire|expires|expiry|expired|reset required)`,
	`(unusual|suspicious|unrecognized|new) (sign-?in|login|activity)`,
	`account (will be )?(suspended|locked|disabled|closed|deactivated)`,
	`(prevent|avoid) (losing|suspension|closure|deactivation)`,
	`update (your )?(payment|billing|bank) (details|information|method)`,
	`(urgent|immediate|confidential) (wire|transfer|payment)`,
	`wire (transfer|the funds)`, `gift cards?`,
	`(seed|recovery) phrase`, `unlock (your )?(account|wallet|funds)`,
	`(mailbox|storage|quota) (is )?(full|exceeded|almost full)`,
	`action required`, `within 24 hours`, `final (notice|warning)`,
}, "|") + `)\b`)

func lureLanguage(text string) bool {
	text = strings.Join(strings.Fields(strings.ToLower(text)), " ")
	return lurePhrases.MatchString(text)
}
