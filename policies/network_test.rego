# Tests for network.rego: what a block may name (T3).
package conductor.guard_test

block_ip(value) := patched(isolation, {
	"tool": "firewall.block_ip",
	"args": {"ip": value},
	"targets": [{"arg": "ip", "kind": "ip", "value": value, "known": false}],
	"provenance": {"ip": "case_entity"},
})

block_domain(value) := patched(isolation, {
	"tool": "dns.block_domain",
	"args": {"domain": value},
	"targets": [{"arg": "domain", "kind": "domain", "value": value, "known": false}],
	"provenance": {"domain": "case_entity"},
})

denied_because(req, reason) if {
	d := decide(req)
	d.outcome == "deny"
	reason in d.reasons
}

test_outside_addresses_allowed if {
	every v in ["203.0.113.7", "198.51.100.0/24", "185.220.101.4", "2001:db8:1::/48", "2a00:1450::1"] {
		outcome(block_ip(v)) == "allow"
	}
}

test_protected_ranges_denied if {
	every v, range in {
		"10.1.2.3": "10.1.2.3/32 overlaps private (RFC 1918) range 10.0.0.0/8",
		"172.20.1.0/24": "172.20.1.0/24 overlaps private (RFC 1918) range 172.16.0.0/12",
		"192.168.1.0/24": "192.168.1.0/24 overlaps private (RFC 1918) range 192.168.0.0/16",
		"127.0.0.1": "127.0.0.1/32 overlaps loopback range 127.0.0.0/8",
		"169.254.10.1": "169.254.10.1/32 overlaps link-local range 169.254.0.0/16",
		"224.0.0.251": "224.0.0.251/32 overlaps multicast range 224.0.0.0/4",
		"250.1.1.1": "250.1.1.1/32 overlaps reserved range 240.0.0.0/4",
		"100.64.3.4": "100.64.3.4/32 overlaps shared address space (RFC 6598) range 100.64.0.0/10",
		"::1": "::1/128 overlaps unspecified or loopback range ::/127",
		"fe80::1": "fe80::1/128 overlaps link-local range fe80::/10",
		"ff02::1": "ff02::1/128 overlaps multicast range ff00::/8",
		"fd12:3456::1": "fd12:3456::1/128 overlaps unique local range fc00::/7",
		"::ffff:10.0.0.1": "::ffff:10.0.0.1/128 overlaps private (RFC 1918) range 10.0.0.0/8",
	} {
		denied_because(block_ip(v), range)
	}
}

# T3: a whole-internet block and other wildcards are denied, never held.
test_wildcards_denied if {
	every v in ["0.0.0.0/0", "::/0", "*", "", " ", "any", "ALL", "10.*"] {
		outcome(block_ip(v)) == "deny"
	}
	denied_because(block_ip("0.0.0.0/0"), `target ip "0.0.0.0/0" is a wildcard, not one entity`)
	denied_because(block_ip("0.0.0.0/0"), `argument ip "0.0.0.0/0" is a wildcard, not one entity`)
}

test_broad_networks_denied if {
	denied_because(block_ip("198.51.100.0/23"), `"198.51.100.0/23" is broader than a /24 network`)
	denied_because(block_ip("8.0.0.0/7"), `"8.0.0.0/7" is broader than a /24 network`)
	denied_because(block_ip("2001:db8::/32"), `"2001:db8::/32" is broader than a /48 network`)
}

test_prefix_limit_from_data if {
	d := decide(block_ip("198.51.100.0/24"))
		with data.conductor.config.block_min_prefix as {"ipv4": 28, "ipv6": 64}
	d.outcome == "deny"
}

test_allow_listed_addresses_denied if {
	denied_because(block_ip("8.8.8.8"), "8.8.8.8/32 overlaps allow-listed 8.8.8.8/32")
	denied_because(block_ip("1.1.1.0/24"), "1.1.1.0/24 overlaps allow-listed 1.1.1.1/32")
}

test_internal_flag_denied if {
	req := patched(block_ip("203.0.113.7"), {"targets": [{
		"arg": "ip", "kind": "ip", "value": "203.0.113.7", "known": true, "internal": true,
	}]})
	d := decide(req)
	d.reasons == [`ip "203.0.113.7" is internal`]
}

