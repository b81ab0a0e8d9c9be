package intel

import (
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// MaxFileSize caps one intel file; larger files fail with [ErrTooLarge].
const MaxFileSize = 64 << 20

// maxSkipNotes caps how many skipped entries one error names.
const maxSkipNotes = 10

// defaultFS carries the licence and notice files too: the BSD licences of
// the copied examples ask binary redistributions to reproduce them.
//
//go:embed defaults
var defaultFS embed.FS

// FileError is a problem with one intel file. With [ErrSkipped] inside, the
// file loaded in part.
type FileError struct {
	// Path is the file as given to [Set.LoadFile] or found by [LoadDir].
	Path string
	// Err is what was wrong.
	Err error
}

// Error returns "path: problem".
func (e *FileError) Error() string { return e.Path + ": " + e.Err.Error() }

// Unwrap returns the problem, for errors.Is.
func (e *FileError) Unwrap() error { return e.Err }

// Defaults returns the embedded default set: a few public STIX and MISP
// examples and demo.csv, the indicators the bundled demo scenarios hit.
func Defaults() (*Set, error) {
	s := New()
	entries, err := fs.ReadDir(defaultFS, "defaults")
	if err != nil {
		return nil, fmt.Errorf("reading default intel: %w", err)
	}
	for _, e := range entries {
		if !loadable(e.Name()) {
			continue
		}
		data, err := defaultFS.ReadFile("defaults/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("reading default intel: %w", err)
		}
		if _, err := s.loadBytes(e.Name(), data); err != nil {
			return nil, fmt.Errorf("loading default intel: %w", &FileError{e.Name(), err})
		}
	}
	return s, nil
}

// LoadDir loads every .json and .csv file under dir, recursively, skipping
// names that start with a dot. A file that fails, wholly or in part, adds a
// [*FileError] to the returned list and loading goes on; the final error is
// for dir itself being unusable.
func LoadDir(dir string) (*Set, []error, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("loading intel dir: %w", err)
	}
	if !info.IsDir() {
		return nil, nil, fmt.Errorf("loading intel dir: %s is not a directory", dir)
	}

	s := New()
	var errs []error
	walk := func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, &FileError{Path: path, Err: err})
			return nil
		}
		if path != dir && strings.HasPrefix(d.Name(), ".") {
			return skip(d)
		}
		if d.IsDir() || !loadable(path) {
			return nil
		}
		if _, err := s.LoadFile(path); err != nil {
			errs = append(errs, err)
		}
		return nil
	}
	if err := filepath.WalkDir(dir, walk); err != nil {
		return s, errs, fmt.Errorf("loading intel dir: %w", err)
	}
	return s, errs, nil
}

func skip(d fs.DirEntry) error {
	if d.IsDir() {
		return filepath.SkipDir
	}
	return nil
}

func loadable(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json", ".csv":
		return true
	}
	return false
}

// LoadFile adds the indicators of one file to s and returns how many it
// yielded (duplicates merge, so [Set.Len] may grow by less). The format
// follows the content for .json (a STIX 2.1 bundle, or a MISP event as
// {"Event": …} or {"response": [{"Event": …}]}) and is CSV for .csv; the
// package documentation says what each yields. Errors are [*FileError]; one
// wrapping [ErrSkipped] means the rest of the file did load.
func (s *Set) LoadFile(path string) (int, error) {
	data, err := readCapped(path)
	if err != nil {
		return 0, &FileError{Path: path, Err: err}
	}
	n, err := s.loadBytes(filepath.Base(path), data)
	if err != nil {
		return n, &FileError{Path: path, Err: err}
	}
	return n, nil
}

func readCapped(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()

	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading: %w", err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, MaxFileSize)
	}
	return data, nil
}

// loadBytes loads one file's content; name is its base name, used for the
// format, Ref and the fallback Source.
func (s *Set) loadBytes(name string, data []byte) (int, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return s.loadJSON(name, data)
	case ".csv":
		return s.loadCSV(name, data)
	}
	return 0, fmt.Errorf("%w: extension %q", ErrUnsupported, filepath.Ext(name))
}

func (s *Set) loadJSON(name string, data []byte) (int, error) {
	var top struct {
		Type     any             `json:"type"`
		Event    json.RawMessage `json:"Event"`
		Response json.RawMessage `json:"response"`
	}
	if err := json.Unmarshal(data, &top); err != nil {
		return 0, fmt.Errorf("decoding json: %w", err)
	}
	switch {
	case top.Type == "bundle":
		return s.loadSTIX(name, data)
	case top.Event != nil || top.Response != nil:
		return s.loadMISP(name, data)
	}
	return 0, fmt.Errorf("%w: json is neither a stix bundle nor a misp event", ErrUnsupported)
}

// loader carries one file's progress: what was added and what was skipped.
type loader struct {
	set     *Set
	file    string
	n       int
	skipped int
	notes   []string
}

// add stores ind, or notes why not; where names the entry in the file.
func (l *loader) add(ind Indicator, where string) {
	if err := l.set.add(ind); err != nil {
		l.skip(where, err)
		return
	}
	l.n++
}

func (l *loader) skip(where string, err error) {
	l.skipped++
	if len(l.notes) < maxSkipNotes {
		l.notes = append(l.notes, where+": "+err.Error())
	}
}

// done returns the count and, when entries were skipped, an error naming
// the first few.
func (l *loader) done() (int, error) {
	if l.skipped == 0 {
		return l.n, nil
	}
	msg := strings.Join(l.notes, "; ")
	if more := l.skipped - len(l.notes); more > 0 {
		msg += fmt.Sprintf("; and %d more", more)
	}
	return l.n, fmt.Errorf("%w (%d): %s", ErrSkipped, l.skipped, msg)
}
