package embedded

import (
	"context"
	"fmt"
	"slices"

	"github.com/conductor-sec/conductor/memory"
)

// Upsert writes items to the table, then to memory. Within one call a later
// item with the same ID wins.
func (s *Store) Upsert(ctx context.Context, items []memory.Item) error {
	if err := memory.CheckItems(items, s.dims); err != nil {
		return fmt.Errorf("upserting: %w", err)
	}
	if len(items) == 0 {
		return nil
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.isClosed() {
		return memory.ErrClosed
	}

	if err := s.writeItems(ctx, items); err != nil {
		return fmt.Errorf("upserting %d items: %w", len(items), err)
	}
	units := make([][]float32, len(items))
	for i := range items {
		units[i] = memory.Normalize(items[i].Vector) // outside the lock: searches go on
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	for i, it := range items {
		s.put(it.ID, units[i], it.Payload)
	}
	s.index()
	return nil
}

// Delete removes items from the table, then from memory.
func (s *Store) Delete(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.isClosed() {
		return memory.ErrClosed
	}

	if err := s.deleteRows(ctx, ids); err != nil {
		return fmt.Errorf("deleting %d items: %w", len(ids), err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		s.drop(id)
	}
	s.index()
	return nil
}

func (s *Store) isClosed() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.closed
}

// Search returns the k live items nearest vector that pass filter.
func (s *Store) Search(ctx context.Context, vector []float32, k int,
	filter memory.Filter) ([]memory.Hit, error) {
	if err := memory.CheckVector(vector, s.dims); err != nil {
		return nil, fmt.Errorf("searching: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("searching: %w", err)
	}
	if k <= 0 {
		return nil, nil
	}
	q := memory.Normalize(vector)

	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, memory.ErrClosed
	}
	if s.graph != nil && len(s.items) >= s.cfg.ExactBelow {
		if top := s.walk(q, k, filter); len(top) >= k {
			return hits(top), nil
		}
	}
	return hits(s.scan(q, k, filter)), nil
}

// scored is a live item and its similarity to the query.
type scored struct {
	e     *entry
	score float32
}

// walk asks the graph for candidates and keeps the best k live ones passing
// filter. It asks for several times k, because the graph's answer is
// approximate and includes tombstones, and for more under a filter.
func (s *Store) walk(q []float32, k int, filter memory.Filter) []scored {
	want := max(8*k, 2*s.cfg.EfSearch)
	if !filter.IsZero() {
		want *= 4
	}
	top := newTopK(k)
	for _, n := range s.graph.Search(q, min(want, s.graph.Len())) {
		e, ok := s.byKey[n.Key]
		if ok && filter.Match(e.payload) {
			top.offer(e, dot(q, e.unit))
		}
	}
	return top.best
}

// scan scores every live item passing filter and keeps the best k.
func (s *Store) scan(q []float32, k int, filter memory.Filter) []scored {
	top := newTopK(k)
	zero := filter.IsZero()
	for _, e := range s.live {
		if zero || filter.Match(e.payload) {
			top.offer(e, dot(q, e.unit))
		}
	}
	return top.best
}

// topK keeps the k best scored entries seen, best first. Most candidates of
// a scan lose against the current k-th and cost one comparison.
type topK struct {
	k    int
	best []scored
}

func newTopK(k int) *topK { return &topK{k: k, best: make([]scored, 0, k+1)} }

func (t *topK) offer(e *entry, score float32) {
	c := scored{e, score}
	if len(t.best) == t.k && !better(c, t.best[t.k-1]) {
		return
	}
	i, _ := slices.BinarySearchFunc(t.best, c, func(a, b scored) int {
		if better(a, b) {
			return -1
		}
		return 1
	})
	t.best = slices.Insert(t.best, i, c)
	if len(t.best) > t.k {
		t.best = t.best[:t.k]
	}
}

// better orders by score, then by ID, as [memory.SortHits] does.
func better(a, b scored) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.e.id < b.e.id
}

// hits turns scored entries into hits. It copies what the caller could
// change, so that a caller editing a hit cannot edit the store.
func hits(top []scored) []memory.Hit {
	out := make([]memory.Hit, len(top))
	for i, t := range top {
		p := t.e.payload
		p.Techniques, p.Entities = slices.Clone(p.Techniques), slices.Clone(p.Entities)
		out[i] = memory.Hit{
			Item:  memory.Item{ID: t.e.id, Vector: slices.Clone(t.e.unit), Payload: p},
			Score: t.score,
		}
	}
	return out
}

// dot is the dot product of two vectors of equal length, in four running
// sums: the scan's inner loop, and several times faster than a plain loop.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}
