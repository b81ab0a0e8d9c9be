package email

import (
	"net/url"
	"regexp"
	"strings"
)

const maxURLBytes = 2048

// linkSet collects distinct links in order of appearance, up to maxURLs.
type linkSet struct {
	urls    []string
	seen    map[string]bool
	dropped bool
}

// add normalizes a candidate and keeps it if it is an absolute web link; a
// Google or Safe Links redirect also adds the address it points to.
func (l *linkSet) add(candidate string) string {
	u := normalizeURL(candidate)
	if u == "" {
		return ""
	}
	l.put(u)
	if target := unwrapRedirect(u); target != "" {
		l.put(target)
	}
	return u
}

func (l *linkSet) put(u string) {
	if l.seen == nil {
		l.seen = map[string]bool{}
	}
	if l.seen[u] {
		return
	}
	if len(l.urls) >= maxURLs {
		l.dropped = true
		return
	}
	l.seen[u] = true
	l.urls = append(l.urls, u)
}

var (
	refanger = strings.NewReplacer(refangPairs()...)
	textURL  = regexp.MustCompile(`(?i)\b(?:(?:https?|ftp)://|www\.)[^\s<>"'` + "`" +
		`{}|\\^\[\]]+`)
)

// refangPairs lists every defanged form refang undoes: the schemes hxxp, hXXp,
// h**p and http[:]// in both cases, then example[.]com, example[dot]com,
// 1.2.3(.)4 and friends. One strings.Replacer pass is far cheaper than a
// regular expression over every text node of a large HTML body.
func refangPairs() []string {
	var pairs []string
	for _, h := range []string{"h", "H"} {
		for _, mid := range []string{"xx", "XX", "Xx", "xX", "**", "tt", "TT"} {
			for _, p := range []string{"p", "P"} {
				for _, sep := range []string{"://", "[:]//", "(:)//", "[://]"} {
					if strings.EqualFold(mid, "tt") && sep == "://" {
						continue // already a working scheme
					}
					pairs = append(pairs, h+mid+p+sep, "http://", h+mid+p+"s"+sep,
						"https://", h+mid+p+"S"+sep, "https://")
				}
			}
		}
	}
	return append(pairs,
		"[.]", ".", "(.)", ".", "{.}", ".", "[dot]", ".", "(dot)", ".", "[DOT]", ".",
		"[:]", ":", "[://]", "://", "[/]", "/")
}

// refang turns defanged indicators back into working text:
// hxxp://, hxxps[:]//, example[.]com, example[dot]com, 1.2.3(.)4.
func refang(s string) string {
	return refanger.Replace(s)
}

// scanText finds links in plain text, after refanging it.
func scanText(s string, links *linkSet) {
	for _, m := range textURL.FindAllString(refang(s), -1) {
		links.add(m)
	}
}

// normalizeURL trims what surrounds a link in prose, adds a scheme to a bare
// "www." host or a scheme-relative "//host", lower-cases scheme and host, gives
// an empty path "/", and returns "" for anything that is not an absolute http,
// https or ftp link with a host.
func normalizeURL(s string) string {
	s = strings.Map(dropLineBreaks, strings.TrimSpace(refang(s)))
	s = TrimLinkEnd(s)
	switch {
	case strings.HasPrefix(strings.ToLower(s), "www."):
		s = "http://" + s
	case strings.HasPrefix(s, "//"):
		// A scheme-relative src or href loads over https from a mail client.
		s = "https:" + s
	}
	if len(s) > maxURLBytes {
		return ""
	}

	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" && scheme != "ftp" ||
		!strings.HasPrefix(strings.ToLower(s), scheme+"://") {
		return ""
	}
	rest := s[len(scheme)+len("://"):]
	end := authorityEnd(rest)
	path := rest[end:]
	if !strings.HasPrefix(path, "/") {
		// "http://host" and "http://host/" are one link.
		path = "/" + path
	}
	return scheme + "://" + strings.ToLower(rest[:end]) + path
}

func dropLineBreaks(r rune) rune {
	if r == '\r' || r == '\n' || r == '\t' {
		return -1
	}
	return r
}

func authorityEnd(rest string) int {
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		return i
	}
	return len(rest)
}

// TrimLinkEnd drops what ends the sentence around a link rather than the link:
// punctuation and quotes, and a closing bracket only when the link did not
// open it ("(see https://x/a)" but "…?token=[REDACTED:token]"). Alert text
// and e-mail bodies are both cut this way.
func TrimLinkEnd(s string) string {
	for s != "" {
		c := s[len(s)-1]
		switch {
		case strings.IndexByte(".,;:!?'\"*>", c) >= 0:
		case c == ')' && strings.Count(s, "(") < strings.Count(s, ")"):
		case c == ']' && strings.Count(s, "[") < strings.Count(s, "]"):
		case c == '}' && strings.Count(s, "{") < strings.Count(s, "}"):
		default:
			return s
		}
		s = s[:len(s)-1]
	}
	return s
}

// unwrapRedirect returns the destination of a Google redirect
// (google.<tld>/url?q=) or a Microsoft Safe Links wrapper
// (*.safelinks.protection.outlook.com/?url=), or "".
//
// TODO: Proofpoint urldefense and Mimecast wrappers encode the target
// differently and are not unwrapped yet.
func unwrapRedirect(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	host := u.Hostname()
	var target string
	switch {
	case isGoogleHost(host) && u.Path == "/url":
		target = firstNonEmpty(u.Query().Get("q"), u.Query().Get("url"))
	case strings.HasSuffix(host, ".safelinks.protection.outlook.com"):
		target = u.Query().Get("url")
	}
	if target == "" {
		return ""
	}
	return normalizeURL(target)
}

func isGoogleHost(host string) bool {
	d := registrable(host)
	return strings.HasPrefix(d, "google.") && (host == d || host == "www."+d)
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// urlHost returns the lower-case host of a normalized link.
func urlHost(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
}
