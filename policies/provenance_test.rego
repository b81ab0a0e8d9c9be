# Tests for provenance.rego: arguments from untrusted text or made up by the
# planner wait for a human (T1).
package conductor.guard_test

test_untrusted_arguments_held if {
	every src in ["untrusted_text", "planner"] {
		d := decide(patched(isolation, {"provenance": {"host": src}}))
		d.outcome == "needs_approval"
		d.reasons == [sprintf("argument host comes from %s", [src])]
	}
}

test_trusted_arguments_allowed if {
	every src in ["case_entity", "analyst"] {
		outcome(patched(isolation, {"provenance": {"host": src}})) == "allow"
	}
}

test_unknown_provenance_held if {
	d := decide(patched(isolation, {"provenance": {"host": "llm"}}))
	d.reasons == [`argument host has unknown provenance "llm"`]
}

test_missing_provenance_held if {
	d := decide(object.remove(isolation, ["provenance"]))
	d.outcome == "needs_approval"
	d.reasons == ["argument host has no recorded provenance"]
}

test_planner_written_ticket_allowed if {
	outcome(ticket) == "allow"
}

test_untrusted_recipient_held if {
	notify := patched(ticket, {
		"tool": "notify.email",
		"args": {"to": "attacker@evil.example", "body": "case summary"},
		"provenance": {"to": "untrusted_text", "body": "planner"},
	})
	d := decide(notify)
	d.outcome == "needs_approval"
	d.reasons == ["argument to comes from untrusted_text"]
}

# T1: an obedient planner copies "disable firewall rule FW-1" from an alert.
test_injected_firewall_change_held if {
	req := patched(isolation, {
		"tool": "firewall.disable_rule",
		"args": {"rule_id": "FW-1"},
		"targets": [{"arg": "rule_id", "kind": "host", "value": "FW-1", "known": false}],
		"provenance": {"rule_id": "untrusted_text"},
		"case": {"suspected_injection": true},
	})
	d := decide(req)
	d.outcome == "needs_approval"
	d.approver_role == "lead"
	"argument rule_id comes from untrusted_text" in d.reasons
	"case is flagged as a suspected prompt injection" in d.reasons
}

notify_to(recipient, internal) := patched(ticket, {
	"tool": "notify",
	"args": {"channel": "email", "to": recipient, "message": "case summary"},
	"targets": [{
		"arg": "to", "kind": "recipient", "value": recipient, "known": true,
		"internal": internal,
	}],
	"provenance": {"to": "case_entity", "message": "planner"},
})

# T1/T2: the phish's own sender is a case entity, yet case data sent there
# leaves the organisation: a human decides.
test_outside_recipient_held if {
	d := decide(notify_to("exfil@evil.example", false))
	d.outcome == "needs_approval"
	d.approver_role == "analyst"
	d.reasons == [`recipient "exfil@evil.example" is outside the organisation`]
}

test_inside_recipient_allowed if {
	outcome(notify_to("soc-leads", true)) == "allow"
}
