# Blast radius: however confident a case, a burst of the same containment is
# how a wrong verdict or an injected instruction does the most harm (T4). Past
# the per-case or the global limit, every further one waits for a lead.
package conductor.guard

# within_limit is false for a missing or malformed count: no count, no trust.
within_limit(n, limit) if {
	is_number(n)
	n < limit
}

sensitive_holds contains msg if {
	input.risk == "containment"
	n := object.get(input, ["recent", "same_tool_case"], "no")
	not within_limit(n, per_case_limit)
	msg := sprintf(
		"%v %s actions already on this case reach the per-case limit of %v",
		[n, tool, per_case_limit],
	)
}

sensitive_holds contains msg if {
	input.risk == "containment"
	n := object.get(input, ["recent", "same_tool_window"], "no")
	not within_limit(n, global_limit)
	msg := sprintf(
		"%v %s actions in the last %vs reach the global limit of %v",
		[n, tool, object.get(input, ["recent", "window_seconds"], "?"), global_limit],
	)
}
