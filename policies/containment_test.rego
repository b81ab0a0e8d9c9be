# Tests for containment.rego: which hosts, accounts and messages may be
# contained on their own, and at what confidence.
package conductor.guard_test

with_host(patch) := patched(isolation, {"targets": [object.union(workstation, patch)]})

account := {"arg": "user", "kind": "user", "value": "jdoe", "known": true, "role": "employee"}

disable := patched(isolation, {
	"tool": "idp.disable_user",
	"args": {"user": "jdoe"},
	"targets": [account],
	"provenance": {"user": "case_entity"},
})

with_user(patch) := patched(disable, {"targets": [object.union(account, patch)]})

held_for_lead(req, reason) if {
	d := decide(req)
	d.outcome == "needs_approval"
	d.approver_role == "lead"
	reason in d.reasons
}

test_laptop_allowed if {
	outcome(with_host({"asset_type": "laptop"})) == "allow"
}

test_confidence_threshold if {
	outcome(patched(isolation, {"case": {"confidence": 0.7}})) == "allow"
	d := decide(patched(isolation, {"case": {"confidence": 0.69}}))
	d.outcome == "needs_approval"
	d.approver_role == "analyst"
	d.reasons == ["case confidence 0.69 is below the containment threshold 0.7"]
}

test_confidence_threshold_from_data if {
	d := decide(isolation)
		with data.conductor.config.containment_min_confidence as 0.95
	d.outcome == "needs_approval"
}

test_confidence_not_a_number_held if {
	outcome(patched(isolation, {"case": {"confidence": "0.9"}})) == "needs_approval"
	outcome(patched(isolation, {"case": {"id": "CASE-1"}, "targets": [workstation]})) == "allow"
}

test_missing_confidence_held if {
	outcome(patched(object.remove(isolation, ["case"]), {"case": {"id": "C"}})) == "needs_approval"
}

test_sensitive_hosts_held_for_lead if {
	held_for_lead(with_host({"known": false}), `host "ws-042" is not in the inventory`)
	every kind in ["server", "database", "firewall"] {
		reason := sprintf(`host "ws-042" is a %s, not a routine workstation`, [kind])
		held_for_lead(with_host({"asset_type": kind}), reason)
	}
	held_for_lead(with_host({"crown_jewel": true}), `host "ws-042" is a crown jewel`)
	held_for_lead(with_host({"criticality": "critical"}), `host "ws-042" has critical criticality`)
	held_for_lead(with_host({"criticality": "high"}), `host "ws-042" has high criticality`)
}

test_host_without_asset_type_held if {
	req := patched(isolation, {"targets": [object.remove(workstation, ["asset_type"])]})
	held_for_lead(req, `host "ws-042" is a host of unknown type, not a routine workstation`)
}

# T5: a domain controller is never isolated on its own, whatever the confidence.
test_domain_controller_never_on_its_own if {
	every who in ["agent:playbook", "agent:llm", "mcp:ide"] {
		req := patched(with_host({"asset_type": "domain_controller", "value": "dc01"}), {
			"actor": who,
			"case": {"confidence": 1},
		})
		d := decide(req)
		d.outcome == "needs_approval"
		d.approver_role == "lead"
		`host "dc01" is a domain controller` in d.reasons
	}
}

test_employee_account_allowed if {
	outcome(disable) == "allow"
}

test_sensitive_accounts_held_for_lead if {
	held_for_lead(with_user({"known": false}), `account "jdoe" is not in the directory`)
	held_for_lead(with_user({"role": "admin"}), `account "jdoe" has role admin`)
	held_for_lead(with_user({"role": "service"}), `account "jdoe" has role service`)
	held_for_lead(with_user({"role": "executive"}), `account "jdoe" has role executive`)
	held_for_lead(with_user({"vip": true}), `account "jdoe" belongs to a VIP`)
	no_role := patched(disable, {"targets": [object.remove(account, ["role"])]})
	held_for_lead(no_role, `account "jdoe" has role unknown`)
}

# T5: agents never disable the break-glass account; a human needs a lead.
test_break_glass_denied_for_agents if {
	req := with_user({"value": "bg-admin", "break_glass": true, "role": "admin"})
	d := decide(req)
	d.outcome == "deny"
	d.reasons == [`account "bg-admin" is a break-glass account: agents never touch it`]
}

test_break_glass_held_for_humans if {
	req := patched(with_user({"value": "bg-admin", "break_glass": true}), {
		"actor": "analyst:alice",
		"actor_role": "lead",
	})
	held_for_lead(req, `account "bg-admin" is a break-glass account`)
}

