// Package agent runs investigations.
//
// Vocabulary, used in every comment of this module:
//   - a finding is one normalized alert, reported e-mail or analyst question;
//   - a case groups findings that share entities within a time window;
//   - a step is one entry in a case's tamper-evident record;
//   - an action is one proposed tool call with its arguments;
//   - a decision is the guard's allow, needs_approval or deny for an action;
//   - an approval is a human's answer to a held action.
//
// The [Engine] correlates findings into cases, enriches and scores them, asks a
// [Planner] what to do, sends every proposed action through the guard, runs what
// the guard allows through the tool registry, and records each step before and
// after it happens. A held action pauses only its own branch; the case goes on
// and resumes that branch when a human decides.
package agent
