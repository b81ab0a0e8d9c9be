# Blocks must name one outside address or domain. Internal, loopback, private,
# link-local, multicast and reserved ranges, anything broader than a /24 (IPv4)
# or /48 (IPv6), allow-listed addresses and domains, and wildcards are denied:
# blocking them would cut the organisation off from itself or the world (T3).
# IPv4 written as IPv6 (IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::a.b.c.d) is
# judged as the IPv4 it names.
#
# The rules on IP targets run only for actions that name one, and the overlap
# checks test every listed range in one net.cidr_contains_matches call.
package conductor.guard

import data.conductor.config

# Wildcards, on any target and on any argument of a change: empty, a star
# anywhere, or a word or network meaning everything (wildcard_pattern).
wildcard_pattern := `^\s*$|\*|^\s*(?i:any|all|0/0|0\.0\.0\.0/0|::/0)\s*$`

deny_reasons contains sprintf("target %s %q is a wildcard, not one entity", [arg, v]) if {
	some t in input.targets
	v := object.get(t, "value", "")
	regex.match(wildcard_pattern, v)
	arg := object.get(t, "arg", "?")
}

change_denies contains sprintf("argument %s %q is a wildcard, not one entity", [name, v]) if {
	walk(input.args, [path, v])
	is_string(v)
	name := path[0]
	regex.match(wildcard_pattern, v)
	not name in config.free_text_args
}

# Addresses and networks. Every rule here starts from an "ip" target, so
# an action without one costs a glance at its targets.

# as_cidr turns a bare address into a one-address network so every check can
# use the net.cidr_* built-ins.
as_cidr(v) := v if {
	contains(v, "/")
} else := concat("", [v, "/128"]) if {
	contains(v, ":")
} else := concat("", [v, "/32"])

# A wildcard is denied above with the clearer reason.
change_denies_on.ip contains sprintf("%q is not an IP address or network", [t.value]) if {
	some t in input.targets
	t.kind == "ip"
	not net.cidr_is_valid(as_cidr(t.value))
	not regex.match(wildcard_pattern, t.value)
}

change_denies_on.ip contains broad_reason(t.value) if {
	some t in input.targets
	t.kind == "ip"
	not narrow_blocks[t.value]
	net.cidr_is_valid(t.value)
	not regex.match(wildcard_pattern, t.value)
}

# A network written as IPv6 inside one of ipv4_in_ipv6 (::ffff:0:0/96,
# 64:ff9b::/96) names IPv4 addresses, so the IPv4 limit holds, counted from
# bit 96 (min_prefix): ::ffff:32.0.0.0/99 is 32.0.0.0/3 and 64:ff9b::/96 is
# all of IPv4. A network around one (64:ff9b::/64) holds all of IPv4 and is
# broader still.
broad_reason(cidr) := msg if {
	ranges := concat("; ", [sprintf("%s, %s", [name, range]) |
		contains(cidr, ":")
		some [range, name] in config.ipv4_in_ipv6
		ipv4_range_overlap(cidr, range)
	])
	ranges != ""
	what := {true: "is an IPv4 network", false: "holds IPv4 networks"}[prefix_of(cidr) >= 96]
	msg := sprintf(
		"%q %s written as IPv6 (%s) and is broader than the IPv4 limit of a /%v (/%v as IPv6)",
		[cidr, what, ranges, config.block_min_prefix.ipv4, 96 + config.block_min_prefix.ipv4],
	)
} else := sprintf("%q is broader than a /%v network", [cidr, min_prefix(cidr)])

min_prefix(cidr) := config.block_min_prefix.ipv4 if {
	not contains(cidr, ":")
} else := 96 + config.block_min_prefix.ipv4 if {
	ipv4_as_ipv6(cidr)
} else := config.block_min_prefix.ipv6

prefix_of(cidr) := to_number(split(cidr, "/")[1])

# ipv4_as_ipv6(cidr): the valid network cidr, written as IPv6, lies inside or
# around one of the ipv4_in_ipv6 ranges. (A value without a colon is IPv4,
# which the built-ins count as inside ::ffff:0:0/96.)
ipv4_as_ipv6(cidr) if {
	contains(cidr, ":")
	some [range, _] in config.ipv4_in_ipv6
	ipv4_range_overlap(cidr, range)
}

ipv4_range_overlap(cidr, range) if {
	prefix_of(cidr) >= 96
	net.cidr_contains(range, cidr)
}

# net.cidr_contains(cidr, "::ffff:0:0/96") is false even for ::/64, as the
# built-ins read ::ffff:0:0/96 as IPv4, so compare cidr with the range cut to
# cidr's own prefix, an ordinary IPv6 network.
ipv4_range_overlap(cidr, range) if {
	p := prefix_of(cidr)
	p < 96
	net.cidr_contains(cidr, concat("", [split(range, "/")[0], "/", format_int(p, 10)]))
}

# ipv4_in(range, v4) writes the IPv4 network v4 inside the /96 range:
# ipv4_in("64:ff9b::/96", "10.0.0.0/8") is "64:ff9b::10.0.0.0/104". The
# range's address ends in "::" or ":0:0" (config_problems checks it).
ipv4_in(range, v4) := concat("", [ipv6_head(range), addr, "/", format_int(bits, 10)]) if {
	[addr, v4_bits] := split(as_cidr(v4), "/")
	bits := 96 + to_number(v4_bits)
}

ipv6_head(range) := trim_suffix(addr, "0:0") if {
	addr := split(range, "/")[0]
	endswith(addr, ":0:0")
} else := addr if {
	addr := split(range, "/")[0]
	endswith(addr, "::")
}

