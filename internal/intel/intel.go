// Package intel holds local threat-intelligence indicator sets and answers
// "is this value known bad?" for the enrichment stage.
//
// A [Set] is filled from files (STIX 2.1 bundles, MISP events, CSV lists; see
// [Set.LoadFile]) or from the small embedded demo set ([Defaults]). Values are
// normalized on the way in and on lookup (see [Normalize]), so "EVIL.example."
// and "evil.example" are the same domain. Expired indicators are kept and
// flagged rather than dropped: an analyst may still want to know that an
// address was a C2 server last year.
//
// # STIX bundles
//
// Each indicator's pattern is parsed ([ParsePattern]) and every equality
// (= or IN, not negated) on a supported path becomes an indicator; other
// comparisons are ignored:
//
//	ipv4-addr:value, ipv6-addr:value              ip (CIDR allowed)
//	domain-name:value                             domain
//	url:value                                     url
//	email-addr:value, email-message:from_ref.value,
//	email-message:sender_ref.value                email
//	file:hashes.X, artifact:hashes.X              hash (X an MD5 or SHA name)
//
// The threat name comes from an "indicates" relationship to a malware,
// threat actor, intrusion set, campaign, tool, infrastructure or attack
// pattern (in that preference), else the indicator's name. Confidence,
// valid_until, revoked, indicator_types, labels and TLP markings are kept;
// the source is the creating identity's name. Patterns of other types
// (sigma, yara, snort) are skipped.
//
// # MISP events
//
// Event attributes and object attributes alike: ip-src/ip-dst (and |port),
// domain, hostname (and |port), domain|ip, url, md5 … sha512,
// filename|hash (split on "|"), email, email-src, email-dst,
// email-reply-to. A link is a reference to read, not a bad URL, and is
// skipped, as are deleted attributes. Confidence follows threat_level_id
// (1 high 90, 2 medium 70, 3 low 50); attributes not meant for detection
// (to_ids false) get half and the tag "to_ids:false". Tags are the event's
// and the attribute's; the threat name is the first galaxy cluster, else
// the event's info; the source is the creating organisation.
//
// # CSV files
//
// A .csv file starts with a header naming its columns, in any order:
//
//	type,value,threat,confidence,source,tags,valid_until
//	domain,rnicrosoft-secure.com,Credential phishing,90,conductor-demo,phishing;homoglyph
//
// Only value is required. type is ip, domain, url, hash or email (a few
// aliases such as ipv4, cidr, hostname, sha256 are accepted) and is guessed
// from the value when empty (see [InferKind]); confidence is 0-100 and
// defaults to [DefaultConfidence]; source defaults to the file name; tags
// are separated by ";"; valid_until is RFC 3339 or YYYY-MM-DD. Lines
// starting with "#" are comments. A file with a single column and no header
// is a plain list of values, one a line, each kind guessed.
//
// Everything read from an intel file is data from outside: names and threat
// labels are shown to analysts and planners, never followed as instructions.
package intel

import (
	"errors"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/conductor-sec/conductor/internal/finding"
)

// The indicator kinds a [Set] stores and answers for. They are the same
// strings as the matching [finding.Kind] values.
const (
	KindIP     = string(finding.KindIP)
	KindDomain = string(finding.KindDomain)
	KindURL    = string(finding.KindURL)
	KindHash   = string(finding.KindHash)
	KindEmail  = string(finding.KindEmail)
)

// DefaultConfidence is the confidence given to an indicator whose source
// states none.
const DefaultConfidence = 50

// Errors callers may branch on.
var (
	// ErrUnsupported reports a file that is not a format this package reads.
	ErrUnsupported = errors.New("unsupported intel format")
	// ErrTooLarge reports a file over the size cap.
	ErrTooLarge = errors.New("intel file too large")
	// ErrInvalid reports a value that does not normalize for its kind.
	ErrInvalid = errors.New("invalid indicator value")
	// ErrUnknownKind reports a kind other than ip, domain, url, hash, email.
	ErrUnknownKind = errors.New("unknown indicator kind")
	// ErrPattern reports a STIX pattern that does not parse.
	ErrPattern = errors.New("invalid stix pattern")
	// ErrSkipped reports a file that loaded only in part: some entries were
	// skipped, each named in the error text.
	ErrSkipped = errors.New("entries skipped")
)

