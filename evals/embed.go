package evals

import "embed"

// files holds the scenarios shipped with Conductor and their inputs.
//
//go:embed scenarios testdata
var files embed.FS

// Embedded loads the scenarios compiled into the binary (evals/scenarios).
func Embedded() ([]Scenario, error) {
	return LoadFS(files, "scenarios", "evals")
}
