# Blocks must name one outside address or domain. Internal, loopback, private,
# link-local, multicast and reserved ranges, anything broader than a /24 (IPv4)
# or /48 (IPv6), allow-listed addresses and domains, and wildcards are denied:
# blocking them would cut the organisation off from itself or the world (T3).
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

change_denies_on.ip contains msg if {
	some t in input.targets
	t.kind == "ip"
	not narrow_blocks[t.value]
	net.cidr_is_valid(t.value)
	not regex.match(wildcard_pattern, t.value)
	msg := sprintf("%q is broader than a /%v network", [t.value, min_prefix(t.value)])
}

min_prefix(cidr) := config.block_min_prefix.ipv6 if {
	contains(cidr, ":")
} else := config.block_min_prefix.ipv4

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