// Indicator is one known-bad value with what the source said about it.
type Indicator struct {
	// Kind is ip, domain, url, hash or email.
	Kind string `json:"kind"`
	// Value is normalized (see [Normalize]); an ip indicator may be a CIDR
	// prefix such as "223.166.0.0/15".
	Value string `json:"value"`
	// Threat names what the value is evidence of: the malware, actor or
	// campaign the source links it to, else the source's own title for it.
	Threat string `json:"threat,omitempty"`
	// Name is the source's title for the indicator or its event.
	Name string `json:"name,omitempty"`
	// Source is who published it: a STIX identity, a MISP organisation, a CSV
	// source column, else the file name.
	Source string `json:"source"`
	// Confidence is 0-100; [DefaultConfidence] when the source gives none.
	Confidence int `json:"confidence"`
	// Tags are sorted and unique: indicator types, labels, "tlp:…", MISP tags.
	Tags []string `json:"tags,omitempty"`
	// ValidUntil is zero when the source sets no end.
	ValidUntil time.Time `json:"valid_until,omitzero"`
	// Expired is set when ValidUntil has passed or the source revoked it.
	Expired bool `json:"expired,omitempty"`
	// Ref points back at the original: "file#stix-or-misp-id" or "file:line".
	Ref string `json:"ref,omitempty"`
}

// Match is an indicator that a looked-up value hit.
type Match struct {
	Indicator
	// Matched is the normalized value that hit: the value looked up, or the
	// domain of a looked-up URL or e-mail address, or a parent domain.
	Matched string `json:"matched"`
}

// Set is an in-memory indicator set. It is safe for concurrent reads;
// loading while others read is safe too, but callers usually load once.
type Set struct {
	mu    sync.RWMutex
	exact map[key][]Indicator
	// nets holds CIDR indicators by prefix length, so an IP lookup masks the
	// address once per length present instead of scanning every prefix.
	nets map[int]map[netip.Prefix][]Indicator
	bits []int // the prefix lengths present, longest first
	n    int
	now  func() time.Time
}

// key indexes exact values.
type key struct{ kind, value string }

// New returns an empty set.
func New() *Set {
	return &Set{
		exact: map[key][]Indicator{},
		nets:  map[int]map[netip.Prefix][]Indicator{},
		now:   time.Now,
	}
}

// Len returns the number of distinct indicators held.
func (s *Set) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.n
}

// Add stores ind after normalizing its value. An indicator whose value does
// not normalize for its kind is dropped; check with [Normalize] first when
// that matters. Adding the same kind, value, source and threat again merges
// the two: the higher confidence wins and tags are united.
func (s *Set) Add(ind Indicator) {
	_ = s.add(ind)
}