# narrow_blocks maps each valid IP target no broader than the limit to the
# network it names; the overlap checks below skip the rest, which are denied
# already with a clearer reason.
narrow_blocks[v] := cidr if {
	some t in input.targets
	t.kind == "ip"
	v := t.value
	cidr := as_cidr(v)
	net.cidr_is_valid(cidr)
	to_number(split(cidr, "/")[1]) >= min_prefix(cidr)
}

# Two networks overlap when one contains the other, so each list takes two
# net.cidr_contains_matches calls over all its ranges: one for a listed range
# that contains a block, one for a block that contains a listed range. (The
# first rule on an "ip" target keeps the rest from running without one; a
# bare address contains no range but itself, which the first call finds.)
change_denies_on.ip contains sprintf("%s overlaps %s range %s", [cidr, name, range]) if {
	some t in input.targets
	t.kind == "ip"
	some [i, v] in net.cidr_contains_matches(config.protected_networks, narrow_blocks)
	[range, name] := config.protected_networks[i]
	cidr := narrow_blocks[v]
}

change_denies_on.ip contains sprintf("%s overlaps %s range %s", [cidr, name, range]) if {
	some t in input.targets
	t.kind == "ip"
	contains(t.value, "/")
	some [v, i] in net.cidr_contains_matches(narrow_blocks, config.protected_networks)
	[range, name] := config.protected_networks[i]
	cidr := narrow_blocks[v]
}

change_denies_on.ip contains sprintf("%s overlaps allow-listed %s", [cidr, allowed]) if {
	some t in input.targets
	t.kind == "ip"
	some [i, v] in net.cidr_contains_matches(config.allow_list.networks, narrow_blocks)
	allowed := config.allow_list.networks[i]
	cidr := narrow_blocks[v]
}

change_denies_on.ip contains sprintf("%s overlaps allow-listed %s", [cidr, allowed]) if {
	some t in input.targets
	t.kind == "ip"
	contains(t.value, "/")
	some [v, i] in net.cidr_contains_matches(narrow_blocks, config.allow_list.networks)
	allowed := config.allow_list.networks[i]
	cidr := narrow_blocks[v]
}

# TODO: a block of an IPv6 target costs ~1.5x an IPv4 one and a NAT64 target
# ~2.5x (the IPv4-in-IPv6 checks run per target); both are rare, but a
# precomputed list of the embedded ranges would help the second.
#
# The IPv4 inside an IPv4-in-IPv6 block must not overlap a protected or
# allow-listed IPv4 range either. The built-ins read an IPv4-mapped network
# (::ffff:10.0.0.1) as the IPv4 one, so the rules above cover it already; a
# range they read as IPv6 (NAT64) is checked here, each IPv4 range written
# inside it (64:ff9b::10.0.0.0/104). The test on 0.0.0.0/0 tells the two apart.
change_denies_on.ip contains msg if {
	some t in input.targets
	t.kind == "ip"
	contains(t.value, ":")
	cidr := narrow_blocks[t.value]
	some [prefix, kind] in config.ipv4_in_ipv6
	net.cidr_contains(prefix, cidr)
	not net.cidr_contains("0.0.0.0/0", prefix)
	some [range, what] in ipv4_ranges
	embedded := ipv4_in(prefix, range)
	net.cidr_intersects(embedded, cidr)
	msg := sprintf("%s overlaps %s %s, written as %s %s", [cidr, what, range, kind, embedded])
}

# ipv4_ranges: the IPv4 ranges of protected_networks and allow_list.networks,
# each with how a reason names it.
ipv4_ranges contains [range, concat(" ", [name, "range"])] if {
	some [range, name] in config.protected_networks
	not contains(range, ":")
}

ipv4_ranges contains [as_cidr(allowed), "allow-listed"] if {
	some allowed in config.allow_list.networks
	not contains(allowed, ":")
}

change_denies_on.ip contains sprintf("ip %q is internal", [t.value]) if {
	some t in input.targets
	t.kind == "ip"
	t.internal == true
}

change_denies_on.domain contains sprintf("domain %q is internal", [t.value]) if {
	some t in input.targets
	t.kind == "domain"
	t.internal == true
}

# Domains, compared lower-case without a trailing dot.

target_denies.domain contains sprintf("%q is not a domain name of two labels or more", [d]) if {
	some t in input.targets
	t.kind == "domain"
	d := trim_suffix(lower(trim_space(t.value)), ".")
	not regex.match(`^[a-z0-9_-]+(\.[a-z0-9_-]+)+$`, d)
	not regex.match(wildcard_pattern, d)
}

# An address is not a domain name: "10.0.0.1" as a domain would slip past
# every rule on addresses.
target_denies.domain contains sprintf("%q is an IP address, not a domain name", [d]) if {
	some t in input.targets
	t.kind == "domain"
	d := trim_suffix(lower(trim_space(t.value)), ".")
	net.cidr_is_valid(as_cidr(d))
}

# A public suffix (co.uk, github.io) names everything registered under it.
target_denies.domain contains msg if {
	some t in input.targets
	t.kind == "domain"
	t.public_suffix == true
	msg := sprintf("%q is a public suffix: blocking it blocks every domain under it", [t.value])
}

# A listed name covers itself and its subdomains.
target_denies.domain contains sprintf("%q is allow-listed (%s)", [d, allowed]) if {
	some t in input.targets
	t.kind == "domain"
	d := trim_suffix(lower(trim_space(t.value)), ".")
	some allowed in config.allow_list.domains
	endswith(concat("", [".", d]), concat("", [".", lower(allowed)]))
}

target_denies.domain contains sprintf("%q is an internal name (.%s)", [d, suffix]) if {
	some t in input.targets
	t.kind == "domain"
	d := trim_suffix(lower(trim_space(t.value)), ".")
	some suffix in config.internal_domain_suffixes
	endswith(concat("", [".", d]), concat("", [".", suffix]))
}
