package embedded

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/conductor-sec/conductor/memory"
)

// TestTombstones: replacing and deleting items leaves tombstones in the graph,
// never returned, and the graph is rebuilt once they outnumber live items.
func TestTombstones(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	defer db.Close()
	s, err := New(ctx, Config{DB: db, Dimensions: 4, ExactBelow: 1, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	var items []memory.Item
	for i := range 50 {
		items = append(items, memory.Item{ID: fmt.Sprintf("i%02d", i),
			Vector: []float32{1, float32(i), 0, 1}})
	}
	if err := s.Upsert(ctx, items); err != nil {
		t.Fatal(err)
	}
	// Replace every item once: 50 tombstones, 50 live; not yet rebuilt.
	for i := range items {
		items[i].Vector = []float32{0, 1, float32(i), 1}
	}
	if err := s.Upsert(ctx, items); err != nil {
		t.Fatal(err)
	}
	if s.dead != 50 || s.graph.Len() != 100 {
		t.Fatalf("after replacing 50: dead %d, graph %d nodes, want 50 and 100",
			s.dead, s.graph.Len())
	}
	hits, _ := s.Search(ctx, []float32{0, 1, 0, 1}, 60, memory.Filter{})
	if len(hits) != 50 {
		t.Errorf("Search(k=60) = %d hits, want the 50 live items only", len(hits))
	}

	// Delete 30 more: 80 tombstones against 20 live items; rebuilt.
	var gone []string
	for _, it := range items[:30] {
		gone = append(gone, it.ID)
	}
	if err := s.Delete(ctx, gone); err != nil {
		t.Fatal(err)
	}
	if s.dead != 0 || s.graph.Len() != 20 {
		t.Errorf("after deleting 30: dead %d, graph %d nodes, want 0 and 20",
			s.dead, s.graph.Len())
	}
}