func (s *Set) add(ind Indicator) error {
	v, err := Normalize(ind.Kind, ind.Value)
	if err != nil {
		return err
	}
	ind.Value = v
	ind.Confidence = min(max(ind.Confidence, 0), 100)
	ind.Tags = cleanTags(ind.Tags)
	if !ind.ValidUntil.IsZero() && s.now().After(ind.ValidUntil) {
		ind.Expired = true
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if ind.Kind == KindIP && strings.Contains(v, "/") {
		s.addNet(ind)
		return nil
	}
	k := key{ind.Kind, v}
	list, added := merge(s.exact[k], ind)
	s.exact[k] = list
	if added {
		s.n++
	}
	return nil
}

func (s *Set) addNet(ind Indicator) {
	p := netip.MustParsePrefix(ind.Value)
	byLen := s.nets[p.Bits()]
	if byLen == nil {
		byLen = map[netip.Prefix][]Indicator{}
		s.nets[p.Bits()] = byLen
		s.bits = append(s.bits, p.Bits())
		sort.Sort(sort.Reverse(sort.IntSlice(s.bits)))
	}
	list, added := merge(byLen[p], ind)
	byLen[p] = list
	if added {
		s.n++
	}
}

// merge folds ind into list, reporting whether it was new. The copy with
// the higher confidence keeps its fields (a MISP hash listed once for
// detection and once not keeps the detection copy's tags); equal copies
// unite their tags. The merged one expires only when both would.
func merge(list []Indicator, ind Indicator) ([]Indicator, bool) {
	for i, old := range list {
		if old.Source != ind.Source || old.Threat != ind.Threat {
			continue
		}
		m := old
		switch {
		case ind.Confidence > old.Confidence:
			m = ind
		case ind.Confidence == old.Confidence:
			m.Tags = cleanTags(append(slices.Clone(old.Tags), ind.Tags...))
		}
		m.ValidUntil = laterEnd(old.ValidUntil, ind.ValidUntil)
		m.Expired = old.Expired && ind.Expired
		list[i] = m
		return list, false
	}
	return append(list, ind), true
}

// laterEnd returns the later of two validity ends, zero meaning none.
func laterEnd(a, b time.Time) time.Time {
	if a.IsZero() || b.IsZero() {
		return time.Time{}
	}
	if b.After(a) {
		return b
	}
	return a
}

func cleanTags(tags []string) []string {
	var out []string
	for _, t := range tags {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// Lookup returns the indicators value hits. kind is ip, domain, url, hash or
// email; an unknown kind or a value that does not normalize hits nothing.
//
// Beyond the exact value: an IP also hits CIDR indicators that contain it; a
// domain also hits indicators on its parent domains (a listed evil.example
// covers login.evil.example); a URL also hits its host as a domain or IP; an
// e-mail address also hits its domain. Results come exact value first, then
// the wider ones, in load order within each.
func (s *Set) Lookup(kind, value string) []Match {
	v, err := Normalize(kind, value)
	if err != nil {
		return nil
	}

	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Match
	switch kind {
	case KindIP:
		out = s.lookupIP(v)
	case KindDomain:
		out = s.lookupDomain(v)
	case KindURL:
		out = s.lookupURL(v)
	case KindEmail:
		out = s.lookupEmail(v)
	default:
		out = s.lookupExact(kind, v)
	}
	return out
}

func (s *Set) lookupExact(kind, v string) []Match {
	var out []Match
	for _, ind := range s.exact[key{kind, v}] {
		out = append(out, s.match(ind, v))
	}
	return out
}

func (s *Set) match(ind Indicator, matched string) Match {
	if !ind.ValidUntil.IsZero() && s.now().After(ind.ValidUntil) {
		ind.Expired = true
	}
	ind.Tags = slices.Clone(ind.Tags)
	return Match{Indicator: ind, Matched: matched}
}

func (s *Set) lookupIP(v string) []Match {
	out := s.lookupExact(KindIP, v)
	addr, err := netip.ParseAddr(v)
	if err != nil {
		return out
	}
	for _, bits := range s.bits {
		if bits > addr.BitLen() {
			continue
		}
		p, err := addr.Prefix(bits)
		if err != nil {
			continue
		}
		for _, ind := range s.nets[bits][p] {
			out = append(out, s.match(ind, v))
		}
	}
	return out
}

func (s *Set) lookupDomain(v string) []Match {
	out := s.lookupExact(KindDomain, v)
	for d := parentDomain(v); d != ""; d = parentDomain(d) {
		out = append(out, s.lookupExact(KindDomain, d)...)
	}
	return out
}

// parentDomain drops the first label, returning "" once only a single label
// would remain: a bare top-level domain is never an indicator.
func parentDomain(d string) string {
	i := strings.IndexByte(d, '.')
	if i < 0 || !strings.Contains(d[i+1:], ".") {
		return ""
	}
	return d[i+1:]
}

func (s *Set) lookupURL(v string) []Match {
	out := s.lookupExact(KindURL, v)
	host := urlHost(v)
	if _, err := netip.ParseAddr(host); err == nil {
		return append(out, s.lookupIP(host)...)
	}
	return append(out, s.lookupDomain(host)...)
}

func (s *Set) lookupEmail(v string) []Match {
	out := s.lookupExact(KindEmail, v)
	at := strings.LastIndexByte(v, '@')
	return append(out, s.lookupDomain(v[at+1:])...)
}
