# Blast radius: however confident a case, a burst of the same containment is
# how a wrong verdict or an injected instruction does the most harm (T4). Past
# the per-case or the global limit, every further one waits for a lead.
package conductor.guard

import data.conductor.config

# A missing or malformed count is never within a limit: no count, no trust.
# The limits are numbers: config_problems refuses data where they are not.

case_limit_hold := sprintf(
	"%v %s actions already on this case reach the per-case limit of %v",
	[object.get(input, ["recent", "same_tool_case"], "no"), tool, config.blast_radius.per_case],
)

sensitive_holds contains case_limit_hold if {
	input.risk == "containment"
	not is_number(object.get(input, ["recent", "same_tool_case"], null))
}

sensitive_holds contains case_limit_hold if {
	input.risk == "containment"
	input.recent.same_tool_case >= config.blast_radius.per_case
}

global_limit_hold := sprintf(
	"%v %s actions in the last %vs reach the global limit of %v",
	[
		object.get(input, ["recent", "same_tool_window"], "no"), tool,
		object.get(input, ["recent", "window_seconds"], "?"), config.blast_radius.global,
	],
)

sensitive_holds contains global_limit_hold if {
	input.risk == "containment"
	not is_number(object.get(input, ["recent", "same_tool_window"], null))
}

sensitive_holds contains global_limit_hold if {
	input.risk == "containment"
	input.recent.same_tool_window >= config.blast_radius.global
}
