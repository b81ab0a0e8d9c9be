# Blast radius: however confident a case, a burst of the same containment is
# how a wrong verdict or an injected instruction does the most harm (T4). Past
# the per-case or the global limit, every further one waits for a lead.
package conductor.guard

recent := object.get(input, "recent", {})

# within_limit is false for a missing or malformed count: no count, no trust.
within_limit(key, limit) if {
	n := object.get(recent, key, null)
	is_number(n)
	n < limit
}

hold contains lead(msg) if {
	containment
	not within_limit("same_tool_case", per_case_limit)
	msg := sprintf(
		"%v %s actions already on this case reach the per-case limit of %v",
		[object.get(recent, "same_tool_case", "?"), object.get(input, "tool", "?"), per_case_limit],
	)
}

hold contains lead(msg) if {
	containment
	not within_limit("same_tool_window", global_limit)
	msg := sprintf(
		"%v %s actions in the last %vs reach the global limit of %v",
		[
			object.get(recent, "same_tool_window", "?"), object.get(input, "tool", "?"),
			object.get(recent, "window_seconds", "?"), global_limit,
		],
	)
}
