package intel

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Normalize returns the canonical form of value for kind, the form a [Set]
// stores and looks up:
//
//   - ip: the canonical address (netip), IPv4-mapped IPv6 unmapped, zone
//     dropped; a CIDR prefix is masked ("10.1.2.3/8" is "10.0.0.0/8"), and a
//     full-length prefix becomes a plain address.
//   - domain: lower case, trailing dot and a leading "*." removed; at least
//     two labels, and not an IP address.
//   - url: scheme and host lower case, default port and fragment dropped,
//     empty path "/"; a value without "://" is read as http. The host must
//     be a domain or an IP address.
//   - hash: lower-case hex of an MD5, SHA-1, SHA-224, SHA-256, SHA-384 or
//     SHA-512 length.
//   - email: lower case, "mailto:" and angle brackets removed, domain as for
//     domain.
//
// Defanged forms common in feeds ("hxxp://", "evil[.]example") are refanged
// first.
func Normalize(kind, value string) (string, error) {
	v := refang(strings.TrimSpace(value))
	var out string
	var ok bool
	switch kind {
	case KindIP:
		out, ok = normIP(v)
	case KindDomain:
		out, ok = normDomain(v)
	case KindURL:
		out, ok = normURL(v)
	case KindHash:
		out, ok = normHash(v)
	case KindEmail:
		out, ok = normEmail(v)
	default:
		return "", fmt.Errorf("kind %q: %w", kind, ErrUnknownKind)
	}
	if !ok {
		return "", fmt.Errorf("%s %q: %w", kind, clip(value), ErrInvalid)
	}
	return out, nil
}

var refanger = strings.NewReplacer(
	"[.]", ".", "(.)", ".", "{.}", ".", "[dot]", ".",
	"[:]", ":", "[@]", "@", "[at]", "@",
)

func refang(v string) string {
	if strings.ContainsAny(v, "[({") {
		v = refanger.Replace(v)
	}
	low := strings.ToLower(v)
	switch {
	case strings.HasPrefix(low, "hxxps://"):
		return "https://" + v[len("hxxps://"):]
	case strings.HasPrefix(low, "hxxp://"):
		return "http://" + v[len("hxxp://"):]
	}
	return v
}

// clip keeps error messages short when a feed carries a huge value.
func clip(v string) string {
	const limit = 80
	if len(v) <= limit {
		return v
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return v[:cut] + "…"
}

func normIP(v string) (string, bool) {
	v = strings.TrimSuffix(strings.TrimPrefix(v, "["), "]")
	if strings.Contains(v, "/") {
		return normPrefix(v)
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		return "", false
	}
	return a.WithZone("").Unmap().String(), true
}

func normPrefix(v string) (string, bool) {
	p, err := netip.ParsePrefix(v)
	if err != nil {
		return "", false
	}
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	p = p.Masked()
	if p.IsSingleIP() {
		return p.Addr().String(), true
	}
	return p.String(), true
}

func normDomain(v string) (string, bool) {
	v = strings.TrimSuffix(strings.ToLower(v), ".")
	v = strings.TrimPrefix(v, "*.")
	if len(v) > 253 || strings.Count(v, ".") < 1 {
		return "", false
	}
	labels := strings.Split(v, ".")
	for _, l := range labels {
		if !validLabel(l) {
			return "", false
		}
	}
	if allDigits(labels[len(labels)-1]) {
		return "", false // an IPv4 address or a truncated one, not a name
	}
	return v, true
}

func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for _, r := range l {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' ||
			r >= 0x80 && r != utf8.RuneError
		if !ok {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

var defaultPorts = map[string]string{"http": "80", "https": "443", "ftp": "21"}

func normURL(v string) (string, bool) {
	if !strings.Contains(v, "://") {
		if hasOtherScheme(v) {
			return "", false // mailto:, javascript:, data: are no web addresses
		}
		v = "http://" + v
	}
	u, err := url.Parse(v)
	if err != nil || u.Opaque != "" || u.Scheme == "" {
		return "", false
	}
	u.Scheme = strings.ToLower(u.Scheme)
	host, ok := normHost(u.Hostname())
	if !ok {
		return "", false
	}
	port := u.Port()
	if port == defaultPorts[u.Scheme] {
		port = ""
	}
	u.Host = joinHostPort(host, port)
	u.Fragment, u.RawFragment = "", ""
	if u.Path == "" {
		u.Path, u.RawPath = "/", ""
	}
	return u.String(), true
}

// hasOtherScheme reports whether a value without "://" still starts with a
// scheme, as in mailto:x@example.com, rather than a host and port.
func hasOtherScheme(v string) bool {
	u, err := url.Parse(v)
	if err != nil || u.Scheme == "" || u.Opaque == "" {
		return false
	}
	port, _, _ := strings.Cut(u.Opaque, "/")
	return !allDigits(port)
}

func normHost(h string) (string, bool) {
	if a, err := netip.ParseAddr(h); err == nil {
		return a.WithZone("").Unmap().String(), true
	}
	return normDomain(h)
}

func joinHostPort(host, port string) string {
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port == "" {
		return host
	}
	return host + ":" + port
}

// urlHost returns the host of a URL already normalized by normURL.
func urlHost(v string) string {
	u, err := url.Parse(v)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

var hashLengths = map[int]bool{32: true, 40: true, 56: true, 64: true, 96: true, 128: true}

func normHash(v string) (string, bool) {
	v = strings.ToLower(v)
	if !hashLengths[len(v)] {
		return "", false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return "", false
		}
	}
	return v, true
}

func normEmail(v string) (string, bool) {
	v = strings.TrimSuffix(strings.TrimPrefix(strings.ToLower(v), "<"), ">")
	v = strings.TrimPrefix(v, "mailto:")
	at := strings.LastIndexByte(v, '@')
	if at <= 0 || at > 64 {
		return "", false
	}
	local := v[:at]
	if strings.ContainsAny(local, " \t\r\n<>@,;") {
		return "", false
	}
	domain, ok := normDomain(v[at+1:])
	if !ok {
		return "", false
	}
	return local + "@" + domain, true
}
