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
# Speed matters (a decision should take tens of microseconds, and each
# evaluated expression costs about one): rules test input fields directly
# (input.risk == "containment") so that OPA's rule index skips what does not
# apply, and the rules about hosts, accounts and networks feed change_denies,
# change_sensitive_holds and change_routine_holds, which are evaluated only for
# containment and destructive actions.
package conductor.guard

# config holds the thresholds and lists of data.json. Rules read it directly;
# when a key they need is missing, every change is held (config_complete).
default config := {}

config := data.conductor.config

default routine_role := "analyst"

routine_role := config.approver_roles.routine

default sensitive_role := "lead"

sensitive_role := config.approver_roles.sensitive

ttl_for(role) := config.approval_ttl_seconds[role]

default ttl_for(_) := 3600

# required_keys are the settings the rules read. A rule whose setting is
# missing does not fire, which would weaken the policy silently (an absent
# protected list protects nothing), so a missing key holds every change.
required_keys := {
	"kill_switch",
	"containment_min_confidence",
	"blast_radius",
	"block_min_prefix",
	"protected_networks",
	"allow_list",
	"internal_domain_suffixes",
	"routine_asset_types",
	"routine_user_roles",
	"sensitive_criticality",
	"human_roles",
	"free_text_args",
}

# missing_keys is computed with set built-ins, not a rule per key: every
# expression costs about a microsecond, on every decision.
missing_keys := required_keys - object.keys(config)

sensitive_holds contains sprintf("policy data lacks conductor.config.%s", [key]) if {
	some key in missing_keys
}

default actor := ""

actor := input.actor

default tool := ""

tool := input.tool

# has_targets: the engine names what the action touches. Anything but a
# non-empty array of objects leaves the policy blind, so it cannot allow.
has_targets if {
	is_array(input.targets)
	count(input.targets) > 0
}

deny_reasons contains sprintf("target %v is not an object", [t]) if {
	some t in input.targets
	not is_object(t)
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
	agent
}

known_risk if input.risk == "read_only"

known_risk if input.risk == "write"

known_risk if input.risk == "containment"

known_risk if input.risk == "destructive"

deny_reasons contains sprintf("risk class %q is unknown", [object.get(input, "risk", "")]) if {
	not known_risk
}

allow_reasons contains "write tool: it records or communicates, the estate is unchanged" if {
	input.risk == "write"
}

value_of(t) := object.get(t, "value", "")
