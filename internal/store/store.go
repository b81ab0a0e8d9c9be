// Package store keeps Conductor's state in one SQLite file: findings, cases and
// their correlation index, the audit chain of steps, actions, the decision log,
// approvals and manual tasks.
//
// The file is opened with the pure-Go driver modernc.org/sqlite in WAL mode,
// with a busy timeout, foreign keys on and BEGIN IMMEDIATE for every write
// transaction, so that writers from this process and from others queue instead
// of failing mid-transaction. Other packages may keep their own tables in the
// same file through [Store.DB].
//
// The schema is versioned by numbered migrations embedded in the binary and
// recorded in the schema_migrations table; [Open] applies the missing ones and
// refuses a file written by a newer binary ([ErrSchemaTooNew]).
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	// The driver registers itself as "sqlite".
	_ "modernc.org/sqlite"
)

// Sentinel errors callers branch on. Returned errors wrap them.
var (
	// ErrNotFound means the case, finding, action, approval or task does not
	// exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict means a row with the same id already exists.
	ErrConflict = errors.New("conflict")
	// ErrNotPending means an approval was not in the state the change needs:
	// deciding one that is no longer pending, or using one that is not
	// approved (already used, rejected, expired, void).
	ErrNotPending = errors.New("approval not pending")
	// ErrExpired means an approval was approved after it expired; the store
	// marks it expired instead.
	ErrExpired = errors.New("approval expired")
	// ErrInvalid means a value the store checks (a state, a status, a missing
	// idempotency key) is not acceptable.
	ErrInvalid = errors.New("invalid value")
	// ErrSchemaTooNew means the file was migrated by a newer binary.
	ErrSchemaTooNew = errors.New("database schema is newer than this binary")
)

// checkpointEvery is how often the background checkpoint runs.
const checkpointEvery = 200 * time.Millisecond

// busyTimeout is how long a connection waits for another writer (possibly in
// another process) before giving up with SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// Options configures [Open]. The zero value is ready to use.
type Options struct {
	// Logger receives migration and lifecycle messages; nil discards them.
	Logger *slog.Logger
	// Clock returns the current time for times the store fills in (created_at,
	// updated_at, a step's time); nil means time.Now.
	Clock func() time.Time
	// Durable sets synchronous=FULL, so that a committed transaction survives a
	// power cut. The zero value uses NORMAL, which survives a crash of the
	// process but may lose the last transactions on power loss; it is much
	// faster for ingest.
	Durable bool
}

// Store is the case store. It is safe for concurrent use.
type Store struct {
	db  *sql.DB
	log *slog.Logger
	now func() time.Time

	// wsem serializes this process's write transactions. SQLite allows one
	// writer at a time anyway; queueing here, where ctx is honoured, is cheaper
	// than the busy handler's sleep-and-retry between goroutines.
	wsem chan struct{}

	// stop ends the background checkpoint; done says it has ended.
	stop, done chan struct{}
	closeOnce  sync.Once
}

// Open opens (creating if needed) the store at path, creating the parent
// directory, and applies pending migrations.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	dsn, err := dataSource(path, opts.Durable)
	if err != nil {
		return nil, err
	}

	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	db.SetMaxIdleConns(4)

	s := &Store{db: db, log: opts.Logger, now: opts.Clock, wsem: make(chan struct{}, 1)}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.log = s.log.With("component", "store")
	if s.now == nil {
		s.now = time.Now
	}

	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	go s.checkpointLoop()
	return s, nil
}

// dataSource builds the driver DSN for path: a file: URI, so that any
// character in the path is escaped, followed by the connection settings the
// driver applies to every new connection.
func dataSource(path string, durable bool) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("resolving %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return "", fmt.Errorf("creating directory for %s: %w", path, err)
	}

	syncMode := "NORMAL"
	if durable {
		syncMode = "FULL"
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous("+syncMode+")")
	// A 32 MiB page cache per connection keeps the fingerprint index in memory
	// during ingest.
	q.Add("_pragma", "cache_size(-32768)")
	q.Add("_pragma", "wal_autocheckpoint(16000)")
	q.Set("_txlock", "immediate")
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	return u.String(), nil
}

// Close closes the database. Pending writes are already committed.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.done
	})
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("closing store: %w", err)
	}
	return nil
}

// DB returns the underlying database, for packages that keep their own tables
// in the same file. Their write transactions also begin IMMEDIATE.
func (s *Store) DB() *sql.DB { return s.db }

// write runs fn in one write transaction and commits it when fn returns nil.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	select {
	case s.wsem <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("waiting for the writer: %w", ctx.Err())
	}
	defer func() { <-s.wsem }()

	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback() // fn's error is the one worth reporting.
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing: %w", err)
	}
	return nil
}

// clock returns the store's current time in UTC without a monotonic reading,
// so that it round-trips through the database unchanged.
func (s *Store) clock() time.Time { return s.now().UTC().Round(0) }

// checkpointLoop copies the WAL back into the database file in the
// background. Left to SQLite, the checkpoint runs inside whichever commit
// crosses the threshold, stalling that writer for the whole copy and its
// fsyncs; here it runs beside the writers, and wal_autocheckpoint stays only
// as a backstop.
func (s *Store) checkpointLoop() {
	defer close(s.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()

	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		// PASSIVE never waits for readers or writers; what it cannot copy now
		// it copies next time.
		if _, err := s.db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
			s.log.Warn("checkpointing wal", "error", err)
		}
	}
}
