package telemetry

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"
)

const (
	mordorFile   = "testdata/cmd_lsass_memory_dumpert_syscalls_2020-10-1822561997.json"
	mordorSource = "cmd_lsass_memory_dumpert_syscalls_2020-10-1822561997.json"
	mordorEvents = 118 // wc -l
	zeekFile     = "testdata/zeek/conn.log"
	zeekEvents   = 126 // 135 lines less 8 header lines and #close
)

// testPragmas are what docs/logs.md recommends: WAL, a busy timeout, and a page
// cache of 64 MiB, which loading needs more than anything else.
const testPragmas = "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
	"&_pragma=synchronous(NORMAL)&_pragma=cache_size(-65536)"

// openDB opens a fresh SQLite file.
func openDB(tb testing.TB) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(tb.TempDir(), "telemetry.db")+testPragmas)
	if err != nil {
		tb.Fatalf("sql.Open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func newTestStore(tb testing.TB, cfg Config) *Store {
	tb.Helper()
	cfg.DB = openDB(tb)
	s, err := New(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return s
}

// loadedStore holds the Mordor and Zeek test files.
func loadedStore(tb testing.TB) *Store {
	tb.Helper()
	s := newTestStore(tb, Config{})
	for _, f := range []string{mordorFile, zeekFile} {
		rep, err := s.LoadFile(context.Background(), f, nil)
		if err != nil || len(rep.Errors) > 0 {
			tb.Fatalf("LoadFile(%s) = %v, errors %v", f, err, rep.Errors)
		}
	}
	return s
}

// fileLine returns line n (from 1) of a test file.
func fileLine(tb testing.TB, path string, n int) []byte {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	lines := bytes.Split(data, []byte("\n"))
	if n < 1 || n > len(lines) {
		tb.Fatalf("%s has no line %d", path, n)
	}
	return bytes.TrimSuffix(lines[n-1], []byte("\r")) // the Mordor files end lines in CRLF
}
