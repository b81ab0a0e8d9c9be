package embedded_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand"
	"net/url"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/conductor-sec/conductor/memory"
	"github.com/conductor-sec/conductor/memory/embedded"
	"github.com/conductor-sec/conductor/memory/memorytest"
)

// openDB opens a SQLite file the way the case store does: WAL, a busy
// timeout, and write transactions that begin IMMEDIATE.
func openDB(t testing.TB) *sql.DB {
	t.Helper()
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Set("_txlock", "immediate")
	path := filepath.Join(t.TempDir(), "mem.db")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newStore(t testing.TB, db *sql.DB, cfg embedded.Config) *embedded.Store {
	t.Helper()
	cfg.DB = db
	if cfg.Dimensions == 0 {
		cfg.Dimensions = memorytest.Dims
	}
	s, err := embedded.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("embedded.New: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	memorytest.Run(t, func(t *testing.T) memory.Store {
		return newStore(t, openDB(t), embedded.Config{})
	})
}

func item(id string, v []float32, verdict string) memory.Item {
	return memory.Item{ID: id, Vector: v, Payload: memory.Payload{
		CaseID: id, Title: "case " + id, Verdict: verdict,
	}}
}

func vec(vals ...float32) []float32 {
	v := make([]float32, memorytest.Dims)
	copy(v, vals)
	return v
}

func hitIDs(t *testing.T, s memory.Store, q []float32, k int) []string {
	t.Helper()
	hits, err := s.Search(context.Background(), q, k, memory.Filter{})
	if err != nil {
		t.Fatalf("Search: %v", err)
	}
	out := []string{}
	for _, h := range hits {
		out = append(out, h.ID)
	}
	return out
}

// TestReopen: items survive closing the store, are loaded from the table,
// and the table keeps the vector as given, not scaled.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	s := newStore(t, db, embedded.Config{})
	upsert := []memory.Item{item("a", vec(3), "malicious"),
		item("b", vec(1, 1), "benign"), item("c", vec(0, 2), "malicious")}
	if err := s.Upsert(ctx, upsert); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, []string{"b"}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = newStore(t, db, embedded.Config{})
	defer s.Close()
	if got := hitIDs(t, s, vec(1), 5); !slices.Equal(got, []string{"a", "c"}) {
		t.Errorf("after reopening, Search = %v, want [a c]", got)
	}
	var blob []byte
	err := db.QueryRow(`SELECT vector FROM mem_items WHERE collection = 'default'
		AND id = 'a'`).Scan(&blob)
	if err != nil {
		t.Fatal(err)
	}
	// 3.0 is 0x40400000 in IEEE 754, stored little-endian.
	if want := []byte{0, 0, 0x40, 0x40}; !bytes.Equal(blob[:4], want) {
		t.Errorf("stored vector starts % x, want % x", blob[:4], want)
	}
}

// TestParallelScan: a store large enough to split its scan across cores
// returns the same hits, scores and order as the same store scanning on one
// core, with and without a filter, after replacing and deleting items.
func TestParallelScan(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	ctx := context.Background()
	s := newStore(t, openDB(t), embedded.Config{})
	defer s.Close()

	const n = 50_000 // three parts of 16,384 or more on four cores
	rng := rand.New(rand.NewSource(7))
	items := make([]memory.Item, n)
	for i := range items {
		v := make([]float32, memorytest.Dims)
		for j := range v {
			v[j] = float32(rng.NormFloat64())
		}
		verdict := []string{"malicious", "benign"}[i%2]
		items[i] = item(fmt.Sprintf("CASE-%05d", i), v, verdict)
	}
	if err := s.Upsert(ctx, items); err != nil {
		t.Fatal(err)
	}
	// Replacing and deleting moves items between the parts of the scan.
	moved := item("CASE-00010", items[n-1].Vector, "benign")
	if err := s.Upsert(ctx, []memory.Item{moved}); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, []string{"CASE-00003", "CASE-40000"}); err != nil {
		t.Fatal(err)
	}

	search := func(procs int, q []float32, filter memory.Filter) []memory.Hit {
		runtime.GOMAXPROCS(procs)
		hits, err := s.Search(ctx, q, 10, filter)
		if err != nil {
			t.Fatal(err)
		}
		return hits
	}
	for _, filter := range []memory.Filter{{}, {Verdicts: []string{"benign"}}} {
		for _, id := range []int{1, 3, 9_001, 40_000, n - 1} {
			q := items[id].Vector
			want, got := search(1, q, filter), search(4, q, filter)
			if len(got) != 10 || len(want) != 10 {
				t.Fatalf("query %d: %d hits in parallel, %d on one core, want 10",
					id, len(got), len(want))
			}
			for i := range want {
				if got[i].ID != want[i].ID || got[i].Score != want[i].Score {
					t.Errorf("query %d, filter %+v, hit %d: %s %v in parallel, %s %v on one "+
						"core", id, filter, i, got[i].ID, got[i].Score, want[i].ID,
						want[i].Score)
				}
			}
		}
	}

	// The last item's vector is stored twice; both are the best match.
	top := search(4, items[n-1].Vector, memory.Filter{})
	ids := []string{top[0].ID, top[1].ID}
	if !slices.Equal(ids, []string{"CASE-00010", "CASE-49999"}) || top[0].Score < 0.9999 {
		t.Errorf("top two for CASE-49999's vector = %v (score %v), want CASE-00010 and "+
			"CASE-49999", ids, top[0].Score)
	}
}

