// Package evals measures Conductor against scenarios with ground truth.
//
// A scenario is a YAML file: the inputs of one incident (alert files, reported
// e-mails, telemetry, inline alert JSON, or a reference into the shared
// corpus), optional connector faults, and what a good analyst expects — the
// verdict, the actions that must and must never run, the approvals that must
// be requested, the ATT&CK techniques, manual tasks, and analyst questions with
// their right answers. docs/evals.md describes the format field by field.
//
// [Run] investigates every scenario in a fresh lab (a new database per run)
// and scores what happened by exact matching — no judge model — into a
// [Scorecard]: verdict accuracy, action precision and recall, forbidden
// actions taken, approval correctness, technique F1, question accuracy, model
// usage and time per case, and one row per scenario saying which check failed
// and why.
package evals

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Verdicts a scenario may expect, as the engine writes them.
var Verdicts = []string{"malicious", "suspicious", "benign", "inconclusive"}

// ActionStatuses are the action statuses an expectation may name: what the
// engine writes on an action, plus "any" for "proposed at all".
var ActionStatuses = []string{
	"executed", "held", "denied", "failed", "rejected", "expired", "superseded",
	"proposed", "running", "any",
}

// Scenario is one incident with its ground truth.
type Scenario struct {
	// Name is a short unique id: lowercase letters, digits and dashes.
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// Category groups scenarios in the scorecard: phishing, benign-mail,
	// endpoint, brute-force, sign-in, false-positive, crown-jewel, injection,
	// connector-failure, duplicate.
	Category string  `yaml:"category"`
	Inputs   []Input `yaml:"inputs"`
	// Faults make lab tools fail, keyed by tool name.
	Faults map[string]Fault `yaml:"faults"`
	Expect Expect           `yaml:"expect"`

	// File is where the scenario was loaded from, for messages.
	File string `yaml:"-"`
}

// Input is one thing the scenario feeds the product. Exactly one of File,
// Corpus, Inline and Telemetry is set.
type Input struct {
	// File is an alert file or an .eml, relative to the scenario file.
	File string `yaml:"file"`
	// Corpus is a path inside the corpus root (phishing_pot/sample-10.eml).
	// The file is read at run time; without it the scenario is skipped.
	Corpus string `yaml:"corpus"`
	// Inline is one alert written into the scenario: a mapping (turned into
	// JSON) or a string of JSON.
	Inline any `yaml:"inline"`
	// Telemetry is a file of events loaded for siem.search, relative to the
	// scenario file.
	Telemetry string `yaml:"telemetry"`
	// Wave orders the inputs: wave 1 is ingested and investigated, then wave
	// 2, and so on. Zero means 1.
	Wave int `yaml:"wave"`

	// Name is the file name handed to the parser; Data its bytes (nil for a
	// corpus input until it is resolved).
	Name string `yaml:"-"`
	Data []byte `yaml:"-"`
}

// IsTelemetry reports whether the input is loaded as telemetry rather than
// ingested as alerts.
func (in Input) IsTelemetry() bool { return in.Telemetry != "" }

// Fault is a lab failure to inject into one tool (see lab.Fault).
type Fault struct {
	Transient   int  `yaml:"transient"`
	AfterEffect int  `yaml:"after_effect"`
	Permanent   bool `yaml:"permanent"`
}

// Expect is a scenario's ground truth.
type Expect struct {
	// Verdict lists the acceptable verdicts of the primary case: the case of
	// the first finding of the first wave.
	Verdict Strings `yaml:"verdict"`
	// Cases is how many distinct cases the inputs must make; zero means any.
	Cases int `yaml:"cases"`
	// Flags must all be on the primary case (suspected_injection, …).
	Flags []string `yaml:"flags"`
	// Must lists actions that must happen; each needs one matching action.
	Must []ActionSpec `yaml:"must"`
	// May lists actions that are acceptable but not required; they count as
	// correct for precision.
	May []ActionSpec `yaml:"may"`
	// MustNot lists actions that must never happen. An executed action (or a
	// lab change) matching one is a forbidden action.
	MustNot []ActionSpec `yaml:"must_not"`
	// Approvals lists the approvals that must be requested.
	Approvals []ActionSpec `yaml:"approvals"`
	// Techniques are the ATT&CK ids the cases must carry. An expected parent
	// (T1003) is matched by itself or any of its sub-techniques.
	Techniques []string `yaml:"techniques"`
	// Tasks are substrings (any case) of manual task titles that must exist.
	Tasks []string `yaml:"tasks"`
	// Questions are asked of the primary case after the investigation.
	Questions []Question `yaml:"questions"`
}

// ActionSpec matches actions. Tool is a tool name, or a prefix ending in "*"
// ("edr.*"); Risk matches by the tool's risk class instead. Args is a subset of
// the action's arguments, compared case-insensitively for strings. Status
// lists acceptable statuses: executed when empty for Must, MustNot and May;
// Approvals ignore it.
type ActionSpec struct {
	Tool   string         `yaml:"tool"`
	Risk   Strings        `yaml:"risk"`
	Args   map[string]any `yaml:"args"`
	Status Strings        `yaml:"status"`
	// Why documents the expectation for people reading the scenario.
	Why string `yaml:"why"`

	// From names the file the spec came from when it is not the scenario's
	// own (suite.yaml).
	From string `yaml:"-"`
}

// String renders the spec compactly for messages.
func (s ActionSpec) String() string {
	var b strings.Builder
	switch {
	case s.Tool != "":
		b.WriteString(s.Tool)
	default:
		fmt.Fprintf(&b, "any %s action", strings.Join(s.Risk, "/"))
	}
	if len(s.Args) > 0 {
		fmt.Fprintf(&b, " %s", compactJSON(s.Args))
	}
	if len(s.Status) > 0 {
		fmt.Fprintf(&b, " [%s]", strings.Join(s.Status, "|"))
	}
	return b.String()
}

// Question is an analyst question about the primary case and the strings its
// answer must hold (any case). Reject lists strings it must not hold.
type Question struct {
	Ask    string   `yaml:"ask"`
	Want   []string `yaml:"want"`
	Reject []string `yaml:"reject"`
}

// Strings is a list that YAML may also write as a single value.
type Strings []string

// UnmarshalYAML accepts a scalar or a sequence of scalars.
func (s *Strings) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		if n.Tag == "!!null" {
			*s = nil
			return nil
		}
		*s = Strings{n.Value}
		return nil
	}
	var list []string
	if err := n.Decode(&list); err != nil {
		return err
	}
	*s = list
	return nil
}

// Contains reports whether v is in the list, ignoring case.
func (s Strings) Contains(v string) bool {
	for _, x := range s {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// waves returns the distinct waves of the inputs, in order.
func (sc *Scenario) waves() []int {
	last := 0
	for _, in := range sc.Inputs {
		last = max(last, wave(in))
	}
	var out []int
	for w := 1; w <= last; w++ {
		for _, in := range sc.Inputs {
			if wave(in) == w {
				out = append(out, w)
				break
			}
		}
	}
	return out
}

func wave(in Input) int {
	if in.Wave <= 0 {
		return 1
	}
	return in.Wave
}

// corpusInputs reports whether any input reads from the corpus.
func (sc *Scenario) corpusInputs() bool {
	for _, in := range sc.Inputs {
		if in.Corpus != "" {
			return true
		}
	}
	return false
}
