package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/conductor-sec/conductor/guardrails"
	"github.com/conductor-sec/conductor/internal/finding"
)

func TestOpenSettings(t *testing.T) {
	// A space and a '#' in the path must survive the file: URI.
	path := filepath.Join(t.TempDir(), "new dir", "sub#1", "conductor.db")
	s := openAt(t, path)
	ctx := context.Background()

	if _, err := os.Stat(path); err != nil {
		t.Fatalf("Stat(%s) = %v, want the database file created there", path, err)
	}
	tests := []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
		{"synchronous", "1"}, // NORMAL
	}
	for _, tt := range tests {
		t.Run(tt.pragma, func(t *testing.T) {
			var got string
			if err := s.DB().QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil {
				t.Fatalf("PRAGMA %s = %v", tt.pragma, err)
			}
			if got != tt.want {
				t.Errorf("PRAGMA %s = %q, want %q", tt.pragma, got, tt.want)
			}
		})
	}
}

func TestOpenDurable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "conductor.db")
	s, err := Open(context.Background(), path, Options{Durable: true})
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	defer s.Close()

	var got string
	if err := s.DB().QueryRow("PRAGMA synchronous").Scan(&got); err != nil {
		t.Fatalf("PRAGMA synchronous = %v", err)
	}
	if got != "2" {
		t.Errorf("PRAGMA synchronous = %q, want 2 (FULL)", got)
	}
}

