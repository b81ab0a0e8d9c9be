// Package lab is the built-in lab: a simulated organisation whose hosts, users,
// mailboxes and security controls the orchestration tools act on.
//
// The organisation comes from an embedded YAML file (default.yaml, "Acme Corp")
// or a user's own file in the same format (see docs/lab.md). Its state —
// isolated hosts, blocked addresses, disabled accounts, quarantined messages,
// tickets, notifications — lives in SQLite tables named lab_*, so it survives
// restarts and can be undone. Every mutating call records its idempotency key in
// the same transaction as its effect: a repeated key returns the first result
// and changes nothing.
package lab

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/conductor-sec/conductor/tools"
)

// Sentinel errors callers branch on.
var (
	// ErrNotFound is returned when an argument names a host, user, message or
	// ticket the lab does not know.
	ErrNotFound = errors.New("not found in the lab")
	// ErrKeyReuse is returned when an idempotency key already used for one
	// call comes back with another tool or other arguments.
	ErrKeyReuse = errors.New("idempotency key reused for a different call")
	// ErrNoKey is returned when a mutating call carries no idempotency key.
	ErrNoKey = errors.New("mutating call without idempotency key")
	// ErrInjected is the permanent failure a [Fault] injects.
	ErrInjected = errors.New("injected fault")
)

// Config configures a [Lab].
type Config struct {
	// DB holds the lab state, usually the case store's database. Required.
	DB *sql.DB
	// File is a lab YAML file; empty means the embedded Acme Corp lab.
	File string
	// Org, when set, is used instead of File (evals build labs in memory).
	Org *Org
	// Logger receives lab events; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Faults makes tools fail on purpose, keyed by tool name, for tests and
	// evals. Nil injects nothing.
	Faults map[string]Fault
	// Intel answers intel.lookup; nil makes it report "no intel configured".
	Intel IntelSource
	// Search answers siem.search; nil makes it report "no telemetry loaded".
	Search Searcher
}

// Fault describes failures to inject into one tool. The counts apply to the
// calls the Lab sees, in order: first Transient failures, then AfterEffect
// failures, then success — unless Permanent, which fails every call.
type Fault struct {
	// Transient is how many calls fail with [tools.ErrTransient] before the
	// tool does anything.
	Transient int
	// AfterEffect is how many calls apply their effect and then fail with
	// [tools.ErrTransient], as if the reply had been lost (threat T9).
	AfterEffect int
	// Permanent makes every call fail with [ErrInjected], which is not
	// transient.
	Permanent bool
}

// Lab is the simulated organisation and its tools. It is safe for concurrent
// use.
type Lab struct {
	db     *sql.DB
	dir    *directory
	log    *slog.Logger
	now    func() time.Time
	intel  IntelSource
	search Searcher
	tools  []tools.Tool

	faultMu sync.Mutex
	faults  map[string]Fault
}

// New loads the organisation, creates the lab_* tables if needed and returns
// the lab with the state those tables already hold.
func New(ctx context.Context, cfg Config) (*Lab, error) {
	if cfg.DB == nil {
		return nil, errors.New("creating lab: config has no database")
	}
	org, err := configOrg(cfg)
	if err != nil {
		return nil, fmt.Errorf("creating lab: %w", err)
	}
	if err := migrate(ctx, cfg.DB); err != nil {
		return nil, fmt.Errorf("creating lab: %w", err)
	}

	l := &Lab{
		db: cfg.DB, dir: newDirectory(org), log: cfg.Logger, now: cfg.Now,
		intel: cfg.Intel, search: cfg.Search, faults: maps.Clone(cfg.Faults),
	}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	l.log = l.log.With("component", "lab")
	if l.now == nil {
		l.now = time.Now
	}
	l.tools = l.buildTools()
	l.log.InfoContext(ctx, "lab ready", "org", org.Org.Name, "hosts", len(org.Hosts),
		"users", len(org.Users))
	return l, nil
}

func configOrg(cfg Config) (*Org, error) {
	switch {
	case cfg.Org != nil:
		if err := cfg.Org.check(); err != nil {
			return nil, err
		}
		return cfg.Org, nil
	case cfg.File != "":
		return Load(cfg.File)
	}
	return Default()
}

// Tools returns the lab's tools, sorted by name.
func (l *Lab) Tools() []tools.Tool {
	return append([]tools.Tool(nil), l.tools...)
}

// CallCount returns how many times the call with idempotency key took effect:
// 1 once a mutating call has run, 0 before, and never more, however often the
// key is replayed. Read-only calls are not recorded and count 0.
func (l *Lab) CallCount(key string) int {
	var n int
	err := l.db.QueryRow(`SELECT COUNT(*) FROM lab_calls WHERE key = ?`, key).Scan(&n)
	if err != nil {
		l.log.Warn("counting calls", "error", err)
	}
	return n
}

// Replays returns how many times the call with idempotency key was repeated
// after it took effect.
func (l *Lab) Replays(key string) int {
	var n int
	err := l.db.QueryRow(`SELECT replays FROM lab_calls WHERE key = ?`, key).Scan(&n)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		l.log.Warn("counting replays", "error", err)
	}
	return n
}

// fault decides whether a call to tool fails now: before the tool does
// anything, or after it has applied its effect.
func (l *Lab) fault(tool string) (before, after error) {
	l.faultMu.Lock()
	defer l.faultMu.Unlock()

	f, ok := l.faults[tool]
	switch {
	case !ok:
		return nil, nil
	case f.Permanent:
		return fmt.Errorf("%s: %w", tool, ErrInjected), nil
	case f.Transient > 0:
		f.Transient--
		l.faults[tool] = f
		return fmt.Errorf("%s: injected outage: %w", tool, tools.ErrTransient), nil
	case f.AfterEffect > 0:
		f.AfterEffect--
		l.faults[tool] = f
		return nil, fmt.Errorf("%s: injected lost reply: %w", tool, tools.ErrTransient)
	}
	return nil, nil
}
