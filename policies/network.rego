# Blocks must name one outside address or domain. Internal, loopback, private,
# link-local, multicast and reserved ranges, anything broader than a /24 (IPv4)
# or /48 (IPv6), allow-listed addresses and domains, and wildcards are denied:
# blocking them would cut the organisation off from itself or the world (T3).
package conductor.guard

# Wildcards, on any target and on any argument of a change.

# wildcard: empty, a star anywhere, or a word or network meaning everything.
wildcard(v) if regex.match(`^\s*$|\*|^\s*(?i:any|all|0/0|0\.0\.0\.0/0|::/0)\s*$`, v)

deny_reasons contains sprintf("target %s %q is a wildcard, not one entity", [arg, v]) if {
	some t in input.targets
	v := value_of(t)
	wildcard(v)
	arg := object.get(t, "arg", "?")
}

change_denies contains sprintf("argument %s %q is a wildcard, not one entity", [name, v]) if {
	walk(input.args, [path, v])
	is_string(v)
	name := path[0]
	not name in config.free_text_args
	wildcard(v)
}

# Addresses and networks.

# as_cidr turns a bare address into a one-address network so every check can
# use the net.cidr_* built-ins.
as_cidr(v) := v if {
	contains(v, "/")
} else := concat("", [v, "/128"]) if {
	contains(v, ":")
} else := concat("", [v, "/32"])

change_denies contains sprintf("%q is not an IP address or network", [t.value]) if {
	some t in input.targets
	t.kind == "ip"
	not wildcard(t.value)
	not net.cidr_is_valid(as_cidr(t.value))
}

min_prefix(v) := config.block_min_prefix.ipv6 if {
	contains(v, ":")
} else := config.block_min_prefix.ipv4

broad(v) if {
	contains(v, "/")
	net.cidr_is_valid(v)
	to_number(split(v, "/")[1]) < min_prefix(v)
}

change_denies contains msg if {
	some t in input.targets
	t.kind == "ip"
	not wildcard(t.value)
	broad(t.value)
	msg := sprintf("%q is broader than a /%v network", [t.value, min_prefix(t.value)])
}

# narrow holds the valid, narrow networks; the overlap checks below skip the
# rest, which are denied already with a clearer reason.
narrow contains cidr if {
	some t in input.targets
	t.kind == "ip"
	not wildcard(t.value)
	not broad(t.value)
	cidr := as_cidr(t.value)
	net.cidr_is_valid(cidr)
}

change_denies contains sprintf("%s overlaps %s range %s", [cidr, name, range]) if {
	some cidr in narrow
	some [range, name] in config.protected_networks
	net.cidr_intersects(cidr, range)
}

change_denies contains sprintf("%s overlaps allow-listed %s", [cidr, allowed]) if {
	some cidr in narrow
	some allowed in config.allow_list.networks
	net.cidr_intersects(cidr, allowed)
}

change_denies contains sprintf("%s %q is internal", [t.kind, t.value]) if {
	some t in input.targets
	t.kind in {"ip", "domain"}
	t.internal == true
}

# Domains.

domains contains trim_suffix(lower(trim_space(t.value)), ".") if {
	some t in input.targets
	t.kind == "domain"
}

deny_reasons contains sprintf("%q is not a domain name of two labels or more", [d]) if {
	some d in domains
	not wildcard(d)
	not regex.match(`^[a-z0-9_-]+(\.[a-z0-9_-]+)+$`, d)
}

# within(d, suffix) reports whether d is suffix or one of its subdomains.
within(d, suffix) if d == suffix

within(d, suffix) if endswith(d, concat("", [".", suffix]))

deny_reasons contains sprintf("%q is allow-listed (%s)", [d, allowed]) if {
	some d in domains
	some allowed in config.allow_list.domains
	within(d, lower(allowed))
}

deny_reasons contains sprintf("%q is an internal name (.%s)", [d, suffix]) if {
	some d in domains
	some suffix in config.internal_domain_suffixes
	within(d, suffix)
}