func TestMigrationsFresh(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()

	v, err := s.SchemaVersion(ctx)
	if err != nil || v != latestVersion(t) {
		t.Fatalf("SchemaVersion() = %d, %v; want %d", v, err, latestVersion(t))
	}
	var names []string
	rows, err := s.DB().Query(`SELECT name FROM sqlite_master WHERE type = 'table'
		AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatalf("listing tables: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	want := []string{"actions", "approvals", "case_entities", "case_findings", "cases",
		"chain_head", "counters", "decisions", "findings", "schema_migrations", "steps",
		"tasks", "timers"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("tables (-want +got):\n%s", diff)
	}
}

func TestMigrationsReopenIsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "conductor.db")
	ctx := context.Background()
	for i := range 3 {
		s, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatalf("Open() #%d = %v", i+1, err)
		}
		var n int
		s.DB().QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n)
		s.Close()
		if n != latestVersion(t) {
			t.Fatalf("after open #%d: schema_migrations has %d rows, want %d", i+1, n,
				latestVersion(t))
		}
	}
}

func TestMigrationsExisting(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	c := mustCase(t, s, Case{Title: "before v2"})

	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatalf("loadMigrations() = %v", err)
	}
	v2 := migration{version: len(ms) + 1, name: "0099_case_tags",
		sql: `ALTER TABLE cases ADD COLUMN tags TEXT NOT NULL DEFAULT 'none';
			CREATE TABLE lab_hosts (name TEXT PRIMARY KEY);`}
	ms = append(ms, v2)
	for i := range 2 {
		if err := s.applyMigrations(ctx, ms); err != nil {
			t.Fatalf("applyMigrations(embedded, extra) #%d = %v", i+1, err)
		}
	}

	var tags string
	if err := s.DB().QueryRow(`SELECT tags FROM cases WHERE id = ?`, c.ID).Scan(&tags); err != nil {
		t.Fatalf("reading new column: %v", err)
	}
	if tags != "none" {
		t.Errorf("tags of %s = %q, want the default %q", c.ID, tags, "none")
	}
	if v, _ := s.SchemaVersion(ctx); v != v2.version {
		t.Errorf("SchemaVersion() = %d, want %d", v, v2.version)
	}
	if got, err := s.GetCase(ctx, c.ID); err != nil || got.Title != "before v2" {
		t.Errorf("GetCase(%s) = %q, %v; want the case kept", c.ID, got.Title, err)
	}
}

func TestOpenNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "conductor.db")
	s := openAt(t, path)
	_, err := s.DB().Exec(`INSERT INTO schema_migrations (version, name, applied_at)
		VALUES (7, '0007_from_the_future', '')`)
	if err != nil {
		t.Fatalf("faking a newer schema: %v", err)
	}
	s.Close()

	_, err = Open(context.Background(), path, Options{})
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open(newer file) = %v, want ErrSchemaTooNew", err)
	}
}

func TestMigrationsLogged(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	path := filepath.Join(t.TempDir(), "conductor.db")
	s, err := Open(context.Background(), path, Options{Logger: log})
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	s.Close()

	want := `"msg":"applied migration","component":"store","version":1,"name":"0001_init"`
	if !strings.Contains(buf.String(), want) {
		t.Errorf("log = %s, want it to contain %s", buf.String(), want)
	}
}

func TestLoadMigrations(t *testing.T) {
	tests := []struct {
		name    string
		files   fstest.MapFS
		want    []int
		wantErr bool
	}{
		{"in order", fstest.MapFS{
			"migrations/0002_b.sql": {Data: []byte("SELECT 2")},
			"migrations/0001_a.sql": {Data: []byte("SELECT 1")},
		}, []int{1, 2}, false},
		{"gap", fstest.MapFS{
			"migrations/0001_a.sql": {Data: []byte("SELECT 1")},
			"migrations/0003_c.sql": {Data: []byte("SELECT 3")},
		}, nil, true},
		{"bad name", fstest.MapFS{
			"migrations/init.sql": {Data: []byte("SELECT 1")},
		}, nil, true},
		{"zero", fstest.MapFS{
			"migrations/0000_a.sql": {Data: []byte("SELECT 1")},
		}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := loadMigrations(tt.files)
			if (err != nil) != tt.wantErr {
				t.Fatalf("loadMigrations() error = %v, want error %v", err, tt.wantErr)
			}
			var got []int
			for _, m := range ms {
				got = append(got, m.version)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("versions (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReopenKeepsEverything writes one of each record, closes the store and
// checks that a new Open sees all of it.
func TestReopenKeepsEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "conductor.db")
	ctx := context.Background()
	s := openAt(t, path)

	res, err := s.PutFindings(ctx, []finding.Finding{alert(1)})
	if err != nil {
		t.Fatalf("PutFindings() = %v", err)
	}
	c := mustCase(t, s, Case{Title: "durable", Flags: []string{"suspected_injection"}})
	if err := s.AttachFindings(ctx, c.ID, []string{res[0].FindingID}); err != nil {
		t.Fatalf("AttachFindings() = %v", err)
	}
	for i := range 3 {
		st := Step{CaseID: c.ID, Kind: "note", Summary: "step " + string(rune('a'+i))}
		if err := s.AppendStep(ctx, &st); err != nil {
			t.Fatalf("AppendStep() = %v", err)
		}
	}
	a := Action{CaseID: c.ID, IdempotencyKey: "k1", Tool: "edr.isolate_host",
		Args: json.RawMessage(`{"host":"ws-17"}`)}
	if _, err := s.PutAction(ctx, &a); err != nil {
		t.Fatalf("PutAction() = %v", err)
	}
	apr := guardrails.Approval{ActionID: a.ID, CaseID: c.ID, Tool: a.Tool}
	if err := s.PutApproval(ctx, &apr); err != nil {
		t.Fatalf("PutApproval() = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}

	s2 := openAt(t, path)
	checkReopened(t, s2, c, a, apr, res[0].FindingID)
}

func checkReopened(t *testing.T, s *Store, c Case, a Action, apr guardrails.Approval,
	findingID string) {
	t.Helper()
	ctx := context.Background()

	got, err := s.GetCase(ctx, c.ID)
	if err != nil || got.Title != "durable" || got.FindingCount != 1 {
		t.Errorf("GetCase(%s) = %q with %d findings, %v; want \"durable\" with 1",
			c.ID, got.Title, got.FindingCount, err)
	}
	f, err := s.GetFinding(ctx, findingID)
	if err != nil || string(f.Raw) != string(alert(1).Raw) {
		t.Errorf("GetFinding(%s) raw = %q, %v; want %q", findingID, f.Raw, err, alert(1).Raw)
	}
	rep, err := s.VerifyChain(ctx)
	if err != nil || !rep.OK || rep.Checked != 3 {
		t.Errorf("VerifyChain() = %+v, %v; want OK with 3 checked", rep, err)
	}
	if got, err := s.GetAction(ctx, a.ID); err != nil || string(got.Args) != `{"host":"ws-17"}` {
		t.Errorf("GetAction(%s) args = %s, %v", a.ID, got.Args, err)
	}
	if got, err := s.GetApproval(ctx, apr.ID); err != nil || got.Status != ApprovalPending {
		t.Errorf("GetApproval(%s) status = %q, %v; want pending", apr.ID, got.Status, err)
	}

	// Numbering goes on where it stopped.
	c2 := mustCase(t, s, Case{Title: "after reopen"})
	if c2.ID != "CASE-000002" {
		t.Errorf("next case id = %s, want CASE-000002", c2.ID)
	}
}

func TestCloseTwice(t *testing.T) {
	s := openTest(t)
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}
}

// TestOpenConcurrent opens one fresh file from several goroutines at once, as
// a server and a CLI started together would: each migration applies once.
func TestOpenConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "conductor.db")
	const n = 4

	var wg sync.WaitGroup
	stores := make([]*Store, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = Open(context.Background(), path, Options{})
		}()
	}
	wg.Wait()

	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open() #%d = %v", i, err)
		}
		defer stores[i].Close()
	}
	var rows int
	stores[0].DB().QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&rows)
	if rows != latestVersion(t) {
		t.Errorf("schema_migrations has %d rows, want %d", rows, latestVersion(t))
	}
}

// latestVersion is the number of embedded migrations.
func latestVersion(t testing.TB) int {
	t.Helper()
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatalf("loadMigrations() = %v", err)
	}
	return len(ms)
}

// TestWriteTxIsImmediate checks _txlock=immediate: a transaction holds the
// write lock from BEGIN, so a writer that cannot wait fails at once instead of
// both discovering the conflict at commit.
func TestWriteTxIsImmediate(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()

	tx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatalf("BeginTx() = %v", err)
	}
	defer tx.Rollback()

	conn, err := s.DB().Conn(ctx)
	if err != nil {
		t.Fatalf("Conn() = %v", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA busy_timeout = 0`); err != nil {
		t.Fatalf("PRAGMA busy_timeout = %v", err)
	}
	_, err = conn.ExecContext(ctx, `INSERT INTO counters (name, value) VALUES ('x', 1)`)
	if err == nil || !strings.Contains(err.Error(), "locked") {
		t.Errorf("write beside an empty transaction = %v, want database is locked", err)
	}
}