test_malformed_addresses_denied if {
	every v in ["not-an-ip", "300.1.1.1", "10.0.0.0/33", "1.2.3.4/x"] {
		denied_because(block_ip(v), sprintf("%q is not an IP address or network", [v]))
	}
}

test_outside_domains_allowed if {
	every v in ["evil-login.com", "Evil-Login.COM.", "microsoft.com.evil.net", "xn--pypal-4ve.com"] {
		outcome(block_domain(v)) == "allow"
	}
}

test_bad_domains_denied if {
	denied_because(block_domain("*.com"), `target domain "*.com" is a wildcard, not one entity`)
	denied_because(block_domain("com"), `"com" is not a domain name of two labels or more`)
	url := "http://evil.com/x"
	denied_because(block_domain(url), sprintf("%q is not a domain name of two labels or more", [url]))
	sub := "login.microsoft.com"
	denied_because(block_domain(sub), sprintf("%q is allow-listed (microsoft.com)", [sub]))
	denied_because(block_domain("Microsoft.com"), `"microsoft.com" is allow-listed (microsoft.com)`)
	denied_because(block_domain("printer.local"), `"printer.local" is an internal name (.local)`)
}

test_internal_domain_denied if {
	req := patched(block_domain("corp.example"), {"targets": [{
		"arg": "domain", "kind": "domain", "value": "corp.example", "known": true, "internal": true,
	}]})
	denied_because(req, `domain "corp.example" is internal`)
}

test_nested_wildcard_argument_denied if {
	req := patched(isolation, {
		"args": {"hosts": ["ws-042", "*"]},
		"provenance": {"hosts": "case_entity"},
	})
	denied_because(req, `argument hosts "*" is a wildcard, not one entity`)
}

test_free_text_argument_may_hold_stars if {
	req := patched(isolation, {"args": {"note": "**urgent**"}})
	outcome(req) == "allow"
}

# A mail subject is matched exactly, and phishing subjects are full of stars
# and words like "All": quarantining "*** URGENT ***" is not a wildcard.
test_quarantine_subject_may_hold_stars if {
	every subject in ["*** URGENT: verify your account ***", "All", "any"] {
		req := patched(isolation, {
			"tool": "mail.quarantine",
			"args": {"sender": "it-support@rnicrosoft-secure.com", "subject": subject},
			"targets": [{
				"arg": "sender", "kind": "email", "known": true,
				"value": "it-support@rnicrosoft-secure.com",
			}],
			"provenance": {"sender": "case_entity"},
		})
		outcome(req) == "allow"
	}
}

# IPv4 written as IPv6: IPv4-mapped (::ffff:0:0/96) and NAT64 (64:ff9b::/96)
# networks are judged by the IPv4 limit, counted from bit 96 (a /24 is a /120).
test_ipv4_written_as_ipv6_broad_networks_denied if {
	every v, name in {
		"::ffff:32.0.0.0/99": "IPv4-mapped, ::ffff:0:0/96",
		"::ffff:2000:0/99": "IPv4-mapped, ::ffff:0:0/96",
		"::ffff:0:0/96": "IPv4-mapped, ::ffff:0:0/96",
		"::ffff:10.0.0.0/104": "IPv4-mapped, ::ffff:0:0/96",
		"::ffff:203.0.113.0/119": "IPv4-mapped, ::ffff:0:0/96",
		"64:ff9b::/96": "NAT64, 64:ff9b::/96",
		"64:ff9b::a00:0/104": "NAT64, 64:ff9b::/96",
		"64:ff9b::203.0.113.0/119": "NAT64, 64:ff9b::/96",
	} {
		d := decide(block_ip(v))
		d.outcome == "deny"
		d.reasons == [sprintf(
			"%q is an IPv4 network written as IPv6 (%s) and is broader than the IPv4 limit of a /24 (/120 as IPv6)",
			[v, name],
		)]
	}
}

