package ingest

import (
	"net/netip"
	"strings"

	"github.com/conductor-sec/conductor/internal/finding"
	"github.com/conductor-sec/conductor/internal/ingest/email"
)

// maxTextObservables caps what one description can contribute, so a hostile alert
// cannot flood correlation with thousands of addresses.
const maxTextObservables = 32

// textObservables picks IPv4 addresses and http(s) URLs out of free text. They are
// marked [finding.OriginText]: the text is untrusted and may name anything.
func (b *builder) textObservables(s string) {
	if s == "" {
		return
	}
	n := b.textURLs(s, maxTextObservables)
	b.textIPs(s, maxTextObservables-n)
}

func (b *builder) textURLs(s string, limit int) int {
	n := 0
	for i := strings.Index(s, "://"); i >= 0 && n < limit; {
		if start := schemeStart(s, i); start >= 0 {
			end := i + 3
			for end < len(s) && !strings.ContainsRune(" \t\r\n\"'<>`", rune(s[end])) {
				end++
			}
			u := email.TrimLinkEnd(s[start:end])
			if len(u) > len(s[start:i+3]) && !b.has(finding.KindURL, u) {
				b.observable(finding.KindURL, u, "", finding.OriginText)
				n++
			}
		}
		next := strings.Index(s[i+3:], "://")
		if next < 0 {
			break
		}
		i += 3 + next
	}
	return n
}

// schemeStart returns where "http" or "https" begins before the "://" at i, or -1.
func schemeStart(s string, i int) int {
	for _, scheme := range []string{"https", "http"} {
		start := i - len(scheme)
		if start >= 0 && strings.EqualFold(s[start:i], scheme) {
			return start
		}
	}
	return -1
}

func (b *builder) textIPs(s string, limit int) {
	n := 0
	for i := 0; i < len(s) && n < limit; i++ {
		if !isDigit(s[i]) || i > 0 && (isDigit(s[i-1]) || s[i-1] == '.' || isLetter(s[i-1])) {
			continue
		}
		end := i
		for end < len(s) && end-i < 16 && (isDigit(s[end]) || s[end] == '.') {
			end++
		}
		run := strings.TrimRight(s[i:end], ".")
		i = end
		if strings.Count(run, ".") != 3 {
			continue
		}
		if ip, err := netip.ParseAddr(run); err == nil && ip.Is4() && !b.has(finding.KindIP, run) {
			b.observable(finding.KindIP, run, "", finding.OriginText)
			n++
		}
	}
}

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }
