# Who is asking changes what may run on its own: agents and MCP clients never
# run irreversible changes, MCP clients never contain on their own, and the kill
# switch stops every change until a human approves it.
package conductor.guard

import data.conductor.config

# human: an analyst whose authenticated role is a human role. An "analyst:"
# actor without such a role is treated as an agent, the stricter reading.
human if {
	startswith(input.actor, "analyst:")
	input.actor_role in config.human_roles
}

# agent covers every actor that is not a verified human: agent:*, mcp:* and
# anything unrecognised.
agent if not human

deny_reasons contains sprintf("actor %q is not analyst:, agent: or mcp:", [actor]) if {
	a := object.get(input, "actor", "")
	not startswith(a, "agent:")
	not startswith(a, "analyst:")
	not startswith(a, "mcp:")
}

default actor := ""

actor := input.actor

# Any value but the boolean false engages the switch: a typo ("true", 1, "on",
# null) stops changes rather than letting them run. (A missing key is a
# config problem: the guard refuses the data.)
routine_holds contains "kill switch is on: every change waits for a human" if {
	config.kill_switch != false
}

deny_reasons contains msg if {
	input.risk == "destructive"
	input.reversible == false
	agent
	msg := sprintf("irreversible destructive action by %s: agents never run one", [actor])
}

sensitive_holds contains "irreversible destructive action: a lead must approve it" if {
	input.risk == "destructive"
	input.reversible == false
	human
}

sensitive_holds contains "destructive action: never runs on its own" if {
	input.risk == "destructive"
	not input.reversible == false
}

routine_holds contains sprintf("MCP client %s: containment always needs approval", [actor]) if {
	input.risk == "containment"
	startswith(input.actor, "mcp:")
}

change_sensitive_holds contains "case is flagged as a suspected prompt injection" if {
	input.case.suspected_injection == true
}
