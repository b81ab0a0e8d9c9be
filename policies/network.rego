# Blocks must name one outside address or domain. Internal, loopback, private,
# link-local, multicast and reserved ranges, anything broader than a /24 (IPv4)
# or /48 (IPv6), allow-listed addresses and domains, and wildcards are denied:
# blocking them would cut the organisation off from itself or the world (T3).
package conductor.guard

# Wildcards, on any target and on any argument of a change.

wildcard(v) if trim_space(v) == ""

wildcard(v) if contains(v, "*")

wildcard(v) if lower(trim_space(v)) in {"any", "all", "0/0", "0.0.0.0/0", "::/0"}

deny_reasons contains sprintf("target %s %q is a wildcard, not one entity", [arg, v]) if {
	not read_only
	some t in targets
	v := value_of(t)
	wildcard(v)
	arg := object.get(t, "arg", "?")
}

deny_reasons contains sprintf("argument %s %q is a wildcard, not one entity", [name, v]) if {
	changes_estate
	walk(object.get(input, "args", {}), [path, v])
	count(path) > 0
	name := path[0]
	not name in free_text_args
	is_string(v)
	wildcard(v)
}

# Addresses and networks.

addresses contains t if {
	changes_estate
	some t in targets
	t.kind == "ip"
}

# as_cidr turns a bare address into a one-address network so every check can
# use the net.cidr_* built-ins.
as_cidr(v) := v if {
	contains(v, "/")
} else := concat("", [v, "/128"]) if {
	contains(v, ":")
} else := concat("", [v, "/32"])

deny_reasons contains sprintf("%q is not an IP address or network", [v]) if {
	some t in addresses
	v := value_of(t)
	not wildcard(v)
	not net.cidr_is_valid(as_cidr(v))
}

min_prefix(v) := min_prefix_v6 if {
	contains(v, ":")
} else := min_prefix_v4

broad(v) if {
	contains(v, "/")
	net.cidr_is_valid(v)
	to_number(split(v, "/")[1]) < min_prefix(v)
}

deny_reasons contains sprintf("%q is broader than a /%v network", [v, min_prefix(v)]) if {
	some t in addresses
	v := value_of(t)
	not wildcard(v)
	broad(v)
}

# narrow holds the valid, narrow networks; the overlap checks below skip the
# rest, which are denied already with a clearer reason.
narrow contains cidr if {
	some t in addresses
	v := value_of(t)
	not wildcard(v)
	not broad(v)
	cidr := as_cidr(v)
	net.cidr_is_valid(cidr)
}

deny_reasons contains sprintf("%s overlaps %s range %s", [cidr, r.name, r.cidr]) if {
	some cidr in narrow
	some r in protected_networks
	net.cidr_intersects(cidr, r.cidr)
}

deny_reasons contains sprintf("%s overlaps allow-listed %s", [cidr, allowed]) if {
	some cidr in narrow
	some allowed in allowed_networks
	net.cidr_intersects(cidr, allowed)
}

deny_reasons contains sprintf("%s %q is internal", [t.kind, value_of(t)]) if {
	changes_estate
	some t in targets
	t.kind in {"ip", "domain"}
	t.internal == true
}

# Domains.

domains contains [t, d] if {
	changes_estate
	some t in targets
	t.kind == "domain"
	d := trim_suffix(lower(trim_space(value_of(t))), ".")
}

deny_reasons contains sprintf("%q is not a domain name of two labels or more", [d]) if {
	some [_, d] in domains
	not wildcard(d)
	not regex.match(`^[a-z0-9_-]+(\.[a-z0-9_-]+)+$`, d)
}

# within(d, suffix) reports whether d is suffix or one of its subdomains.
within(d, suffix) if d == suffix

within(d, suffix) if endswith(d, concat("", [".", suffix]))

deny_reasons contains sprintf("%q is allow-listed (%s)", [d, allowed]) if {
	some [_, d] in domains
	some allowed in allowed_domains
	within(d, allowed)
}

deny_reasons contains sprintf("%q is an internal name (.%s)", [d, suffix]) if {
	some [_, d] in domains
	some suffix in internal_suffixes
	within(d, suffix)
}
