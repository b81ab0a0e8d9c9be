package email

import (
	"regexp"
	"strings"
)

// readAuth fills SPF, DKIM and DMARC results. Headers are read top first and
// the first value of each result wins: the topmost Authentication-Results is
// the one the receiving server added, and a sender can only forge ones below
// it. ARC-Authentication-Results and Received-SPF fill what is still empty.
func (a *analysis) readAuth() {
	for _, name := range []string{"Authentication-Results", "Arc-Authentication-Results"} {
		for _, v := range a.msg.headers(name) {
			a.readAuthResults(oneLine(v))
		}
	}

	if a.mail.Auth.SPF == "" {
		for _, v := range a.msg.headers("Received-Spf") {
			if f := strings.Fields(v); len(f) > 0 {
				a.mail.Auth.SPF = authResult(f[0])
				break
			}
		}
	}
}

var senderIPIs = regexp.MustCompile(`(?i)sender ip is ([0-9A-Fa-f:.]+)`)

// readAuthResults reads one RFC 8601 header: "authserv-id; method=result
// (comment) prop.name=value; ...". Comments are dropped after the "sender IP
// is" note Microsoft leaves in one of them has been kept.
func (a *analysis) readAuthResults(v string) {
	for _, m := range senderIPIs.FindAllStringSubmatch(v, -1) {
		a.senderIPs = append(a.senderIPs, m[1])
	}

	auth := &a.mail.Auth
	for _, tok := range strings.FieldsFunc(stripComments(v), isAuthSep) {
		key, val, ok := strings.Cut(tok, "=")
		if !ok || val == "" {
			continue
		}
		switch strings.ToLower(key) {
		case "spf":
			setOnce(&auth.SPF, authResult(val))
		case "dkim":
			setOnce(&auth.DKIM, authResult(val))
		case "dmarc":
			setOnce(&auth.DMARC, authResult(val))
		case "header.from":
			setOnce(&auth.HeaderFrom, authDomain(val))
		case "smtp.mailfrom":
			setOnce(&auth.MailFrom, authDomain(val))
		}
	}
}

func isAuthSep(r rune) bool { return r == ';' || r == ' ' || r == '\t' }

// stripComments removes parenthesised comments, which may nest.
func stripComments(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func setOnce(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

func authResult(v string) string {
	return cutBytes(strings.ToLower(strings.Trim(v, `"';,.`)), 40)
}

// authDomain keeps the domain of "user@domain" or a bare domain.
func authDomain(v string) string {
	v = strings.ToLower(strings.Trim(v, `"'<>;,`))
	if i := strings.LastIndexByte(v, '@'); i >= 0 {
		v = v[i+1:]
	}
	return cutBytes(v, 255)
}
