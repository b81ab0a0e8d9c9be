package telemetry

import (
	"errors"
	"fmt"
)

// ErrUnknownFormat is returned (or recorded for a zip member) when input is neither
// JSON, NDJSON, Zeek TSV nor an archive of them.
var ErrUnknownFormat = errors.New("unknown telemetry format")

// ErrLineTooLong is recorded for a line longer than [Config.MaxLineBytes]; the line is
// skipped.
var ErrLineTooLong = errors.New("line too long")

// ErrTooManyErrors ends the list of [LineError] values in a [LoadReport] when more
// lines were bad than the report keeps.
var ErrTooManyErrors = errors.New("too many bad lines")

// ErrBadQuery is wrapped by every [*QueryError] and by invalid [Query] settings.
var ErrBadQuery = errors.New("bad query")

// LineError says which line of which file could not be loaded and why. Line counts
// from 1; for a JSON array it is the line where the element starts.
type LineError struct {
	File string
	Line int
	Err  error
}

// Error renders the error as "file:line: what".
func (e LineError) Error() string {
	return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
}

// Unwrap returns the cause, so errors.Is(err, ErrLineTooLong) works.
func (e LineError) Unwrap() error { return e.Err }

// QueryError describes a query that cannot be parsed: where, which token, what is
// wrong and how to fix it.
type QueryError struct {
	// Pos is the byte offset of Token in the query.
	Pos     int
	Token   string
	Problem string
	Fix     string
}

// Error renders the error with the token, the problem and the fix.
func (e *QueryError) Error() string {
	return fmt.Sprintf("bad query at %q (offset %d): %s; %s", e.Token, e.Pos, e.Problem, e.Fix)
}

// Unwrap returns [ErrBadQuery].
func (e *QueryError) Unwrap() error { return ErrBadQuery }
