// Package embedded is Conductor's default vector store: items persisted in
// the SQLite file the case store uses, so that one file still holds
// everything, and searched in memory: exactly while the store is small, and
// through an HNSW graph (github.com/coder/hnsw) past [Config.ExactBelow]
// items.
//
// The table mem_items keeps each item's payload as JSON and its vector as a
// little-endian float32 BLOB. Opening the store reads the table into memory
// and, past the threshold, builds the graph (about two seconds per 10,000
// items of 384 dimensions), once, at start-up.
//
// Why exact first: scanning 10,000 unit vectors of 384 dimensions takes a
// few milliseconds, once per investigation, and is never wrong. The graph
// is faster but, measured on 10,000 synthetic case documents from the local
// embedder (BenchmarkRecall), its walk finds only about one in eight of the
// true three nearest cases: coder/hnsw v0.6.1 stops a walk at the first step
// that does not improve on the best candidate so far. Every candidate the
// walk yields is scored exactly, and a walk yielding fewer than k live items
// passing the filter falls back to the scan, so the graph may miss near cases
// but never misstates a score or returns too few hits. Past 100,000 cases,
// prefer the Qdrant backend.
//
// The graph never deletes a node. Deleting from coder/hnsw v0.6.1 can leave
// it pointing at removed nodes and panic later (coder/hnsw issues #10 and
// #13), so a deleted or replaced item leaves a tombstone instead: its node
// stays in the graph, walks skip it, and the graph is rebuilt from the live
// items once tombstones outnumber them.
package embedded

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand"
	"slices"
	"sync"
	"time"

	"github.com/coder/hnsw"

	"github.com/conductor-sec/conductor/memory"
)

// Config configures a [Store].
type Config struct {
	// DB holds the table mem_items; required. The store creates and uses only
	// that table, and does not close DB.
	DB *sql.DB
	// Dimensions is the length of every vector; required.
	Dimensions int
	// Collection separates vector spaces within the table, e.g. one per
	// embedder; empty means "default".
	Collection string
	// ExactBelow is the number of live items under which every search scans
	// all items exactly; zero means 100,000. The graph is built when the store
	// first holds that many.
	ExactBelow int
	// M is the number of neighbours a graph node keeps; zero means 16.
	M int
	// EfSearch is the number of candidates a graph walk keeps; zero means 64.
	// A walk asks for at least twice as many results.
	EfSearch int
	// Seed fixes the graph's level generator, for reproducible tests; zero
	// seeds it from the clock.
	Seed int64
	// Logger receives lifecycle messages; nil discards them.
	Logger *slog.Logger
}

// Store is the embedded vector store. It is safe for concurrent use.
type Store struct {
	db   *sql.DB
	dims int
	coll string
	log  *slog.Logger
	cfg  Config

	// wmu serializes writers, so that the table and the graph see writes in
	// the same order; mu guards the in-memory state below.
	wmu sync.Mutex
	mu  sync.RWMutex

	closed bool
	graph  *hnsw.Graph[uint64] // nil until the store first reaches ExactBelow items
	items  map[string]*entry   // live items by id
	byKey  map[uint64]*entry   // live items by graph key
	live   []*entry            // live items in a slice, for the scan
	next   uint64              // next graph key
	dead   int                 // tombstoned graph nodes
}

// entry is one live item in memory.
type entry struct {
	key     uint64
	pos     int // index in Store.live
	id      string
	unit    []float32 // the vector scaled to unit length
	payload memory.Payload
}

var _ memory.Store = (*Store)(nil)

