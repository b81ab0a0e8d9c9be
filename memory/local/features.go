package local

import (
	"math"
	"net/netip"
	"net/url"
	"strings"
	"unicode"

	"github.com/conductor-sec/conductor/internal/finding"
)

// Feature weights. Entities weigh most: two cases about the same sender
// domain are alike whatever their subjects say. Word pairs and trigrams refine
// what single words already say, so they weigh less.
const (
	wEntity   = 2.0
	wImplied  = 1.5
	wParent   = 1.0
	wTech     = 1.5
	wWord     = 1.0
	wPair     = 0.6
	wTrigrams = 0.6 // shared by all trigrams of one word
)

// maxFeatureBytes bounds the text read, so that a huge input costs a bounded
// embedding; a case document is far shorter.
const maxFeatureBytes = 64 << 10

// entityKinds are the kinds of entity keys recognised in a text.
var entityKinds = map[string]bool{
	"ip": true, "domain": true, "url": true, "hash": true, "email": true,
	"user": true, "host": true, "process": true, "file": true,
}

var stopWords = map[string]bool{
	"a": true, "an": true, "and": true, "are": true, "as": true, "at": true,
	"be": true, "by": true, "for": true, "from": true, "has": true, "have": true,
	"in": true, "is": true, "it": true, "of": true, "on": true, "or": true,
	"that": true, "the": true, "this": true, "to": true, "was": true, "with": true,
}

// stat accumulates one feature: repeats count, but sublinearly, so that a
// word said ten times does not drown the rest.
type stat struct {
	w float64
	n int
}

func (s *stat) weight() float64 { return s.w / float64(s.n) * (1 + math.Log(float64(s.n))) }

// bag collects hashed features.
type bag map[uint64]*stat

func (b bag) add(prefix byte, feature string, w float64) {
	h := fnv(prefix, feature)
	s := b[h]
	if s == nil {
		s = &stat{}
		b[h] = s
	}
	s.w += w
	s.n++
}

// features extracts the features of a text.
func features(text string) bag {
	if len(text) > maxFeatureBytes {
		text = text[:maxFeatureBytes]
	}
	b := bag{}
	var words []string
	for _, tok := range strings.Fields(text) {
		switch {
		case addEntity(b, tok):
			words = append(words, splitWords(tok[strings.IndexByte(tok, ':')+1:])...)
		case addTechnique(b, tok):
		default:
			words = append(words, splitWords(tok)...)
		}
	}
	addWords(b, words)
	return b
}

func addWords(b bag, words []string) {
	for i, w := range words {
		b.add('w', w, wWord)
		if i > 0 {
			b.add('p', words[i-1]+" "+w, wPair)
		}
		addTrigrams(b, w)
	}
}

func addTrigrams(b bag, w string) {
	r := []rune("<" + w + ">")
	n := len(r) - 2
	if n < 2 {
		return // one trigram would only repeat the word itself
	}
	each := wTrigrams / math.Sqrt(float64(n))
	for i := range n {
		b.add('c', string(r[i:i+3]), each)
	}
}

// splitWords lower-cases s and cuts it at anything but letters and digits,
// dropping stop words and single characters.
func splitWords(s string) []string {
	parts := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	out := parts[:0]
	for _, p := range parts {
		if len([]rune(p)) > 1 && !stopWords[p] {
			out = append(out, p)
		}
	}
	return out
}

// addTechnique adds an ATT&CK id and, for a sub-technique, its parent.
func addTechnique(b bag, tok string) bool {
	t := strings.ToUpper(strings.Trim(tok, ",;()[]"))
	if !finding.IsTechnique(t) {
		return false
	}
	b.add('t', t, wTech)
	if len(t) == 9 {
		b.add('t', t[:5], wParent)
	}
	return true
}

// addEntity adds an entity key and the entities it implies. It reports false
// for a token that is not "kind:value" with a known kind.
func addEntity(b bag, tok string) bool {
	kind, value, ok := strings.Cut(strings.ToLower(tok), ":")
	if !ok || value == "" || !entityKinds[kind] {
		return false
	}
	b.add('e', kind+":"+value, wEntity)
	switch kind {
	case "email":
		if _, dom, ok := strings.Cut(value, "@"); ok {
			addDomain(b, dom, wImplied)
		}
	case "url":
		addURLHost(b, value)
	case "domain", "host":
		addDomain(b, value, 0)
	case "ip":
		addNetwork(b, value)
	}
	return true
}

// addDomain adds the domain itself at weight w (none when w is zero) and its
// registrable domain.
func addDomain(b bag, dom string, w float64) {
	dom = strings.TrimSuffix(dom, ".")
	if dom == "" {
		return
	}
	if w > 0 {
		b.add('e', "domain:"+dom, w)
	}
	if reg := registrable(dom); reg != dom {
		b.add('e', "domain:"+reg, wParent)
	}
}

func addURLHost(b bag, raw string) {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return
	}
	host := u.Hostname()
	if _, err := netip.ParseAddr(host); err == nil {
		b.add('e', "ip:"+host, wImplied)
		addNetwork(b, host)
		return
	}
	addDomain(b, host, wImplied)
}

// addNetwork adds the /24 of an IPv4 address: attackers rotate through
// neighbouring addresses of one hosting range.
func addNetwork(b bag, ip string) {
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is4() {
		return
	}
	p, _ := a.Prefix(24) // cannot fail for an IPv4 address and 24 bits
	b.add('e', "net:"+p.String(), wParent)
}

// secondLevel are labels under which registries sell names (example.co.uk).
var secondLevel = map[string]bool{
	"co": true, "com": true, "net": true, "org": true, "gov": true, "ac": true,
	"edu": true, "ne": true, "or": true,
}

// registrable approximates the registrable domain: the last two labels, or
// three under a two-letter country code with a known second level. It is not
// the public suffix list, and needs not be: a miss only weakens one feature.
func registrable(dom string) string {
	labels := strings.Split(dom, ".")
	n := len(labels)
	if n <= 2 {
		return dom
	}
	keep := 2
	if len(labels[n-1]) == 2 && secondLevel[labels[n-2]] {
		keep = 3
	}
	return strings.Join(labels[n-keep:], ".")
}

// fnv is FNV-1a over a one-byte prefix, which keeps feature families apart,
// and the feature.
func fnv(prefix byte, s string) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	h = (h ^ uint64(prefix)) * prime
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * prime
	}
	return h
}
