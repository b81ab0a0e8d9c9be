# Tests for blast_radius.rego: limits on bursts of the same containment (T4).
package conductor.guard_test

with_recent(case_count, window_count) := patched(isolation, {"recent": {
	"same_tool_case": case_count,
	"same_tool_window": window_count,
}})

test_under_limits_allowed if {
	outcome(with_recent(2, 9)) == "allow"
}

test_per_case_limit_held if {
	d := decide(with_recent(3, 3))
	d.outcome == "needs_approval"
	d.approver_role == "lead"
	d.reasons == ["3 edr.isolate_host actions already on this case reach the per-case limit of 3"]
}

test_global_limit_held if {
	d := decide(with_recent(0, 10))
	d.reasons == ["10 edr.isolate_host actions in the last 3600s reach the global limit of 10"]
}

test_limits_from_data if {
	d := decide(with_recent(3, 3))
		with data.conductor.config.blast_radius as {"per_case": 5, "global": 50}
	d.outcome == "allow"
}

test_missing_counts_held if {
	outcome(object.remove(isolation, ["recent"])) == "needs_approval"
	outcome(patched(isolation, {"recent": {"same_tool_case": "0"}})) == "needs_approval"
}

# T4: of 40 proposed isolations on one case, only the first 3 run on their own.
test_forty_isolations_at_most_three_alone if {
	outcomes := [outcome(with_recent(n, n)) | some n in numbers.range(0, 39)]
	count([o | some o in outcomes; o == "allow"]) == 3
	count([o | some o in outcomes; o == "needs_approval"]) == 37
}

test_limits_ignore_writes if {
	outcome(patched(ticket, {"recent": {"same_tool_case": 100, "same_tool_window": 100}})) == "allow"
}
