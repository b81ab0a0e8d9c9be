package lab

import (
	"fmt"
	"net/netip"
	"strings"
)

// parseNetwork parses an IP address or a CIDR network. It refuses anything
// else, including a network with host bits set, whose meaning is ambiguous.
// Breadth ("0.0.0.0/0") is the policy's business, not the parser's.
func parseNetwork(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR network", s)
		}
		if p != p.Masked() {
			return netip.Prefix{}, fmt.Errorf("%s has host bits set; did you mean %s or %s?",
				s, p.Masked(), p.Addr())
		}
		return p, nil
	}

	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR network", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// networkString renders a single-address prefix as the bare address.
func networkString(p netip.Prefix) string {
	if p.IsSingleIP() {
		return p.Addr().String()
	}
	return p.String()
}

// normalizeDomain lowercases a DNS name and checks its shape: two or more
// labels of letters, digits and inner dashes, no wildcard, not an address.
func normalizeDomain(s string) (string, error) {
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
	if d == "" || len(d) > 253 {
		return "", fmt.Errorf("%q is not a domain name", s)
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return "", fmt.Errorf("%q is not a domain name: it needs a dot, like example.com", s)
	}
	for _, l := range labels {
		if !validLabel(l) {
			return "", fmt.Errorf("%q is not a domain name: label %q is invalid", s, l)
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return "", fmt.Errorf("%q is an address, not a domain name", s)
	}
	return d, nil
}

func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for _, c := range l {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// checkEmail checks the shape of an e-mail address: local@domain.
func checkEmail(s string) error {
	local, domain, ok := cutLast(s, "@")
	if !ok || local == "" || len(local) > 64 || strings.ContainsAny(local, " \t@<>\"\\") {
		return fmt.Errorf("%q is not an e-mail address", s)
	}
	if _, err := normalizeDomain(domain); err != nil {
		return fmt.Errorf("%q is not an e-mail address: %w", s, err)
	}
	return nil
}

// cutLast splits s around the last sep.
func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}