// TestCollections: two collections in one table do not see each other.
func TestCollections(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	a := newStore(t, db, embedded.Config{Collection: "local-hash-v1-8"})
	b := newStore(t, db, embedded.Config{Collection: "other-model-8"})
	defer a.Close()
	defer b.Close()
	if err := a.Upsert(ctx, []memory.Item{item("CASE-1", vec(1), "benign")}); err != nil {
		t.Fatal(err)
	}
	if got := hitIDs(t, b, vec(1), 3); len(got) != 0 {
		t.Errorf("collection b sees %v, want nothing", got)
	}
	if got := hitIDs(t, a, vec(1), 3); !slices.Equal(got, []string{"CASE-1"}) {
		t.Errorf("collection a = %v, want [CASE-1]", got)
	}
}

// TestReopenOtherDimensions: a collection written with 8 dimensions refuses
// to open with 16, instead of comparing vectors of different spaces.
func TestReopenOtherDimensions(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	s := newStore(t, db, embedded.Config{})
	if err := s.Upsert(ctx, []memory.Item{item("a", vec(1), "")}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	_, err := embedded.New(ctx, embedded.Config{DB: db, Dimensions: 16})
	if !errors.Is(err, memory.ErrDimension) {
		t.Errorf("New(16 dims over 8) = %v, want ErrDimension", err)
	}
}

// TestCorruptRow: a damaged row stops the store from opening with an error
// naming the item, rather than loading garbage.
func TestCorruptRow(t *testing.T) {
	db := openDB(t)
	s := newStore(t, db, embedded.Config{})
	s.Close()
	_, err := db.Exec(`INSERT INTO mem_items VALUES ('default', 'CASE-9', 8, x'0000', '{}', '')`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = embedded.New(context.Background(), embedded.Config{DB: db, Dimensions: 8})
	if !errors.Is(err, memory.ErrDimension) || !strings.Contains(err.Error(), "CASE-9") {
		t.Errorf("New over a short blob = %v, want ErrDimension naming CASE-9", err)
	}
}

func TestConfig(t *testing.T) {
	ctx := context.Background()
	if _, err := embedded.New(ctx, embedded.Config{Dimensions: 8}); err == nil {
		t.Error("New without DB: want an error")
	}
	if _, err := embedded.New(ctx, embedded.Config{DB: openDB(t)}); err == nil {
		t.Error("New without Dimensions: want an error")
	}
}

// TestHitsAreCopies: editing a returned hit does not edit the store.
func TestHitsAreCopies(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, openDB(t), embedded.Config{})
	defer s.Close()
	it := item("a", vec(1), "malicious")
	it.Payload.Techniques = []string{"T1566"}
	if err := s.Upsert(ctx, []memory.Item{it}); err != nil {
		t.Fatal(err)
	}
	hits, _ := s.Search(ctx, vec(1), 1, memory.Filter{})
	hits[0].Vector[0] = -1
	hits[0].Payload.Techniques[0] = "T0000"

	again, _ := s.Search(ctx, vec(1), 1, memory.Filter{})
	if again[0].Score < 0.999 || again[0].Payload.Techniques[0] != "T1566" {
		t.Errorf("store changed through a hit: score %v, techniques %v",
			again[0].Score, again[0].Payload.Techniques)
	}
}
