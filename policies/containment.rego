# Containment runs on its own only against routine targets - known workstations,
# laptops and ordinary employee accounts - when the case is confident enough.
# Servers, domain controllers, databases, crown jewels, VIPs, admins, service
# accounts and anything the inventory does not know wait for a lead.
package conductor.guard

confidence := object.get(object.get(input, "case", {}), "confidence", 0)

confident if {
	is_number(confidence)
	confidence >= min_confidence
}

allow_reasons contains msg if {
	containment
	input.reversible == true
	count(targets) > 0
	confident
	msg := sprintf(
		"reversible containment at confidence %v (threshold %v)",
		[confidence, min_confidence],
	)
}

hold contains routine(msg) if {
	containment
	not confident
	msg := sprintf(
		"case confidence %v is below the containment threshold %v",
		[confidence, min_confidence],
	)
}

hold contains lead("containment that cannot be undone") if {
	containment
	not input.reversible == true
}

hold contains lead("no target facts: the policy cannot tell what this changes") if {
	changes_estate
	count(targets) == 0
}

# Hosts.

hosts contains t if {
	changes_estate
	some t in targets
	t.kind == "host"
}

hold contains lead(sprintf("host %q is not in the inventory", [value_of(t)])) if {
	some t in hosts
	not t.known == true
}

# T5: isolating a domain controller cuts authentication for the whole domain,
# yet it can be the right call mid-ransomware, so a lead decides; it never runs
# on its own.
hold contains lead(sprintf("host %q is a domain controller", [value_of(t)])) if {
	some t in hosts
	t.asset_type == "domain_controller"
}

hold contains lead(sprintf("host %q is a %s, not a routine workstation", [value_of(t), kind])) if {
	some t in hosts
	kind := object.get(t, "asset_type", "host of unknown type")
	kind != "domain_controller"
	not kind in routine_asset_types
}

hold contains lead(sprintf("host %q is a crown jewel", [value_of(t)])) if {
	some t in hosts
	t.crown_jewel == true
}

hold contains lead(sprintf("host %q has %s criticality", [value_of(t), t.criticality])) if {
	some t in hosts
	t.criticality in sensitive_criticality
}

# Accounts.

users contains t if {
	changes_estate
	some t in targets
	t.kind == "user"
}

hold contains lead(sprintf("account %q is not in the directory", [value_of(t)])) if {
	some t in users
	not t.known == true
}

# T5: the break-glass account is how humans get back in when everything else
# fails; no agent may disable it, and a human needs a lead's approval.
deny_reasons contains msg if {
	some t in users
	t.break_glass == true
	agent
	msg := sprintf("account %q is a break-glass account: agents never touch it", [value_of(t)])
}

hold contains lead(sprintf("account %q is a break-glass account", [value_of(t)])) if {
	some t in users
	t.break_glass == true
	human
}

hold contains lead(sprintf("account %q has role %s", [value_of(t), role])) if {
	some t in users
	role := object.get(t, "role", "unknown")
	not role in routine_user_roles
}

hold contains lead(sprintf("account %q belongs to a VIP", [value_of(t)])) if {
	some t in users
	t.vip == true
}

# Mailboxes and messages.

hold contains lead(sprintf("%s %q is not known to the mail system", [t.kind, value_of(t)])) if {
	changes_estate
	some t in targets
	t.kind in {"email", "message"}
	not t.known == true
}

hold contains lead(sprintf("address %q is internal", [value_of(t)])) if {
	changes_estate
	some t in targets
	t.kind == "email"
	t.internal == true
}

# Anything else.

target_kinds := {"host", "user", "ip", "domain", "email", "message"}

hold contains lead(msg) if {
	changes_estate
	some t in targets
	kind := object.get(t, "kind", "")
	not kind in target_kinds
	msg := sprintf("target %q is of kind %q, which no rule covers", [value_of(t), kind])
}
