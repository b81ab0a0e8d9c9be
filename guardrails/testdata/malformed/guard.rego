# A policy whose decisions are malformed in every way the guard checks.
package conductor.guard

tool := object.get(input, "tool", "")

decision := {"outcome": "maybe", "reasons": [], "approver_role": "", "ttl_seconds": 0} if {
	tool == "bad.outcome"
} else := {"outcome": "deny", "reasons": [1, 2], "approver_role": "", "ttl_seconds": 0} if {
	tool == "bad.reasons"
} else := {"outcome": "allow", "reasons": "fine"} if {
	tool == "bad.reason_list"
} else := "allow" if {
	tool == "bad.type"
} else := {"outcome": "needs_approval", "reasons": ["x"], "approver_role": "root", "ttl_seconds": 60} if {
	tool == "bad.role"
} else := {"outcome": "needs_approval", "reasons": ["x"], "approver_role": "lead", "ttl_seconds": 0} if {
	tool == "bad.ttl"
} else := {"outcome": "deny", "reasons": [to_number(tool)], "approver_role": "", "ttl_seconds": 0} if {
	tool == "bad.builtin"
} else := {"outcome": "allow", "reasons": ["well formed"], "approver_role": "", "ttl_seconds": 0}

# A second definition that disagrees with the first for one tool: evaluating
# it is a conflict error.
decision := {"outcome": "deny", "reasons": ["conflict"], "approver_role": "", "ttl_seconds": 0} if {
	tool == "bad.conflict"
}
