package telemetry

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// maxLineErrors is how many bad lines a report lists; the rest are counted in one
// final [ErrTooManyErrors] entry so a file of garbage cannot exhaust memory.
const maxLineErrors = 1000

// Progress is reported after every committed batch and once at the end of a load.
type Progress struct {
	// File is the name given to LoadFile or Load.
	File string

	// Bytes counts input read so far: compressed bytes for .gz, uncompressed
	// member bytes for .zip. Total is the expected end (0 when unknown).
	Bytes, Total int64

	// Events counts events stored so far.
	Events int
}

// LoadReport sums up one LoadFile or Load call.
type LoadReport struct {
	File string

	// Events counts events stored by this call. Events already in the store (same
	// source, line and content, as when a file is loaded twice) are not counted.
	Events int

	// Errors lists lines that were skipped, in input order.
	Errors  []LineError
	Elapsed time.Duration
}

// errStore marks errors from the database, which end a load.
var errStore = errors.New("storing events")

// readError is an I/O or decompression error at a line. It ends the current file
// or zip member but not the load: events before it are kept.
type readError struct {
	line int
	err  error
}

func (e *readError) Error() string { return fmt.Sprintf("reading line %d: %v", e.line, e.err) }
func (e *readError) Unwrap() error { return e.err }

// LoadFile loads the telemetry in the file at path; see [Store.Load].
func (s *Store) LoadFile(ctx context.Context, path string, progress func(Progress)) (
	LoadReport, error,
) {
	f, err := os.Open(path)
	if err != nil {
		return LoadReport{File: path}, fmt.Errorf("opening telemetry file: %w", err)
	}
	defer f.Close()

	st, err := f.Stat()
	if err != nil {
		return LoadReport{File: path}, fmt.Errorf("opening telemetry file: %w", err)
	}
	if st.IsDir() {
		return LoadReport{File: path}, fmt.Errorf("opening telemetry file: %s is a folder", path)
	}

	var total int64
	if st.Mode().IsRegular() {
		total = st.Size() // pipes and devices have no size to report progress against
	}
	return s.load(ctx, path, f, total, progress)
}

// Load loads telemetry read from r; name names it in reports and its base name
// becomes the events' source. The format is sniffed from the content: NDJSON, JSON
// array or object, Zeek TSV, or a .zip or .gz holding those. progress may be nil.
//
// Bad lines are skipped and listed in the report. The error is non-nil when the
// input is not telemetry at all ([ErrUnknownFormat]), when ctx ends, or when the
// database fails; batches committed before stay stored.
func (s *Store) Load(ctx context.Context, name string, r io.Reader, progress func(Progress)) (
	LoadReport, error,
) {
	return s.load(ctx, name, r, 0, progress)
}

func (s *Store) load(ctx context.Context, name string, r io.Reader, total int64,
	progress func(Progress),
) (LoadReport, error) {
	start := time.Now()
	j := &loadJob{
		s:        s,
		name:     name,
		total:    total,
		progress: progress,
		w:        &batchWriter{db: s.db, size: s.batchSize},
	}

	err := j.run(ctx, r)
	rep := j.report(time.Since(start))
	if err != nil {
		s.log.Warn("telemetry load stopped", "file", name, "events", rep.Events,
			"error", err)
		return rep, err
	}
	s.log.Info("telemetry loaded", "file", name, "events", rep.Events,
		"duplicates", j.w.dups, "bad_lines", j.badLines, "elapsed", rep.Elapsed)
	return rep, nil
}

// loadJob is the state of one LoadFile or Load call.
type loadJob struct {
	s        *Store
	name     string
	read     int64
	total    int64
	progress func(Progress)
	w        *batchWriter
	errs     []LineError
	badLines int
}

func (j *loadJob) run(ctx context.Context, r io.Reader) error {
	br := bufio.NewReaderSize(&countingReader{r: r, n: &j.read}, readBufferSize)
	magic, _ := br.Peek(4) // a read error surfaces again on the next read

	var err error
	switch {
	case isZip(magic):
		err = j.zip(ctx, r, br)
	case isGzip(magic):
		err = j.gzip(ctx, br)
	default:
		err = j.plain(ctx, j.name, filepath.Base(j.name), br)
	}
	if err != nil && (errors.Is(err, errStore) || ctx.Err() != nil) {
		return err
	}
	return errors.Join(err, j.flush(ctx)) // keep what was read before any other error
}

// plain parses one uncompressed input. Read errors become a bad line.
func (j *loadJob) plain(ctx context.Context, file, source string, br *bufio.Reader) error {
	err := parse(ctx, br, j.s.maxLine, &fileSink{j: j, file: file, source: source})
	var re *readError
	if errors.As(err, &re) {
		j.bad(file, re.line, re.err)
		return nil
	}
	return err
}

func (j *loadJob) flush(ctx context.Context) error {
	if err := j.w.flush(ctx); err != nil {
		return fmt.Errorf("%w: %w", errStore, err)
	}
	j.notify() // at the end even when nothing was left to flush
	return nil
}

func (j *loadJob) bad(file string, line int, err error) {
	j.badLines++
	if len(j.errs) < maxLineErrors {
		j.errs = append(j.errs, LineError{File: file, Line: line, Err: err})
	}
}

func (j *loadJob) notify() {
	if j.progress != nil {
		j.progress(Progress{File: j.name, Bytes: j.read, Total: j.total, Events: j.w.stored})
	}
}

// report returns the report so far.
func (j *loadJob) report(elapsed time.Duration) LoadReport {
	errs := j.errs
	if more := j.badLines - len(j.errs); more > 0 {
		errs = append(errs[:len(errs):len(errs)], LineError{File: j.name,
			Err: fmt.Errorf("%w: %d more not listed", ErrTooManyErrors, more)})
	}
	return LoadReport{File: j.name, Events: j.w.stored, Errors: errs, Elapsed: elapsed}
}

// fileSink turns the events of one file or zip member into records.
type fileSink struct {
	j      *loadJob
	file   string
	source string
}

func (fs *fileSink) event(ctx context.Context, line int, text []byte) error {
	rec, err := buildRecord(fs.source, line, text)
	if err != nil {
		fs.j.bad(fs.file, line, err)
		return nil
	}

	committed, err := fs.j.w.add(ctx, rec)
	if err != nil {
		return fmt.Errorf("%w: %w", errStore, err)
	}
	if committed {
		fs.j.notify()
	}
	return nil
}

func (fs *fileSink) bad(line int, err error) { fs.j.bad(fs.file, line, err) }

// countingReader adds the bytes it reads to *n.
type countingReader struct {
	r io.Reader
	n *int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	return n, err
}
