package embedded

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"

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
	return hits(s.scan(q, k, filter)), nil
}

// scored is a live item and its similarity to the query.
type scored struct {
	e     *entry
	score float32
}

// parallelFrom is the number of live items from which a search splits its
// scan across cores: below it, starting goroutines costs more than it saves.
const parallelFrom = 16384

// scan scores every live item passing filter and keeps the best k, in one
// part per core for a large store. The parts' winners are merged in the same
// order, so the answer does not depend on the split.
func (s *Store) scan(q []float32, k int, filter memory.Filter) []scored {
	parts := min(runtime.GOMAXPROCS(0), len(s.live)/parallelFrom)
	if parts <= 1 {
		return scanPart(s.live, q, k, filter)
	}

	size := (len(s.live) + parts - 1) / parts
	tops := make([][]scored, parts)
	var wg sync.WaitGroup
	for i := range parts {
		part := s.live[i*size : min((i+1)*size, len(s.live))]
		wg.Go(func() { tops[i] = scanPart(part, q, k, filter) })
	}
	wg.Wait()

	top := newTopK(k)
	for _, t := range tops {
		for _, c := range t {
			top.offer(c)
		}
	}
	return top.best
}

// scanPart scores the entries passing filter and keeps the best k.
func scanPart(entries []*entry, q []float32, k int, filter memory.Filter) []scored {
	top := newTopK(k)
	zero := filter.IsZero()
	for _, e := range entries {
		if zero || filter.Match(e.payload) {
			top.offer(scored{e, dot(q, e.unit)})
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

func (t *topK) offer(c scored) {
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
