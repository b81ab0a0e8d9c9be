// Package guardrails decides, action by action, whether a proposed tool call may
// run on its own, must wait for a human, or never runs.
//
// Vocabulary: a [Request] describes one proposed action with the facts a policy
// needs; the embedded OPA evaluates the Rego policies and returns a [Decision]
// (allow, needs_approval or deny, with reasons and the policy version); an
// allowed decision carries a [Permit], the only thing the tool registry accepts;
// a held action becomes an [Approval] that a human of the required role decides.
//
// The guard fails closed: an engine error, a timeout, an undefined or malformed
// result, or no valid policy at all is never an allow. It trusts nothing the
// planner claims; the facts in a Request come from the case store, the
// inventory and the directory.
package guardrails
