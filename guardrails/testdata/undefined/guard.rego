# A policy whose decision rule name has a typo: data.conductor.guard.decision
# is undefined for every input (T6).
package conductor.guard

decison := {"outcome": "allow", "reasons": ["typo"], "approver_role": "", "ttl_seconds": 0}
