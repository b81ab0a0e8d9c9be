package lab

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conductor-sec/conductor/tools"
	_ "modernc.org/sqlite"
)

// t0 is the fake clock's start.
var t0 = time.Date(2024, 5, 14, 9, 0, 0, 0, time.UTC)

// clock is a settable fake clock.
type clock struct{ now atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.now.Store(t0.UnixNano())
	return c
}

func (c *clock) Now() time.Time          { return time.Unix(0, c.now.Load()).UTC() }
func (c *clock) Advance(d time.Duration) { c.now.Add(int64(d)) }

// dbPath returns a fresh SQLite file path in t's temp dir.
func dbPath(t testing.TB) string {
	return filepath.Join(t.TempDir(), "conductor.db")
}

// openDB opens path the way the case store does.
func openDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatalf("opening %s: %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// newTestLab returns a default lab on a fresh database with a fake clock.
func newTestLab(t testing.TB, edit func(*Config)) (*Lab, *clock) {
	t.Helper()
	c := newClock()
	cfg := Config{DB: openDB(t, dbPath(t)), Now: c.Now}
	if edit != nil {
		edit(&cfg)
	}
	l, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	return l, c
}

// tool returns the lab tool called name.
func tool(t testing.TB, l *Lab, name string) tools.Tool {
	t.Helper()
	for _, tl := range l.Tools() {
		if tl.Spec().Name == name {
			return tl
		}
	}
	t.Fatalf("lab has no tool %s", name)
	return nil
}

var keySeq atomic.Int64

// run calls a tool with a fresh idempotency key unless key is given.
func run(t testing.TB, l *Lab, name, args string, key ...string) (tools.Result, error) {
	t.Helper()
	k := fmt.Sprintf("test-key-%d", keySeq.Add(1))
	if len(key) > 0 {
		k = key[0]
	}
	return tool(t, l, name).Invoke(context.Background(), tools.Call{
		Tool: name, Args: json.RawMessage(args), IdempotencyKey: k,
		CaseID: "case-1", Actor: "agent:playbook",
	})
}

// step is one call in a table-driven sequence; later steps see earlier state.
type step struct {
	name    string
	tool    string
	args    string
	summary string
	// out, when set, must appear in the output JSON.
	out string
	// err, when set, must be wrapped; errText must appear in the message.
	err     error
	errText string
}

func runSteps(t *testing.T, l *Lab, steps []step) {
	t.Helper()
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			res, err := run(t, l, s.tool, s.args)
			if s.err != nil {
				if !errors.Is(err, s.err) || !strings.Contains(fmt.Sprint(err), s.errText) {
					t.Fatalf("%s(%s) error = %v, want %v containing %q",
						s.tool, s.args, err, s.err, s.errText)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s(%s) = %v, want no error", s.tool, s.args, err)
			}
			if res.Summary != s.summary {
				t.Errorf("%s(%s) summary = %q, want %q", s.tool, s.args, res.Summary, s.summary)
			}
			if !strings.Contains(string(res.Output), s.out) {
				t.Errorf("%s(%s) output = %s, want it to contain %s",
					s.tool, s.args, res.Output, s.out)
			}
		})
	}
}

// state reads the lab state or fails t.
func state(t testing.TB, l *Lab) Snapshot {
	t.Helper()
	s, err := l.State(context.Background())
	if err != nil {
		t.Fatalf("State() = %v", err)
	}
	return s
}