# A network around a whole IPv4-in-IPv6 range, narrow enough as IPv6, holds
# all of IPv4. (The built-ins alone say ::fffe:0:0/95 holds no IPv4-mapped
# address.)
test_networks_around_ipv4_in_ipv6_denied if {
	every v, name in {
		"::fffe:0:0/95": "IPv4-mapped, ::ffff:0:0/96",
		"::ffff:0:0/95": "IPv4-mapped, ::ffff:0:0/96",
		"64:ff9b::/64": "NAT64, 64:ff9b::/96",
		"64:ff9b::/48": "NAT64, 64:ff9b::/96",
	} {
		d := decide(block_ip(v))
		d.outcome == "deny"
		d.reasons == [sprintf(
			"%q holds IPv4 networks written as IPv6 (%s) and is broader than the IPv4 limit of a /24 (/120 as IPv6)",
			[v, name],
		)]
	}
	d := decide(block_ip("::/1"))
	d.outcome == "deny"
	d.reasons == [concat("", [
		`"::/1" holds IPv4 networks written as IPv6 (IPv4-mapped, ::ffff:0:0/96; `,
		`NAT64, 64:ff9b::/96; IPv4-translated (RFC 2765), ::ffff:0:0:0/96; `,
		`IPv4-compatible (deprecated), ::/96) and is broader than the IPv4 limit of a /24 `,
		`(/120 as IPv6)`,
	])]
}

test_ipv4_in_ipv6_limit_from_data if {
	d := decide(block_ip("64:ff9b::cb00:7100/120"))
		with data.conductor.config.block_min_prefix as {"ipv4": 28, "ipv6": 48}
	d.reasons == [`"64:ff9b::cb00:7100/120" is an IPv4 network written as IPv6 (NAT64, 64:ff9b::/96) and is broader than the IPv4 limit of a /28 (/124 as IPv6)`]
	outcome(block_ip("64:ff9b::cb00:7100/124"))
		with data.conductor.config.block_min_prefix as {"ipv4": 28, "ipv6": 48} == "allow"
}

# The built-ins read an IPv4-mapped address as the IPv4 one, so the usual
# overlap rules deny these; NAT64 ones are checked through their IPv4 part.
test_ipv4_in_ipv6_protected_denied if {
	every v, reason in {
		"::ffff:10.0.0.1": "::ffff:10.0.0.1/128 overlaps private (RFC 1918) range 10.0.0.0/8",
		"::ffff:a00:1": "::ffff:a00:1/128 overlaps private (RFC 1918) range 10.0.0.0/8",
		"::ffff:10.1.2.0/120": "::ffff:10.1.2.0/120 overlaps private (RFC 1918) range 10.0.0.0/8",
		"::ffff:127.0.0.1": "::ffff:127.0.0.1/128 overlaps loopback range 127.0.0.0/8",
		"64:ff9b::a00:1": "64:ff9b::a00:1/128 overlaps private (RFC 1918) range 10.0.0.0/8, written as NAT64 64:ff9b::10.0.0.0/104",
		"64:ff9b::10.0.0.1": "64:ff9b::10.0.0.1/128 overlaps private (RFC 1918) range 10.0.0.0/8, written as NAT64 64:ff9b::10.0.0.0/104",
		"64:ff9b:0:0:0:0:c0a8:101": "64:ff9b:0:0:0:0:c0a8:101/128 overlaps private (RFC 1918) range 192.168.0.0/16, written as NAT64 64:ff9b::192.168.0.0/112",
		"64:ff9b::10.1.2.0/120": "64:ff9b::10.1.2.0/120 overlaps private (RFC 1918) range 10.0.0.0/8, written as NAT64 64:ff9b::10.0.0.0/104",
		"64:ff9b::c000:0/120": "64:ff9b::c000:0/120 overlaps IETF protocol assignments range 192.0.0.0/24, written as NAT64 64:ff9b::192.0.0.0/120",
		"64:ff9b::a9fe:101": "64:ff9b::a9fe:101/128 overlaps link-local range 169.254.0.0/16, written as NAT64 64:ff9b::169.254.0.0/112",
	} {
		d := decide(block_ip(v))
		d.outcome == "deny"
		d.reasons == [reason]
	}
}

