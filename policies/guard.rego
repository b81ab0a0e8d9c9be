# Package conductor.guard decides, for one proposed action, whether it runs on
# its own (allow), waits for a human (needs_approval) or never runs (deny).
#
# The input is a guardrails.Request as JSON; README.md in this folder describes
# every field. Each rule file adds to four sets of reasons:
#   deny_reasons    - any one denies the action;
#   sensitive_holds - any one holds it for the sensitive approver role (lead);
#   routine_holds   - any one holds it for the routine approver role (analyst);
#   allow_reasons   - an action runs on its own only with one of them.
# Deny beats needs_approval beats allow, and an action that no rule allows
# waits for a lead: the policy fails closed.
#
# The rules test input fields directly (input.risk == "containment") where they
# can, so that OPA's rule index skips what does not apply: a decision must take
# tens of microseconds.
package conductor.guard

# config holds the thresholds and lists of data.json. A missing scalar falls
# back to its default below; a missing list holds every change (required_lists).
config := data.conductor.config

default kill_switch := false

kill_switch := config.kill_switch

default min_confidence := 0.7

min_confidence := config.containment_min_confidence

default per_case_limit := 3

per_case_limit := config.blast_radius.per_case

default global_limit := 10

global_limit := config.blast_radius.global

default min_prefix_v4 := 24

min_prefix_v4 := config.block_min_prefix.ipv4

default min_prefix_v6 := 48

min_prefix_v6 := config.block_min_prefix.ipv6

default routine_role := "analyst"

routine_role := config.approver_roles.routine

default sensitive_role := "lead"

sensitive_role := config.approver_roles.sensitive

ttl_for(role) := config.approval_ttl_seconds[role]

default ttl_for(_) := 3600

# required_lists are the lists whose absence would silently weaken a rule (an
# empty protected list protects nothing), so their absence holds every change.
required_lists := [
	"protected_networks",
	"allow_list",
	"routine_asset_types",
	"routine_user_roles",
	"human_roles",
]

sensitive_holds contains sprintf("policy data lacks conductor.config.%s", [key]) if {
	some key in required_lists
	not config[key]
}

default risk := ""

risk := input.risk

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

# changes_estate: containment and destructive actions touch hosts, accounts and
# networks; their targets get the strictest checks.
changes_estate if input.risk == "containment"

changes_estate if input.risk == "destructive"

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
} if {
	count(allow_reasons) > 0
} else := {
	"outcome": "needs_approval",
	"reasons": ["no rule allows this action on its own"],
	"approver_role": sensitive_role,
	"ttl_seconds": ttl_for(sensitive_role),
}

risk_classes := {"read_only", "write", "containment", "destructive"}

deny_reasons contains sprintf("risk class %q is unknown", [risk]) if {
	not risk in risk_classes
}

allow_reasons contains "write tool: it records or communicates, the estate is unchanged" if {
	input.risk == "write"
}

value_of(t) := object.get(t, "value", "")
