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