test_ipv4_in_ipv6_allow_listed_denied if {
	every v, reason in {
		"::ffff:8.8.8.8": "::ffff:8.8.8.8/128 overlaps allow-listed 8.8.8.8/32",
		"::ffff:1.1.1.0/120": "::ffff:1.1.1.0/120 overlaps allow-listed 1.1.1.1/32",
		"64:ff9b::808:808": "64:ff9b::808:808/128 overlaps allow-listed 8.8.8.8/32, written as NAT64 64:ff9b::8.8.8.8/128",
		"64:ff9b::1.1.1.0/120": "64:ff9b::1.1.1.0/120 overlaps allow-listed 1.1.1.1/32, written as NAT64 64:ff9b::1.1.1.1/128",
	} {
		d := decide(block_ip(v))
		d.outcome == "deny"
		d.reasons == [reason]
	}
}

# An outside IPv4 address or /24 written as IPv6 is blocked as it was, and
# ordinary IPv6 keeps the IPv6 limit.
test_outside_ipv4_in_ipv6_allowed if {
	every v in [
		"::ffff:203.0.113.7", "::ffff:cb00:7107", "::ffff:203.0.113.0/120",
		"64:ff9b::203.0.113.7", "64:ff9b::cb00:7107", "64:ff9b::cb00:7100/120",
		"64:ff9b:0:1::/64", "2001:db8:1::/48",
	] {
		outcome(block_ip(v)) == "allow"
	}
}

# The list comes from data: without the NAT64 entry, its addresses are
# ordinary IPv6.
test_ipv4_in_ipv6_from_data if {
	outcome(block_ip("64:ff9b::a00:1"))
		with data.conductor.config.ipv4_in_ipv6 as [["::ffff:0:0/96", "IPv4-mapped"]] == "allow"
	d := decide(block_ip("2001:db8:64::10.0.0.1"))
		with data.conductor.config.ipv4_in_ipv6 as [["2001:db8:64::/96", "NAT64 (ours)"]]
	d.reasons == ["2001:db8:64::10.0.0.1/128 overlaps private (RFC 1918) range 10.0.0.0/8, written as NAT64 (ours) 2001:db8:64::10.0.0.0/104"]
}

test_address_as_domain_denied if {
	every v in ["10.0.0.1", "1.2.3.4", "::1", "10.0.0.0/8"] {
		denied_because(block_domain(v), sprintf("%q is an IP address, not a domain name", [v]))
	}
}

test_public_suffix_denied if {
	req := patched(block_domain("github.io"), {"targets": [{
		"arg": "domain", "kind": "domain", "value": "github.io", "known": true,
		"public_suffix": true,
	}]})
	denied_because(req, `"github.io" is a public suffix: blocking it blocks every domain under it`)
}

# Lifting a block is never what cuts the organisation off: unblocking an
# allow-listed address, a public suffix or an internal range runs.
test_unblocks_are_not_judged_as_blocks if {
	every req in [
		patched(block_ip("8.8.8.8"), {"tool": "firewall.unblock_ip", "lifts": true}),
		patched(block_ip("10.0.0.0/8"), {"tool": "firewall.unblock_ip", "lifts": true}),
		patched(block_domain("co.uk"), {
			"tool": "firewall.unblock_domain", "lifts": true,
			"targets": [{
				"arg": "domain", "kind": "domain", "value": "co.uk", "known": true,
				"public_suffix": true,
			}],
		}),
	] {
		outcome(req) == "allow"
	}
}

test_unblock_of_a_wildcard_denied if {
	req := patched(block_ip("0.0.0.0/0"), {"tool": "firewall.unblock_ip", "lifts": true})
	denied_because(req, `target ip "0.0.0.0/0" is a wildcard, not one entity`)
}

# The rarer ways to write IPv4 as IPv6 are judged as the IPv4 they carry too.
test_rare_ipv4_in_ipv6_forms_denied if {
	every v in ["::ffff:0:a00:1", "::10.0.0.1", "::ffff:0:10.0.0.1", "::a00:1"] {
		decide(block_ip(v)).outcome == "deny"
	}
}

test_rare_ipv4_in_ipv6_outside_allowed if {
	every v in ["::ffff:0:cb00:7107", "::203.0.113.7"] {
		outcome(block_ip(v)) == "allow"
	}
}