test_no_targets_held if {
	reason := "no target facts: the policy cannot tell what this changes"
	held_for_lead(object.remove(isolation, ["targets"]), reason)
}

test_irreversible_containment_held if {
	held_for_lead(patched(isolation, {"reversible": false}), "containment that cannot be undone")
}

test_messages_must_be_known if {
	msg := {"arg": "message_id", "kind": "message", "value": "<abc@mail>", "known": true}
	quarantine := patched(isolation, {
		"tool": "mail.quarantine",
		"args": {"message_id": "<abc@mail>"},
		"targets": [msg],
		"provenance": {"message_id": "case_entity"},
	})
	outcome(quarantine) == "allow"
	unknown := patched(quarantine, {"targets": [object.union(msg, {"known": false})]})
	held_for_lead(unknown, `message "<abc@mail>" is not known to the mail system`)
}

test_internal_sender_block_held if {
	sender := {
		"arg": "sender", "kind": "email", "value": "ceo@corp.example",
		"known": true, "internal": true,
	}
	req := patched(isolation, {
		"tool": "mail.block_sender",
		"args": {"sender": "ceo@corp.example"},
		"targets": [sender],
		"provenance": {"sender": "case_entity"},
	})
	held_for_lead(req, `address "ceo@corp.example" is internal`)
}

test_unknown_target_kind_held if {
	process := {"arg": "pid", "kind": "process", "value": "4242", "known": true}
	req := patched(isolation, {"targets": [process]})
	held_for_lead(req, `target "4242" is of kind "process", which no rule covers`)
}

test_missing_case_held if {
	d := decide(object.remove(isolation, ["case"]))
	d.outcome == "needs_approval"
	"case confidence missing is below the containment threshold 0.7" in d.reasons
}

test_missing_targets_never_allowed if {
	every req in [object.remove(isolation, ["targets"]), patched(isolation, {"targets": []})] {
		outcome(req) == "needs_approval"
	}
}

# The organisation's allow-list (allow_listed, set by the engine from the
# directory): no containment or destructive action acts on what it names.
test_allow_listed_targets_denied if {
	every req, reason in {
		with_host({"allow_listed": true}): `host "ws-042" is on the organisation's allow-list: policies do not act on it`,
		with_user({"allow_listed": true}): `user "jdoe" is on the organisation's allow-list: policies do not act on it`,
		patched(block_ip("203.0.113.7"), {"targets": [{
			"arg": "ip", "kind": "ip", "value": "203.0.113.7", "known": true, "allow_listed": true,
		}]}): `ip "203.0.113.7" is on the organisation's allow-list: policies do not act on it`,
		patched(block_domain("github.com"), {"targets": [{
			"arg": "domain", "kind": "domain", "value": "github.com", "known": true, "allow_listed": true,
		}]}): `domain "github.com" is on the organisation's allow-list: policies do not act on it`,
	} {
		d := decide(req)
		d.outcome == "deny"
		d.reasons == [reason]
	}
}

test_allow_listed_destructive_denied if {
	req := patched(with_user({"allow_listed": true}), {
		"risk": "destructive", "actor": "analyst:alice", "actor_role": "lead",
	})
	d := decide(req)
	d.outcome == "deny"
	d.reasons == [`user "jdoe" is on the organisation's allow-list: policies do not act on it`]
}

# Reads and writes that mention an allow-listed entity run as before, and
# allow_listed false or absent changes nothing.
test_allow_listed_reads_and_writes_run if {
	target := object.union(workstation, {"allow_listed": true})
	outcome(patched(lookup, {"targets": [target]})) == "allow"
	outcome(patched(ticket, {"targets": [target]})) == "allow"
	outcome(with_host({"allow_listed": false})) == "allow"
}

test_allow_listed_target_without_kind_denied if {
	req := patched(isolation, {"targets": [{"arg": "host", "value": "ws-042", "allow_listed": true}]})
	d := decide(req)
	d.outcome == "deny"
	`target "ws-042" is on the organisation's allow-list: policies do not act on it` in d.reasons
}

# A sender allow-listed after its messages were quarantined as a false
# positive can still be released: lifting a containment is not acting on it.
test_allow_listed_release_allowed if {
	release := patched(with_host({"allow_listed": true}), {
		"tool": "edr.release_host",
		"lifts": true,
	})
	outcome(release) == "allow"
}
