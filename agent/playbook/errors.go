package playbook

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid marks every problem found in a playbook file, at load or at
// [Set.Validate]; the error chain also holds a [*LoadError] with the position.
var ErrInvalid = errors.New("invalid playbook")

// LoadError names where a playbook is wrong: the file, the line, the playbook,
// the step and the field, so an author can go straight to the mistake.
type LoadError struct {
	File     string
	Line     int
	Playbook string
	Step     string
	Field    string
	Err      error
}

// Error reads like "phishing.yaml:12: playbook "x": step "y": when: ...".
func (e *LoadError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Playbook != "" {
		fmt.Fprintf(&b, ": playbook %q", e.Playbook)
	}
	if e.Step != "" {
		fmt.Fprintf(&b, ": step %q", e.Step)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": %s", e.Field)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

// Unwrap returns the cause.
func (e *LoadError) Unwrap() error { return e.Err }

// Is makes every LoadError match [ErrInvalid].
func (e *LoadError) Is(target error) bool { return target == ErrInvalid }

// where is the position an error is reported at while a file is decoded.
type where struct {
	file     string
	playbook string
	step     string
}

func (w where) errf(line int, field, format string, args ...any) error {
	return &LoadError{
		File: w.file, Line: line, Playbook: w.playbook, Step: w.step, Field: field,
		Err: fmt.Errorf(format, args...),
	}
}

// suggest returns ` (did you mean "x"?)` when a known word is one or two edits
// away from the unknown one, or starts with it, else a list of the known words.
func suggest(unknown string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		d := editDistance(unknown, k)
		if len(unknown) >= 3 && strings.HasPrefix(k, unknown) {
			d = min(d, 2)
		}
		if d < bestDist {
			best, bestDist = k, d
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return fmt.Sprintf(" (known: %s)", strings.Join(known, ", "))
}

// editDistance is the Levenshtein distance, enough for short field names.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
