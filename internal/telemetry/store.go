package telemetry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
)

const (
	defaultBatchSize    = 5000
	defaultMaxLineBytes = 4 << 20
)

// Config configures a [Store].
type Config struct {
	// DB holds the store's tables; required. The store creates and uses only tables
	// named tel_*. Loading is fastest with WAL and a page cache of tens of MiB
	// (modernc.org/sqlite: "?_pragma=journal_mode(WAL)&_pragma=cache_size(-65536)").
	// With ":memory:", limit the pool to one connection, or every connection sees
	// its own empty database.
	DB *sql.DB

	// Logger receives one line per loaded file; nil discards.
	Logger *slog.Logger

	// BatchSize is the number of events inserted per transaction; 0 means 5000.
	BatchSize int

	// MaxLineBytes is the longest line accepted; longer lines are skipped with a
	// [LineError]. 0 means 4 MiB.
	MaxLineBytes int
}

// Store loads telemetry into SQLite and searches it. It is safe for concurrent use;
// concurrent loads serialise on SQLite's single writer, so give the database a busy
// timeout when loading from several goroutines.
type Store struct {
	db        *sql.DB
	log       *slog.Logger
	batchSize int
	maxLine   int
}

// schema creates the store's tables. tel_events holds one row per event with the
// derived columns; tel_fields holds every flattened (key, value) pair, both folded to
// lower case, for exact and prefix field filters; tel_fts is a contentless FTS5 index
// over the values (the text lives in tel_events.raw, so it is not stored twice).
var schema = []string{
	`CREATE TABLE IF NOT EXISTS tel_events (
		id         INTEGER PRIMARY KEY,
		time       INTEGER,
		host       TEXT NOT NULL COLLATE NOCASE,
		source     TEXT NOT NULL COLLATE NOCASE,
		event_id   TEXT NOT NULL COLLATE NOCASE,
		event_type TEXT NOT NULL COLLATE NOCASE,
		dedup      INTEGER NOT NULL,
		raw        TEXT NOT NULL
	)`,
	`CREATE UNIQUE INDEX IF NOT EXISTS tel_events_dedup ON tel_events(dedup)`,
	`CREATE INDEX IF NOT EXISTS tel_events_time ON tel_events(time)`,
	`CREATE INDEX IF NOT EXISTS tel_events_host ON tel_events(host, time)`,
	`CREATE INDEX IF NOT EXISTS tel_events_source ON tel_events(source, time)`,
	`CREATE INDEX IF NOT EXISTS tel_events_event_id ON tel_events(event_id, time)`,
	`CREATE INDEX IF NOT EXISTS tel_events_event_type ON tel_events(event_type, time)`,
	`CREATE TABLE IF NOT EXISTS tel_fields (
		key   TEXT NOT NULL,
		value TEXT NOT NULL,
		event INTEGER NOT NULL,
		PRIMARY KEY (key, value, event)
	) WITHOUT ROWID`,
	`CREATE VIRTUAL TABLE IF NOT EXISTS tel_fts USING fts5(
		body, content='', tokenize='unicode61 remove_diacritics 2'
	)`,
}

// New validates cfg and creates the store's tables if they do not exist.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.DB == nil {
		return nil, errors.New("telemetry config: DB is required")
	}
	if cfg.BatchSize < 0 || cfg.MaxLineBytes < 0 {
		return nil, errors.New("telemetry config: BatchSize and MaxLineBytes must not be negative")
	}

	s := &Store{
		db:        cfg.DB,
		log:       cfg.Logger,
		batchSize: cfg.BatchSize,
		maxLine:   cfg.MaxLineBytes,
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s.log = s.log.With("component", "telemetry")
	if s.batchSize == 0 {
		s.batchSize = defaultBatchSize
	}
	if s.maxLine == 0 {
		s.maxLine = defaultMaxLineBytes
	}

	for _, stmt := range schema {
		if _, err := s.db.ExecContext(ctx, stmt); err != nil {
			return nil, fmt.Errorf("creating telemetry tables: %w", err)
		}
	}
	return s, nil
}
