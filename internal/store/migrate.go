package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered schema change, from migrations/NNNN_name.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads the embedded migrations in version order. Numbers must
// start at 1 and have no gaps, so that a missing file is a build-time mistake
// the tests catch rather than a silently skipped change.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("listing migrations: %w", err)
	}

	var ms []migration
	for _, name := range names {
		m, err := readMigration(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })

	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: want version %d", m.name, i+1)
		}
	}
	return ms, nil
}

func readMigration(fsys fs.FS, name string) (migration, error) {
	base := strings.TrimSuffix(path.Base(name), ".sql")
	num, _, ok := strings.Cut(base, "_")
	v, err := strconv.Atoi(num)
	if !ok || err != nil || v <= 0 {
		return migration{}, fmt.Errorf("migration %s: name must be NNNN_what.sql", name)
	}

	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return migration{}, fmt.Errorf("reading migration %s: %w", name, err)
	}
	return migration{version: v, name: base, sql: string(b)}, nil
}

// migrate applies the embedded migrations the file lacks.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		return err
	}
	return s.applyMigrations(ctx, ms)
}

// applyMigrations brings the schema to the last of ms, one transaction per
// migration. Each transaction re-reads the current version under the write
// lock, so two processes opening a new file at once apply each change once.
func (s *Store) applyMigrations(ctx context.Context, ms []migration) error {
	_, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL)`)
	if err != nil {
		return fmt.Errorf("creating schema_migrations: %w", err)
	}

	known := len(ms)
	err = s.write(ctx, func(tx *sql.Tx) error { return checkVersion(ctx, tx, known) })
	if err != nil {
		return err
	}

	// One time stamps every migration of this open: they are one upgrade.
	at := fmtTime(s.clock())
	for _, m := range ms {
		applied := false
		err := s.write(ctx, func(tx *sql.Tx) (err error) {
			applied, err = s.applyOne(ctx, tx, m, at)
			return err
		})
		if err != nil {
			return err
		}
		if applied {
			s.log.Info("applied migration", "version", m.version, "name", m.name)
		}
	}
	return nil
}

// applyOne applies m unless the file already has it, and reports whether it
// did.
func (s *Store) applyOne(ctx context.Context, tx *sql.Tx, m migration,
	at string) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx,
		`SELECT count(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("reading schema version: %w", err)
	}
	if n > 0 {
		return false, nil
	}

	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return false, fmt.Errorf("applying migration %s: %w", m.name, err)
	}
	_, err = tx.ExecContext(ctx,
		`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.version, m.name, at)
	if err != nil {
		return false, fmt.Errorf("recording migration %s: %w", m.name, err)
	}
	return true, nil
}

// checkVersion refuses a file whose schema is newer than known.
func checkVersion(ctx context.Context, tx *sql.Tx, known int) error {
	var v int
	err := tx.QueryRowContext(ctx,
		`SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v)
	if err != nil {
		return fmt.Errorf("reading schema version: %w", err)
	}
	if v > known {
		return fmt.Errorf("file has schema version %d, this binary knows up to %d: %w",
			v, known, ErrSchemaTooNew)
	}
	return nil
}

// SchemaVersion returns the newest migration applied to the file.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx,
		`SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("reading schema version: %w", err)
	}
	return v, nil
}