// New validates cfg, creates the table if needed and loads the stored items
// of the collection into memory, and into a graph past ExactBelow. Stored
// vectors of another length are
// [memory.ErrDimension]: a collection holds one vector space.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.DB == nil {
		return nil, errors.New("embedded store config: DB is required")
	}
	if cfg.Dimensions <= 0 {
		return nil, errors.New("embedded store config: Dimensions is required")
	}
	cfg = withDefaults(cfg)
	s := &Store{
		db: cfg.DB, dims: cfg.Dimensions, coll: cfg.Collection, cfg: cfg,
		log: cfg.Logger.With("component", "memory", "store", "embedded"),
	}
	s.reset()

	if _, err := s.db.ExecContext(ctx, schema); err != nil {
		return nil, fmt.Errorf("creating mem_items: %w", err)
	}
	start := time.Now()
	if err := s.load(ctx); err != nil {
		return nil, err
	}
	s.index()
	s.log.Debug("memory loaded", "collection", s.coll, "items", len(s.items),
		"elapsed_ms", time.Since(start).Milliseconds())
	return s, nil
}

func withDefaults(cfg Config) Config {
	if cfg.Collection == "" {
		cfg.Collection = "default"
	}
	if cfg.ExactBelow <= 0 {
		// TODO: replace or patch the graph walk (continue while the nearest
		// unexpanded candidate beats the worst result, as HNSW prescribes)
		// before lowering this: until then the graph loses most true neighbours.
		cfg.ExactBelow = 100_000
	}
	if cfg.M <= 0 {
		cfg.M = 16
	}
	if cfg.EfSearch <= 0 {
		cfg.EfSearch = 64
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}

// reset empties the in-memory state.
func (s *Store) reset() {
	s.graph = nil
	s.items = map[string]*entry{}
	s.byKey = map[uint64]*entry{}
	s.live = nil
	s.dead = 0
}

func (s *Store) newGraph() *hnsw.Graph[uint64] {
	g := hnsw.NewGraph[uint64]()
	g.M, g.EfSearch = s.cfg.M, s.cfg.EfSearch
	g.Distance = hnsw.CosineDistance
	if s.cfg.Seed != 0 {
		g.Rng = rand.New(rand.NewSource(s.cfg.Seed))
	}
	return g
}

// Len returns the number of live items.
func (s *Store) Len(context.Context) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return 0, memory.ErrClosed
	}
	return len(s.items), nil
}

// Close drops the in-memory graph. The table stays; the database stays open.
// It waits for a running write, so that no write lands half in memory.
func (s *Store) Close() error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.graph, s.items, s.byKey, s.live = nil, nil, nil, nil
	return nil
}

// put makes e the live item for its id, tombstoning the one it replaces.
// The caller holds mu for writing.
func (s *Store) put(id string, unit []float32, p memory.Payload) {
	s.drop(id)
	e := &entry{key: s.next, pos: len(s.live), id: id, unit: unit, payload: p}
	s.next++
	s.items[id], s.byKey[e.key] = e, e
	s.live = append(s.live, e)
	if s.graph != nil {
		s.graph.Add(hnsw.MakeNode(e.key, unit))
	}
}

// drop forgets the live item with this id, if any, leaving a tombstone in
// the graph. The caller holds mu for writing.
func (s *Store) drop(id string) {
	old, ok := s.items[id]
	if !ok {
		return
	}
	delete(s.items, id)
	delete(s.byKey, old.key)
	last := s.live[len(s.live)-1]
	s.live[old.pos], last.pos = last, old.pos
	s.live[len(s.live)-1] = nil
	s.live = s.live[:len(s.live)-1]
	if s.graph != nil {
		s.dead++ // its node stays in the graph
	}
}

// index builds the graph once the store is large enough to need it, and
// rebuilds it from the live items once tombstones outnumber them, so that
// walks do not wade through dead nodes. The caller holds mu for writing.
func (s *Store) index() {
	switch {
	case s.graph == nil && len(s.items) < s.cfg.ExactBelow:
		return
	case s.graph != nil && (s.dead < 64 || s.dead <= len(s.items)):
		return
	}
	start := time.Now()
	s.graph = s.newGraph()
	live := slices.SortedFunc(slices.Values(s.live), func(a, b *entry) int {
		return cmp.Compare(a.key, b.key)
	})
	for _, e := range live {
		s.graph.Add(hnsw.MakeNode(e.key, e.unit))
	}
	s.log.Debug("memory graph built", "items", len(live), "tombstones", s.dead,
		"elapsed_ms", time.Since(start).Milliseconds())
	s.dead = 0
}
