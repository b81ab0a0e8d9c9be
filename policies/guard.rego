# Package conductor.guard decides, for one proposed action, whether it runs on
# its own (allow), waits for a human (needs_approval) or never runs (deny).
#
# The input is a guardrails.Request as JSON; README.md in this folder describes
# every field. Each rule file adds to four sets of reasons:
#   deny_reasons    - any one denies the action;
#   sensitive_holds - any one holds it for the sensitive approver role (lead);
#   routine_holds   - any one holds it for the routine approver role (analyst);
#   allow_reasons   - an action runs on its own only with one of them.
# hold_reasons is the union of the two hold sets. Deny beats needs_approval
# beats allow, and an action that no rule allows waits for a lead: the policy
# fails closed.
#
# Speed matters: a decision should take tens of microseconds, and OPA spends
# about a microsecond on every rule body it enters and more on every helper
# rule it resolves. So rules test input and data fields directly
# (input.risk == "containment") rather than through helper rules, which lets
# OPA's rule index skip what does not apply, and the rules about hosts,
# accounts and networks feed change_denies, change_sensitive_holds and
# change_routine_holds, which are evaluated only for containment and
# destructive actions. config below is an import, an alias the compiler
# replaces with data.conductor.config, not a rule.
package conductor.guard

import data.conductor.config

default routine_role := "analyst"

routine_role := config.approver_roles.routine

default sensitive_role := "lead"

sensitive_role := config.approver_roles.sensitive

ttl_for(role) := config.approval_ttl_seconds[role]

default ttl_for(_) := 3600

# config_problems lists what is missing or mistyped in data.conductor.config.
# The guard evaluates it when it loads a policy and refuses a policy whose
# list is not empty (the last good one stays in force); the decision never
# reads it, so a setting is checked once per load, not once per action. A
# missing setting would otherwise weaken a rule silently: an absent protected
# list protects nothing.
# (config[key] == config[key] holds whenever the key exists, even when config
# itself is absent, where object.keys(config) would be undefined.)
config_problems contains sprintf("policy data lacks conductor.config.%s", [key]) if {
	some key, _ in config_types
	not config[key] == config[key]
}

config_problems contains sprintf("conductor.config.%s must be %s", [key, want]) if {
	some key, want in config_types
	want != "any"
	type_name(config[key]) != want
}

config_problems contains sprintf("conductor.config.%s must be a number", [path]) if {
	some path in [
		"blast_radius.per_case", "blast_radius.global", "block_min_prefix.ipv4",
		"block_min_prefix.ipv6",
	]
	not is_number(object.get(config, split(path, "."), null))
}

config_problems contains sprintf("conductor.config.%s must be an array", [path]) if {
	some path in ["allow_list.networks", "allow_list.domains"]
	not is_array(object.get(config, split(path, "."), null))
}

# Each ipv4_in_ipv6 entry is [a /96 range whose address ends in "::" or
# ":0:0", a name], so that ipv4_in (network.rego) can write IPv4 inside it.
config_problems contains sprintf(
	"conductor.config.ipv4_in_ipv6[%v] must be [a /96 network ending in :: or :0:0, a name]",
	[i],
) if {
	some i, entry in config.ipv4_in_ipv6
	not ipv4_in_ipv6_entry(entry)
}

ipv4_in_ipv6_entry([range, name]) if {
	is_string(range)
	is_string(name)
	contains(range, ":")
	endswith(range, "/96")
	net.cidr_is_valid(range)
	whole := ipv4_in(range, "0.0.0.0/0")
	net.cidr_is_valid(whole)
	net.cidr_contains(range, whole)
	net.cidr_contains(whole, range)
}

