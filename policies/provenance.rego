# An argument the planner made up, or read only from untrusted free text (an
# alert description, an e-mail body, a tool result), may be an attacker's words
# obeyed by the model (T1). Such an argument is held for a human to check.
package conductor.guard

import data.conductor.config

# Free-text arguments of a write (a ticket body, a note) are expected to come
# from the planner; their values name nothing in the estate.
routine_holds contains sprintf("argument %s comes from %s", [name, src]) if {
	input.risk != "write"
	some name, src in input.provenance
	src in {"untrusted_text", "planner"}
}

routine_holds contains sprintf("argument %s comes from %s", [name, src]) if {
	input.risk == "write"
	some name, src in input.provenance
	src in {"untrusted_text", "planner"}
	not name in config.free_text_args
}

routine_holds contains sprintf("argument %s has unknown provenance %q", [name, src]) if {
	some name, src in input.provenance
	not src in {"untrusted_text", "planner", "case_entity", "analyst"}
}

# Every argument that names a target of an estate-changing action (see
# input.targets) must say where it came from. Other parameters, such as a
# duration, a reason or a message subject used to find copies, name no target.
change_routine_holds contains sprintf("argument %s has no recorded provenance", [name]) if {
	some t in input.targets
	name := t.arg
	not input.provenance[name]
}

# A write that sends case data (a notification) to a recipient outside the
# organisation waits for a human, wherever the name came from: the phish's own
# sender is a case entity, and the last address case data should reach unseen.
routine_holds contains sprintf("recipient %q is outside the organisation", [t.value]) if {
	input.risk == "write"
	some t in input.targets
	t.kind == "recipient"
	not t.internal == true
}
