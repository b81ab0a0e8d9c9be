# Tests for guard.rego: how the rule sets combine into one decision. The
# fixtures here are shared by every *_test.rego in this folder.
package conductor.guard_test

import data.conductor.guard

workstation := {
	"arg": "host",
	"kind": "host",
	"value": "ws-042",
	"known": true,
	"asset_type": "workstation",
	"criticality": "medium",
}

# isolation is a routine, confident containment that the policy allows.
isolation := {
	"id": "ACT-1",
	"tool": "edr.isolate_host",
	"args": {"host": "ws-042"},
	"risk": "containment",
	"reversible": true,
	"actor": "agent:playbook",
	"case": {"id": "CASE-1", "score": 80, "confidence": 0.9},
	"targets": [workstation],
	"provenance": {"host": "case_entity"},
	"recent": {"same_tool_case": 0, "same_tool_window": 0, "window_seconds": 3600},
	"time": "2025-06-01T10:00:00Z",
}

lookup := {
	"id": "ACT-2",
	"tool": "intel.lookup",
	"args": {"value": "203.0.113.7"},
	"risk": "read_only",
	"reversible": true,
	"actor": "agent:llm",
	"case": {"id": "CASE-1", "score": 80, "confidence": 0.2},
	"provenance": {"value": "untrusted_text"},
	"recent": {"same_tool_case": 50, "same_tool_window": 500, "window_seconds": 3600},
	"time": "2025-06-01T10:00:00Z",
}

ticket := {
	"id": "ACT-3",
	"tool": "ticket.create",
	"args": {"title": "Phishing wave", "body": "Three users clicked."},
	"risk": "write",
	"reversible": true,
	"actor": "agent:playbook",
	"case": {"id": "CASE-1", "score": 40, "confidence": 0.5},
	"provenance": {"title": "planner", "body": "planner"},
	"recent": {"same_tool_case": 0, "same_tool_window": 0, "window_seconds": 3600},
	"time": "2025-06-01T10:00:00Z",
}

# patched deep-merges patch into a fixture; arrays in patch replace the fixture's.
patched(fixture, patch) := object.union(fixture, patch)

# decide evaluates the policy with the kill switch off, whatever data.json
# says: flipping the switch in an emergency must not make these tests fail and
# the guard refuse the change.
decide(req) := d if {
	d := guard.decision with input as req with data.conductor.config.kill_switch as false
}

outcome(req) := decide(req).outcome

test_routine_isolation_allowed if {
	d := decide(isolation)
	d.outcome == "allow"
	d.reasons == ["reversible containment at confidence 0.9 (threshold 0.7)"]
	d.approver_role == ""
	d.ttl_seconds == 0
}

test_read_only_allowed_whatever_else_holds if {
	d := decide(lookup)
		with data.conductor.config.kill_switch as true
	d == {"outcome": "allow", "reasons": ["read-only tool"], "approver_role": "", "ttl_seconds": 0}
}

test_read_only_allowed_with_wildcard_argument if {
	outcome(patched(lookup, {"args": {"value": "*"}})) == "allow"
}

test_write_allowed if {
	d := decide(ticket)
	d.outcome == "allow"
	d.reasons == ["write tool: it records or communicates, the estate is unchanged"]
}

test_unknown_risk_denied if {
	d := decide(patched(isolation, {"risk": "catastrophic"}))
	d.outcome == "deny"
	d.reasons == [`risk class "catastrophic" is unknown`]
}

test_missing_risk_denied if {
	d := decide(object.remove(isolation, ["risk"]))
	d.outcome == "deny"
	d.reasons == [`risk class "" is unknown`]
}

test_empty_input_denied if {
	outcome({}) == "deny"
}

test_deny_beats_hold if {
	req := patched(isolation, {
		"case": {"confidence": 0.1},
		"targets": [object.union(workstation, {"value": "*"})],
	})
	d := decide(req)
	d.outcome == "deny"
	d.reasons == [`target host "*" is a wildcard, not one entity`]
}

test_hold_takes_strictest_role if {
	req := patched(isolation, {
		"case": {"confidence": 0.5},
		"targets": [object.union(workstation, {"asset_type": "server"})],
	})
	d := decide(req)
	d.outcome == "needs_approval"
	d.approver_role == "lead"
	d.ttl_seconds == 3600
	d.reasons == [
		"case confidence 0.5 is below the containment threshold 0.7",
		`host "ws-042" is a server, not a routine workstation`,
	]
}

test_routine_hold_goes_to_analyst if {
	d := decide(patched(isolation, {"case": {"confidence": 0.5}}))
	d.outcome == "needs_approval"
	d.approver_role == "analyst"
	d.ttl_seconds == 14400
}

test_roles_and_ttls_come_from_data if {
	d := decide(patched(isolation, {"case": {"confidence": 0.5}}))
		with data.conductor.config.approver_roles as {"routine": "lead", "sensitive": "admin"}
		with data.conductor.config.approval_ttl_seconds as {"lead": 600}
	d.approver_role == "lead"
	d.ttl_seconds == 600
}