# kill_switch may hold anything: every value but false engages it (actors.rego),
# so "true", 1 or "on" stop changes rather than the whole policy being refused
# and the last good one, with the switch off, staying in force.
config_types := {
	"kill_switch": "any",
	"containment_min_confidence": "number",
	"blast_radius": "object",
	"block_min_prefix": "object",
	"ipv4_in_ipv6": "array",
	"protected_networks": "array",
	"allow_list": "object",
	"internal_domain_suffixes": "array",
	"routine_asset_types": "array",
	"routine_user_roles": "array",
	"sensitive_criticality": "array",
	"human_roles": "array",
	"free_text_args": "array",
}

deny_reasons contains sprintf("target %v is not an object", [t]) if {
	some t in input.targets
	not is_object(t)
}

# Rules about one kind of target sit under its name, as in
# change_holds_on.host or target_denies.domain, so OPA evaluates only the rules
# for the kinds an action names: an isolation never runs the IP rules.

# The rules on what a block may name (network.rego) do not bind a lift: an
# unblock of 8.8.8.8, co.uk or an internal range cuts nobody off.
deny_reasons contains r if {
	not input.lifts == true
	some t in input.targets
	some r in target_denies[t.kind]
}

change_denies contains r if {
	not input.lifts == true
	some t in input.targets
	some r in change_denies_on[t.kind]
}

change_sensitive_holds contains r if {
	some t in input.targets
	some r in change_holds_on[t.kind]
}

# Containment and destructive actions change hosts, accounts and networks.
# Their rules add to change_denies, change_sensitive_holds and
# change_routine_holds, which count only for such actions; OPA's rule index
# then skips them all for reads and writes.

deny_reasons contains r if {
	input.risk == "containment"
	some r in change_denies
}

deny_reasons contains r if {
	input.risk == "destructive"
	some r in change_denies
}

sensitive_holds contains r if {
	input.risk == "containment"
	some r in change_sensitive_holds
}

sensitive_holds contains r if {
	input.risk == "destructive"
	some r in change_sensitive_holds
}

routine_holds contains r if {
	input.risk == "containment"
	some r in change_routine_holds
}

routine_holds contains r if {
	input.risk == "destructive"
	some r in change_routine_holds
}

hold_reasons := sensitive_holds | routine_holds

approver_role := sensitive_role if {
	count(sensitive_holds) > 0
} else := routine_role

decision := {
	"outcome": "allow",
	"reasons": ["read-only tool"],
	"approver_role": "",
	"ttl_seconds": 0,
} if {
	input.risk == "read_only"
} else := {
	"outcome": "deny",
	"reasons": sort(deny_reasons),
	"approver_role": "",
	"ttl_seconds": 0,
} if {
	count(deny_reasons) > 0
} else := {
	"outcome": "needs_approval",
	"reasons": sort(hold_reasons),
	"approver_role": approver_role,
	"ttl_seconds": ttl_for(approver_role),
} if {
	count(hold_reasons) > 0
} else := {
	"outcome": "allow",
	"reasons": sort(allow_reasons),
	"approver_role": "",
	"ttl_seconds": 0,
	"undo_after_seconds": undo_after,
} if {
	count(allow_reasons) > 0
} else := {
	"outcome": "needs_approval",
	"reasons": ["no rule allows this action on its own"],
	"approver_role": sensitive_role,
	"ttl_seconds": ttl_for(sensitive_role),
}

# Reversible containment an agent runs on its own stands for a limited time:
# when it is due, the undo runs unless a human confirmed it
# (data: containment_time_limit_seconds; 0 or absent means it stands).
default undo_after := 0

undo_after := object.get(config, "containment_time_limit_seconds", 0) if {
	input.risk == "containment"
	input.reversible == true
	not input.lifts == true
	agent
}

deny_reasons contains sprintf("risk class %q is unknown", [object.get(input, "risk", "")]) if {
	not object.get(input, "risk", "") in {"read_only", "write", "containment", "destructive"}
}

allow_reasons contains "write tool: it records or communicates, the estate is unchanged" if {
	input.risk == "write"
}

value_of(t) := object.get(t, "value", "")

default tool := ""

tool := input.tool
