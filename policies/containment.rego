# Containment runs on its own only against routine targets - known workstations,
# laptops and ordinary employee accounts - when the case is confident enough.
# Servers, domain controllers, databases, crown jewels, VIPs, admins, service
# accounts and anything the inventory does not know wait for a lead.
package conductor.guard

import data.conductor.config

# The engine names what the action touches (input.targets). Anything but a
# non-empty array of objects leaves the policy blind, so it cannot allow.
allow_reasons contains msg if {
	input.risk == "containment"
	input.reversible == true
	is_array(input.targets)
	count(input.targets) > 0
	is_number(input.case.confidence)
	input.case.confidence >= config.containment_min_confidence
	msg := sprintf(
		"reversible containment at confidence %v (threshold %v)",
		[input.case.confidence, config.containment_min_confidence],
	)
}

# Below the threshold, or no number at all, a human decides. (A string such as
# "0.9" is not a number: Rego orders every string above every number.)
low_confidence_hold := sprintf(
	"case confidence %v is below the containment threshold %v",
	[
		object.get(input, ["case", "confidence"], "missing"),
		object.get(config, "containment_min_confidence", "unset"),
	],
)

routine_holds contains low_confidence_hold if {
	input.risk == "containment"
	not is_number(object.get(input, ["case", "confidence"], null))
}

routine_holds contains low_confidence_hold if {
	input.risk == "containment"
	input.case.confidence < config.containment_min_confidence
}

sensitive_holds contains "containment that cannot be undone" if {
	input.risk == "containment"
	not input.reversible == true
}

# (An allow needs a non-empty array of targets; this rule only says why.)
change_sensitive_holds contains "no target facts: the policy cannot tell what this changes" if {
	not count(object.get(input, "targets", [])) > 0
}

# Hosts.

# What the inventory, the directory or the mail system does not know.
change_sensitive_holds contains sprintf(unknown_reasons[t.kind], [t.value]) if {
	some t in input.targets
	not t.known == true
}

unknown_reasons := {
	"host": "host %q is not in the inventory",
	"user": "account %q is not in the directory",
	"email": "email %q is not known to the mail system",
	"message": "message %q is not known to the mail system",
}

# T5: isolating a domain controller cuts authentication for the whole domain,
# yet it can be the right call mid-ransomware, so a lead decides; it never runs
# on its own.
change_holds_on.host contains sprintf("host %q is a domain controller", [t.value]) if {
	some t in input.targets
	t.kind == "host"
	t.asset_type == "domain_controller"
}

change_holds_on.host contains msg if {
	some t in input.targets
	t.kind == "host"
	kind := object.get(t, "asset_type", "host of unknown type")
	kind != "domain_controller"
	not kind in config.routine_asset_types
	msg := sprintf("host %q is a %s, not a routine workstation", [t.value, kind])
}

change_holds_on.host contains sprintf("host %q is a crown jewel", [t.value]) if {
	some t in input.targets
	t.kind == "host"
	t.crown_jewel == true
}

change_holds_on.host contains sprintf("host %q has %s criticality", [t.value, t.criticality]) if {
	some t in input.targets
	t.kind == "host"
	t.criticality in config.sensitive_criticality
}

# Accounts.

# T5: the break-glass account is how humans get back in when everything else
# fails; no agent may disable it, and a human needs a lead's approval.
change_denies_on.user contains msg if {
	some t in input.targets
	t.kind == "user"
	t.break_glass == true
	agent
	msg := sprintf("account %q is a break-glass account: agents never touch it", [t.value])
}

change_holds_on.user contains sprintf("account %q is a break-glass account", [t.value]) if {
	some t in input.targets
	t.kind == "user"
	t.break_glass == true
	human
}

change_holds_on.user contains sprintf("account %q has role %s", [t.value, role]) if {
	some t in input.targets
	t.kind == "user"
	role := object.get(t, "role", "unknown")
	not role in config.routine_user_roles
}

change_holds_on.user contains sprintf("account %q belongs to a VIP", [t.value]) if {
	some t in input.targets
	t.kind == "user"
	t.vip == true
}

# Mailboxes and messages.

change_holds_on.email contains sprintf("address %q is internal", [t.value]) if {
	some t in input.targets
	t.kind == "email"
	t.internal == true
}

# Any kind.

# The organisation's allow-list (known-good hosts, domains, addresses and
# mailboxes in the directory; the engine sets allow_listed): policies do not
# act on what it names, whatever the confidence, except to lift a containment
# already on it (a release after it was allow-listed as a false positive).
# (data.json's allow_list is checked by network.rego.)
change_denies contains msg if {
	not input.lifts == true
	some t in input.targets
	t.allow_listed == true
	msg := sprintf(
		"%s %q is on the organisation's allow-list: policies do not act on it",
		[object.get(t, "kind", "target"), value_of(t)],
	)
}

# Anything else.

change_sensitive_holds contains msg if {
	some t in input.targets
	kind := object.get(t, "kind", "")
	not kind in {"host", "user", "ip", "domain", "email", "message"}
	msg := sprintf("target %q is of kind %q, which no rule covers", [value_of(t), kind])
}
