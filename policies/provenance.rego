# An argument the planner made up, or read only from untrusted free text (an
# alert description, an e-mail body, a tool result), may be an attacker's words
# obeyed by the model (T1). Such an argument is held for a human to check.
package conductor.guard

provenance := object.get(input, "provenance", {})

untrusted_sources := {"untrusted_text", "planner"}

trusted_sources := {"case_entity", "analyst"}

# Free-text arguments of a write (a ticket body, a note) are expected to come
# from the planner; their values name nothing in the estate.
exempt(name) if {
	write
	name in free_text_args
}

hold contains routine(sprintf("argument %s comes from %s", [name, src])) if {
	not read_only
	some name, src in provenance
	src in untrusted_sources
	not exempt(name)
}

hold contains routine(sprintf("argument %s has unknown provenance %q", [name, src])) if {
	not read_only
	some name, src in provenance
	not src in untrusted_sources
	not src in trusted_sources
}

# Every argument that names a target of an estate-changing action must say
# where it came from; other parameters (a duration, a reason) name nothing.
hold contains routine(sprintf("argument %s has no recorded provenance", [name])) if {
	changes_estate
	some t in targets
	name := t.arg
	not provenance[name]
}
