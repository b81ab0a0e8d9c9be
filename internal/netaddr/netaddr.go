// Package netaddr says which IP addresses belong to the internet at large:
// the ones worth looking up, scoring and naming as an origin.
package netaddr

import (
	"net/netip"
	"strings"
)

// special are IPv4 blocks that are not routable on the internet but that
// netip does not flag: carrier-grade NAT, IETF protocol assignments,
// benchmarking and the reserved class E.
var special = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
}

// Routable reports a globally routable unicast address: not private (RFC 1918
// or unique-local), loopback, link-local, multicast, unspecified or one of the
// special IPv4 blocks. An IPv4 address mapped into IPv6 is judged as IPv4.
func Routable(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || !ip.IsGlobalUnicast() || ip.IsPrivate() {
		return false
	}
	for _, p := range special {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// Parse reads an address as logs and headers write it: surrounding spaces and
// brackets are dropped, and so is a zone.
func Parse(s string) (netip.Addr, bool) {
	ip, err := netip.ParseAddr(strings.Trim(s, "[] \t"))
	if err != nil {
		return netip.Addr{}, false
	}
	return ip.WithZone("").Unmap(), true
}

// RoutableString reports whether s is an address and [Routable].
func RoutableString(s string) bool {
	ip, ok := Parse(s)
	return ok && Routable(ip)
}
