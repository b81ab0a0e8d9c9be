# Blast radius: however confident a case, a burst of the same containment is
# how a wrong verdict or an injected instruction does the most harm (T4). Past
# the per-case or the global limit, every further one waits for a lead.
package conductor.guard

# A missing or malformed count is never within a limit: no count, no trust.
under_case_limit if {
	limit := config.blast_radius.per_case
	is_number(limit)
	n := input.recent.same_tool_case
	is_number(n)
	n < limit
}

under_global_limit if {
	limit := config.blast_radius.global
	is_number(limit)
	n := input.recent.same_tool_window
	is_number(n)
	n < limit
}

sensitive_holds contains msg if {
	input.risk == "containment"
	not under_case_limit
	msg := sprintf(
		"%v %s actions already on this case reach the per-case limit of %v",
		[
			object.get(input, ["recent", "same_tool_case"], "no"), tool,
			object.get(config, ["blast_radius", "per_case"], "unset"),
		],
	)
}

sensitive_holds contains msg if {
	input.risk == "containment"
	not under_global_limit
	msg := sprintf(
		"%v %s actions in the last %vs reach the global limit of %v",
		[
			object.get(input, ["recent", "same_tool_window"], "no"), tool,
			object.get(input, ["recent", "window_seconds"], "?"),
			object.get(config, ["blast_radius", "global"], "unset"),
		],
	)
}
