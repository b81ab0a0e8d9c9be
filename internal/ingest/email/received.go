package email

import (
	"net/netip"
	"regexp"
	"strings"

	"github.com/conductor-sec/conductor/internal/finding"
	"github.com/conductor-sec/conductor/internal/netaddr"
)

const maxHops = 100

// readReceived parses the Received chain, top (newest) first.
func (a *analysis) readReceived() {
	values := a.msg.headers("Received")
	if len(values) > maxHops {
		a.defect("more than 100 Received headers, the rest were ignored")
		values = values[:maxHops]
	}
	for _, v := range values {
		a.mail.Received = append(a.mail.Received, parseHop(oneLine(v)))
	}
}

// parseHop reads "from HELO (rdns [ip]) by host with ...; date". The IP is
// taken only from the from-clause: the by-clause names the receiver.
func parseHop(raw string) finding.Hop {
	h := finding.Hop{Raw: cutBytes(raw, 1000)}
	fromPart, byPart := raw, ""
	if i := topLevelWord(raw, "by"); i >= 0 {
		fromPart, byPart = raw[:i], raw[i:]
	}

	if i := topLevelWord(fromPart, "from"); i >= 0 {
		h.From = firstToken(fromPart[i+len("from"):])
		h.IP = hopIP(fromPart[i:])
	}
	if byPart != "" {
		h.By = firstToken(byPart[len("by"):])
	}
	return h
}

// topLevelWord finds word as a whole word outside parentheses (comments).
func topLevelWord(s, word string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			if depth > 0 {
				depth--
			}
		}
		if depth == 0 && isWordAt(s, i, word) {
			return i
		}
	}
	return -1
}

func isWordAt(s string, i int, word string) bool {
	if i+len(word) > len(s) || !strings.EqualFold(s[i:i+len(word)], word) {
		return false
	}
	before := i == 0 || isSpace(s[i-1])
	after := i+len(word) == len(s) || isSpace(s[i+len(word)])
	return before && after
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func firstToken(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return cutBytes(strings.TrimRight(f[0], ";"), 255)
}

var bracketIP = regexp.MustCompile(
	`[\[(]\s*(?:IPv6:)?([0-9A-Fa-f:.]{3,}(?:%[0-9A-Za-z]+)?)\s*[\])]`)

// hopIP returns the first bracketed or parenthesised address of a from-clause.
func hopIP(clause string) string {
	for _, m := range bracketIP.FindAllStringSubmatch(clause, -1) {
		if ip, ok := netaddr.Parse(m[1]); ok {
			return ip.String()
		}
	}
	return ""
}

// pickOriginIP chooses the first external sending IP: the bottom-most hop with
// an external address, else X-Originating-IP, X-Sender-IP, then the "sender
// IP is" comment of Authentication-Results.
//
// TODO: a sender can forge Received headers below the real ones; trusting the
// chain only up to the first hop not run by the receiving organisation needs
// to know that organisation's relays.
func (a *analysis) pickOriginIP() {
	for i := len(a.mail.Received) - 1; i >= 0; i-- {
		h := a.mail.Received[i]
		if ip, ok := netaddr.Parse(h.IP); ok && netaddr.Routable(ip) && !intraProviderHop(h, ip) {
			a.mail.OriginIP = ip.String()
			return
		}
	}

	var candidates []string
	candidates = append(candidates, a.msg.headers("X-Originating-Ip")...)
	candidates = append(candidates, a.msg.headers("X-Sender-Ip")...)
	candidates = append(candidates, a.senderIPs...)
	for _, c := range candidates {
		if ip, ok := netaddr.Parse(c); ok && netaddr.Routable(ip) {
			a.mail.OriginIP = ip.String()
			return
		}
	}
}

// providerOrg maps the domains of one mail provider to one name, so a hop
// between two of its servers counts as internal.
var providerOrg = map[string]string{
	"outlook.com":      "microsoft",
	"office365.com":    "microsoft",
	"microsoft.com":    "microsoft",
	"exchangelabs.com": "microsoft",
}

// intraProviderHop reports an IPv6 hop between two servers of the same
// organisation. Exchange Online relays over globally routable IPv6 inside its
// own network; those addresses say nothing about the sender.
func intraProviderHop(h finding.Hop, ip netip.Addr) bool {
	if !ip.Is6() {
		return false
	}
	from, by := orgOf(h.From), orgOf(h.By)
	return from != "" && from == by
}

func orgOf(host string) string {
	d := registrable(strings.Trim(host, "[]"))
	if d == "" {
		return ""
	}
	if org, ok := providerOrg[d]; ok {
		return org
	}
	return d
}