# config_problems is what the guard checks when it loads a policy: a missing
# or mistyped setting refuses the whole policy.
test_shipped_data_has_no_problems if {
	count(guard.config_problems) == 0
}

test_missing_config_is_a_problem if {
	problems := guard.config_problems with data.conductor.config as {"kill_switch": false}
	"policy data lacks conductor.config.protected_networks" in problems
	"conductor.config.blast_radius.per_case must be a number" in problems
	"policy data lacks conductor.config.ipv4_in_ipv6" in problems
	count(problems) == 18
}

# Any value of kill_switch is valid (every one but false engages it, see
# actors_test.rego); only a missing one is a problem.
test_kill_switch_of_any_type_is_no_problem if {
	every v in [true, false, "true", "false", 1, 0, "on", null, [], {}] {
		count(guard.config_problems) == 0 with data.conductor.config.kill_switch as v
	}
}

test_missing_kill_switch_is_a_problem if {
	problems := guard.config_problems
		with data.conductor.config as object.remove(data.conductor.config, ["kill_switch"])
	problems == {"policy data lacks conductor.config.kill_switch"}
}

test_bad_ipv4_in_ipv6_is_a_problem if {
	every list in [
		[["64:ff9b::/64", "NAT64"]],
		[["64:ff9b::1:0/96", "NAT64"]],
		[["::ffff:0.0.0.0/96", "IPv4-mapped"]],
		[["10.0.0.0/8", "IPv4"]],
		[["not-a-network/96", "x"]],
		[["64:ff9b::/96"]],
		[["64:ff9b::/96", 7]],
		["64:ff9b::/96"],
	] {
		problems := guard.config_problems with data.conductor.config.ipv4_in_ipv6 as list
		problems == {"conductor.config.ipv4_in_ipv6[0] must be [a /96 network ending in :: or :0:0, a name]"}
	}
	mistyped := guard.config_problems with data.conductor.config.ipv4_in_ipv6 as "::ffff:0:0/96"
	mistyped == {"conductor.config.ipv4_in_ipv6 must be array"}
}

test_ipv4_in_ipv6_forms_accepted if {
	list := [
		["::ffff:0:0/96", "IPv4-mapped"], ["64:ff9b::/96", "NAT64"],
		["0:0:0:0:0:ffff:0:0/96", "IPv4-mapped, long form"], ["2001:db8:64::/96", "NAT64 (ours)"],
	]
	count(guard.config_problems) == 0 with data.conductor.config.ipv4_in_ipv6 as list
}

test_mistyped_config_is_a_problem if {
	problems := guard.config_problems with data.conductor.config.blast_radius as 3
	problems == {
		"conductor.config.blast_radius must be object",
		"conductor.config.blast_radius.per_case must be a number",
		"conductor.config.blast_radius.global must be a number",
	}
	more := guard.config_problems with data.conductor.config.allow_list.domains as "x.com"
	more == {"conductor.config.allow_list.domains must be an array"}
}

test_missing_config_never_allows_containment if {
	d := decide(isolation) with data.conductor.config as {}
	d.outcome == "needs_approval"
	d.approver_role == "lead"
}

test_missing_config_keeps_read_only if {
	d := decide(lookup) with data.conductor.config as {}
	d.outcome == "allow"
}

test_nothing_allows_means_lead_hold if {
	d := decide(ticket) with guard.allow_reasons as set()
	d == {
		"outcome": "needs_approval",
		"reasons": ["no rule allows this action on its own"],
		"approver_role": "lead",
		"ttl_seconds": 3600,
	}
}

test_agent_containment_has_time_limit if {
	d := guard.decision with input as isolation
		with data.conductor.config.kill_switch as false
		with data.conductor.config.containment_time_limit_seconds as 7200
	d.outcome == "allow"
	d.undo_after_seconds == 7200
}

# A release ends a containment: it is never itself undone later.
test_release_has_no_time_limit if {
	release := patched(isolation, {"tool": "edr.release_host", "lifts": true})
	d := guard.decision with input as release
		with data.conductor.config.kill_switch as false
		with data.conductor.config.containment_time_limit_seconds as 7200
	d.outcome == "allow"
	d.undo_after_seconds == 0
}

test_human_containment_stands if {
	lead := patched(isolation, {"actor": "analyst:lee", "actor_role": "lead"})
	d := guard.decision with input as lead
		with data.conductor.config.kill_switch as false
		with data.conductor.config.containment_time_limit_seconds as 7200
	d.outcome == "allow"
	d.undo_after_seconds == 0
}

test_lookup_has_no_time_limit if {
	not guard.decision.undo_after_seconds with input as lookup
}

# An "analyst:" actor without a human role is read as an agent: its containment
# gets the time limit too.
test_unverified_analyst_containment_has_time_limit if {
	unverified := patched(isolation, {"actor": "analyst:lee"})
	d := guard.decision with input as unverified
		with data.conductor.config.kill_switch as false
		with data.conductor.config.containment_time_limit_seconds as 7200
	d.outcome == "allow"
	d.undo_after_seconds == 7200
}
