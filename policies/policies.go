// Package policies holds Conductor's default Rego policies, their Rego tests and
// their data, embedded so that the binary runs without a policy folder.
//
// The files here are the source of truth: `opa test policies/` runs the same
// tests the guard runs before it accepts a policy. README.md documents the
// input, the output, every rule and every data key.
package policies

import "embed"

// FS holds the default policy: every .rego file (tests included) and data.json.
//
//go:embed *.rego data.json
var FS embed.FS
