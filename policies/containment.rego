# Containment runs on its own only against routine targets - known workstations,
# laptops and ordinary employee accounts - when the case is confident enough.
# Servers, domain controllers, databases, crown jewels, VIPs, admins, service
# accounts and anything the inventory does not know wait for a lead.
package conductor.guard

default confidence := "missing"

confidence := input.case.confidence

min_confidence := config.containment_min_confidence

confident if {
	is_number(confidence)
	confidence >= min_confidence
}

allow_reasons contains msg if {
	input.risk == "containment"
	input.reversible == true
	has_targets
	confident
	msg := sprintf(
		"reversible containment at confidence %v (threshold %v)",
		[confidence, min_confidence],
	)
}

routine_holds contains msg if {
	input.risk == "containment"
	not confident
	msg := sprintf(
		"case confidence %v is below the containment threshold %v",
		[confidence, min_confidence],
	)
}

sensitive_holds contains "containment that cannot be undone" if {
	input.risk == "containment"
	not input.reversible == true
}

change_sensitive_holds contains "no target facts: the policy cannot tell what this changes" if {
	not has_targets
}

# Hosts.

change_sensitive_holds contains sprintf("host %q is not in the inventory", [t.value]) if {
	some t in input.targets
	t.kind == "host"
	not t.known == true
}

# T5: isolating a domain controller cuts authentication for the whole domain,
# yet it can be the right call mid-ransomware, so a lead decides; it never runs
# on its own.
change_sensitive_holds contains sprintf("host %q is a domain controller", [t.value]) if {
	some t in input.targets
	t.kind == "host"
	t.asset_type == "domain_controller"
}

change_sensitive_holds contains msg if {
	some t in input.targets
	t.kind == "host"
	kind := object.get(t, "asset_type", "host of unknown type")
	kind != "domain_controller"
	not kind in config.routine_asset_types
	msg := sprintf("host %q is a %s, not a routine workstation", [t.value, kind])
}

change_sensitive_holds contains sprintf("host %q is a crown jewel", [t.value]) if {
	some t in input.targets
	t.kind == "host"
	t.crown_jewel == true
}

change_sensitive_holds contains sprintf("host %q has %s criticality", [t.value, t.criticality]) if {
	some t in input.targets
	t.kind == "host"
	t.criticality in config.sensitive_criticality
}

# Accounts.

change_sensitive_holds contains sprintf("account %q is not in the directory", [t.value]) if {
	some t in input.targets
	t.kind == "user"
	not t.known == true
}

# T5: the break-glass account is how humans get back in when everything else
# fails; no agent may disable it, and a human needs a lead's approval.
change_denies contains msg if {
	some t in input.targets
	t.kind == "user"
	t.break_glass == true
	agent
	msg := sprintf("account %q is a break-glass account: agents never touch it", [t.value])
}

change_sensitive_holds contains sprintf("account %q is a break-glass account", [t.value]) if {
	some t in input.targets
	t.kind == "user"
	t.break_glass == true
	human
}

change_sensitive_holds contains sprintf("account %q has role %s", [t.value, role]) if {
	some t in input.targets
	t.kind == "user"
	role := object.get(t, "role", "unknown")
	not role in config.routine_user_roles
}

change_sensitive_holds contains sprintf("account %q belongs to a VIP", [t.value]) if {
	some t in input.targets
	t.kind == "user"
	t.vip == true
}

# Mailboxes and messages.

change_sensitive_holds contains msg if {
	some t in input.targets
	t.kind in {"email", "message"}
	not t.known == true
	msg := sprintf("%s %q is not known to the mail system", [t.kind, t.value])
}

change_sensitive_holds contains sprintf("address %q is internal", [t.value]) if {
	some t in input.targets
	t.kind == "email"
	t.internal == true
}

# Anything else.

target_kinds := {"host", "user", "ip", "domain", "email", "message"}

change_sensitive_holds contains msg if {
	some t in input.targets
	kind := object.get(t, "kind", "")
	not kind in target_kinds
	msg := sprintf("target %q is of kind %q, which no rule covers", [value_of(t), kind])
}
