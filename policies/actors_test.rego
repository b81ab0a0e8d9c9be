# Tests for actors.rego: kill switch, destructive actions, MCP clients,
# suspected injection and unknown actors.
package conductor.guard_test

import data.conductor.guard

reset := {
	"id": "ACT-9",
	"tool": "idp.reset_credentials",
	"args": {"user": "jdoe"},
	"risk": "destructive",
	"reversible": false,
	"actor": "agent:playbook",
	"case": {"id": "CASE-1", "score": 90, "confidence": 0.95},
	"targets": [{"arg": "user", "kind": "user", "value": "jdoe", "known": true, "role": "employee"}],
	"provenance": {"user": "case_entity"},
	"recent": {"same_tool_case": 0, "same_tool_window": 0, "window_seconds": 3600},
	"time": "2025-06-01T10:00:00Z",
}

test_kill_switch_holds_every_change if {
	every fixture in [isolation, ticket] {
		d := guard.decision with input as fixture with data.conductor.config.kill_switch as true
		d.outcome == "needs_approval"
		"kill switch is on: every change waits for a human" in d.reasons
	}
}

# Anything but the boolean false engages the switch: a typo in data.json
# stops changes instead of letting them run.
test_kill_switch_engaged_by_any_value_but_false if {
	every v in [true, "true", "false", 1, 0, "on", "off", null, [], {}] {
		every fixture in [isolation, ticket] {
			d := guard.decision with input as fixture with data.conductor.config.kill_switch as v
			d.outcome == "needs_approval"
			d.approver_role == "analyst"
			"kill switch is on: every change waits for a human" in d.reasons
		}
		d := guard.decision with input as lookup with data.conductor.config.kill_switch as v
		d.outcome == "allow"
	}
}

test_kill_switch_false_is_off if {
	d := guard.decision with input as ticket with data.conductor.config.kill_switch as false
	d.outcome == "allow"
}

test_kill_switch_off_lets_writes_run if {
	outcome(ticket) == "allow"
}

test_irreversible_destructive_by_agents_denied if {
	every who in ["agent:playbook", "agent:llm", "mcp:claude-desktop"] {
		d := decide(patched(reset, {"actor": who}))
		d.outcome == "deny"
		d.reasons == [sprintf("irreversible destructive action by %s: agents never run one", [who])]
	}
}

test_irreversible_destructive_by_analyst_held_for_lead if {
	req := patched(reset, {"actor": "analyst:alice", "actor_role": "analyst"})
	d := decide(req)
	d.outcome == "needs_approval"
	d.approver_role == "lead"
	d.reasons == ["irreversible destructive action: a lead must approve it"]
}

test_analyst_without_role_counts_as_agent if {
	outcome(patched(reset, {"actor": "analyst:alice"})) == "deny"
}

test_reversible_destructive_never_on_its_own if {
	d := decide(patched(reset, {"reversible": true}))
	d.outcome == "needs_approval"
	d.approver_role == "lead"
	d.reasons == ["destructive action: never runs on its own"]
}

test_mcp_containment_held if {
	d := decide(patched(isolation, {"actor": "mcp:ide"}))
	d.outcome == "needs_approval"
	d.reasons == [`MCP client mcp:ide: containment always needs approval`]
}

test_mcp_write_allowed if {
	outcome(patched(ticket, {"actor": "mcp:ide"})) == "allow"
}

test_unknown_actor_denied if {
	every who in ["", "root", "system:cron", "Agent:llm"] {
		d := decide(patched(ticket, {"actor": who}))
		d.outcome == "deny"
		d.reasons == [sprintf("actor %q is not analyst:, agent: or mcp:", [who])]
	}
}

test_suspected_injection_holds_containment if {
	d := decide(patched(isolation, {"case": {"suspected_injection": true}}))
	d.outcome == "needs_approval"
	d.approver_role == "lead"
	d.reasons == ["case is flagged as a suspected prompt injection"]
}

test_suspected_injection_leaves_writes_and_reads if {
	flag := {"case": {"suspected_injection": true}}
	outcome(patched(ticket, flag)) == "allow"
	outcome(patched(lookup, flag)) == "allow"
}

# A missing field must not slip past a negated check (see README.md: OPA lifts
# an undefined reference out of `not`).
test_missing_actor_denied if {
	d := decide(object.remove(ticket, ["actor"]))
	d.outcome == "deny"
	d.reasons == [`actor "" is not analyst:, agent: or mcp:`]
}
