# Package conductor.guard decides, for one proposed action, whether it runs on
# its own (allow), waits for a human (needs_approval) or never runs (deny).
#
# The input is a guardrails.Request as JSON; README.md in this folder describes
# every field. Each rule file adds to three sets:
#   deny_reasons  - strings; any one of them denies the action;
#   hold          - {"reason", "role"} objects; any one holds it for a human;
#   allow_reasons - strings; an action runs on its own only with one of them.
# Deny beats needs_approval beats allow, and an action no rule allows waits
# for a lead: the policy fails closed.
package conductor.guard

# config holds the thresholds and lists from data.json. A missing key falls back
# to the documented default below, or holds the action (see required_keys).
default config := {}

config := data.conductor.config

# Settings, read once per decision; lists become sets for cheap lookups.

kill_switch := object.get(config, "kill_switch", false)

min_confidence := object.get(config, "containment_min_confidence", 0.7)

per_case_limit := object.get(object.get(config, "blast_radius", {}), "per_case", 3)

global_limit := object.get(object.get(config, "blast_radius", {}), "global", 10)

min_prefix_v4 := object.get(object.get(config, "block_min_prefix", {}), "ipv4", 24)

min_prefix_v6 := object.get(object.get(config, "block_min_prefix", {}), "ipv6", 48)

protected_networks := object.get(config, "protected_networks", [])

allowed_networks := object.get(object.get(config, "allow_list", {}), "networks", [])

allowed_domains := {lower(d) | some d in object.get(object.get(config, "allow_list", {}), "domains", [])}

internal_suffixes := object.get(config, "internal_domain_suffixes", [])

routine_asset_types := {x | some x in object.get(config, "routine_asset_types", [])}

routine_user_roles := {x | some x in object.get(config, "routine_user_roles", [])}

sensitive_criticality := {x | some x in object.get(config, "sensitive_criticality", [])}

human_roles := {x | some x in object.get(config, "human_roles", [])}

free_text_args := {x | some x in object.get(config, "free_text_args", [])}

approval_ttls := object.get(config, "approval_ttl_seconds", {})

risk := object.get(input, "risk", "")

actor := object.get(input, "actor", "")

targets := object.get(input, "targets", [])

risk_classes := {"read_only", "write", "containment", "destructive"}

read_only if risk == "read_only"

write if risk == "write"

containment if risk == "containment"

destructive if risk == "destructive"

# changes_estate: containment and destructive actions touch hosts, accounts and
# networks; their targets get the strictest checks.
changes_estate if containment

changes_estate if destructive

routine_role := object.get(object.get(config, "approver_roles", {}), "routine", "analyst")

sensitive_role := object.get(object.get(config, "approver_roles", {}), "sensitive", "lead")

routine(msg) := {"reason": msg, "role": routine_role}

lead(msg) := {"reason": msg, "role": sensitive_role}

ttl_for(role) := object.get(approval_ttls, role, 3600)

hold_reasons := {h.reason | some h in hold}

approver_role := sensitive_role if {
	some h in hold
	h.role == sensitive_role
} else := routine_role

decision := {
	"outcome": "allow",
	"reasons": ["read-only tool"],
	"approver_role": "",
	"ttl_seconds": 0,
} if {
	read_only
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
} if {
	count(allow_reasons) > 0
} else := {
	"outcome": "needs_approval",
	"reasons": ["no rule allows this action on its own"],
	"approver_role": sensitive_role,
	"ttl_seconds": ttl_for(sensitive_role),
}

deny_reasons contains sprintf("risk class %q is unknown", [risk]) if {
	not risk in risk_classes
}

# required_keys are the data keys whose absence would silently weaken a rule
# (an empty protected list protects nothing), so their absence holds every change.
required_keys := {
	"protected_networks",
	"allow_list",
	"routine_asset_types",
	"routine_user_roles",
	"human_roles",
}

hold contains lead(sprintf("policy data lacks conductor.config.%s", [key])) if {
	some key in required_keys
	not key in object.keys(config)
}

allow_reasons contains "write tool: it records or communicates, the estate is unchanged" if {
	write
}

value_of(t) := object.get(t, "value", "")
