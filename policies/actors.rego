# Who is asking changes what may run on its own: agents and MCP clients never
# run irreversible changes, MCP clients never contain on their own, and the kill
# switch stops every change until a human approves it.
package conductor.guard

# human: an analyst whose authenticated role is a human role. An "analyst:"
# actor without such a role is treated as an agent, the stricter reading.
human if {
	startswith(actor, "analyst:")
	input.actor_role in human_roles
}

# agent covers every actor that is not a verified human: agent:*, mcp:* and
# anything unrecognised.
agent if not human

mcp if startswith(actor, "mcp:")

actor_prefixes := ["analyst:", "agent:", "mcp:"]

known_actor if {
	some prefix in actor_prefixes
	startswith(actor, prefix)
}

deny_reasons contains sprintf("actor %q is not analyst:, agent: or mcp:", [actor]) if {
	not known_actor
}

hold contains routine("kill switch is on: every change waits for a human") if {
	kill_switch == true
}

deny_reasons contains msg if {
	destructive
	input.reversible == false
	agent
	msg := sprintf("irreversible destructive action by %s: agents never run one", [actor])
}

hold contains lead("irreversible destructive action: a lead must approve it") if {
	destructive
	input.reversible == false
	human
}

hold contains lead("destructive action: never runs on its own") if {
	destructive
	not input.reversible == false
}

hold contains routine(sprintf("MCP client %s: containment always needs approval", [actor])) if {
	containment
	mcp
}

hold contains lead("case is flagged as a suspected prompt injection") if {
	changes_estate
	input.case.suspected_injection == true
}
