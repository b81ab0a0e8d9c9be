// Package memorytest is the conformance suite every [memory.Store] backend
// runs, so that the embedded store and Qdrant answer the same calls the same
// way.
package memorytest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/conductor-sec/conductor/memory"
)

// Dims is the vector length of the stores under test: newStore must return
// stores for vectors of this many dimensions.
const Dims = 8

// tolerance is how far a score may stray from the exact cosine: backends
// compute in float32.
const tolerance = 1e-4

// Run runs the suite. newStore must return a new, empty store for [Dims]
// dimensions on every call; the suite closes it.
func Run(t *testing.T, newStore func(t *testing.T) memory.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, memory.Store)
	}{
		{"Empty", testEmpty},
		{"Order", testOrder},
		{"K", testK},
		{"Filter", testFilter},
		{"Delete", testDelete},
		{"Update", testUpdate},
		{"Payload", testPayload},
		{"Dimension", testDimension},
		{"Invalid", testInvalid},
		{"Concurrent", testConcurrent},
		{"Many", testMany},
		{"Closed", testClosed},
		{"CloseWhileBusy", testCloseWhileBusy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			t.Cleanup(func() { _ = s.Close() })
			tt.fn(t, s)
		})
	}
}

// unit returns the basis vector for dimension i.
func unit(i int) []float32 {
	v := make([]float32, Dims)
	v[i] = 1
	return v
}

// vec returns a vector with the given leading values.
func vec(vals ...float32) []float32 {
	v := make([]float32, Dims)
	copy(v, vals)
	return v
}

// fixture is five items around the query unit(0), with known cosines:
// a 1, b 0.7071, e 0.5774, c 0, d -1.
func fixture() []memory.Item {
	item := func(id, verdict string, v []float32, techs ...string) memory.Item {
		return memory.Item{ID: id, Vector: v, Payload: memory.Payload{
			CaseID: id, Title: "case " + id, Verdict: verdict, Techniques: techs,
		}}
	}
	return []memory.Item{
		item("a", "malicious", vec(1), "T1566"),
		item("b", "benign", vec(1, 1), "T1566.001"),
		item("c", "malicious", vec(0, 1), "T1110"),
		item("d", "suspicious", vec(-1), "T1110", "T1566"),
		item("e", "malicious", vec(1, 1, 1)),
	}
}

var fixtureScores = map[string]float64{
	"a": 1, "b": 1 / math.Sqrt2, "e": 1 / math.Sqrt(3), "c": 0, "d": -1,
}

func upsert(t *testing.T, s memory.Store, items ...memory.Item) {
	t.Helper()
	if err := s.Upsert(context.Background(), items); err != nil {
		t.Fatalf("Upsert(%d items): %v", len(items), err)
	}
}

func search(t *testing.T, s memory.Store, q []float32, k int, f memory.Filter) []memory.Hit {
	t.Helper()
	hits, err := s.Search(context.Background(), q, k, f)
	if err != nil {
		t.Fatalf("Search(k=%d, %+v): %v", k, f, err)
	}
	return hits
}

func ids(hits []memory.Hit) []string {
	out := []string{}
	for _, h := range hits {
		out = append(out, h.ID)
	}
	return out
}

func wantLen(t *testing.T, s memory.Store, want int) {
	t.Helper()
	n, err := s.Len(context.Background())
	if err != nil {
		t.Fatalf("Len: %v", err)
	}
	if n != want {
		t.Errorf("Len() = %d, want %d", n, want)
	}
}

func testEmpty(t *testing.T, s memory.Store) {
	wantLen(t, s, 0)
	if hits := search(t, s, unit(0), 3, memory.Filter{}); len(hits) != 0 {
		t.Errorf("Search on an empty store = %v, want no hits", ids(hits))
	}
	if err := s.Delete(context.Background(), []string{"nobody"}); err != nil {
		t.Errorf("Delete(unknown) on an empty store: %v", err)
	}
}

func testOrder(t *testing.T, s memory.Store) {
	upsert(t, s, fixture()...)
	hits := search(t, s, unit(0), 5, memory.Filter{})
	if diff := cmp.Diff([]string{"a", "b", "e", "c", "d"}, ids(hits)); diff != "" {
		t.Fatalf("Search order (-want +got):\n%s", diff)
	}
	for _, h := range hits {
		if math.Abs(float64(h.Score)-fixtureScores[h.ID]) > tolerance {
			t.Errorf("score of %s = %.5f, want %.5f", h.ID, h.Score, fixtureScores[h.ID])
		}
		if len(h.Vector) != Dims {
			t.Errorf("hit %s has %d vector values, want %d", h.ID, len(h.Vector), Dims)
		}
	}

	// A scaled query points the same way: cosine ignores length.
	scaled := search(t, s, vec(7.5), 2, memory.Filter{})
	if diff := cmp.Diff([]string{"a", "b"}, ids(scaled)); diff != "" {
		t.Errorf("Search with a scaled query (-want +got):\n%s", diff)
	}
}

func testK(t *testing.T, s memory.Store) {
	upsert(t, s, fixture()...)
	for _, tt := range []struct {
		k    int
		want []string
	}{
		{-1, []string{}},
		{0, []string{}},
		{1, []string{"a"}},
		{3, []string{"a", "b", "e"}},
		{50, []string{"a", "b", "e", "c", "d"}},
	} {
		got := ids(search(t, s, unit(0), tt.k, memory.Filter{}))
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Search(k=%d) (-want +got):\n%s", tt.k, diff)
		}
	}
}

func testFilter(t *testing.T, s memory.Store) {
	upsert(t, s, fixture()...)
	for _, tt := range []struct {
		name   string
		filter memory.Filter
		want   []string
	}{
		{"verdict", memory.Filter{Verdicts: []string{"malicious"}}, []string{"a", "e", "c"}},
		{"technique", memory.Filter{Techniques: []string{"T1110"}}, []string{"c", "d"}},
		{"both", memory.Filter{Verdicts: []string{"malicious"},
			Techniques: []string{"T1110"}}, []string{"c"}},
		{"any of", memory.Filter{Verdicts: []string{"malicious", "suspicious"},
			Techniques: []string{"T1566"}}, []string{"a", "d"}},
		{"sub-technique is its own id", memory.Filter{Techniques: []string{"T1566.001"}},
			[]string{"b"}},
		{"none", memory.Filter{Verdicts: []string{"inconclusive"}}, []string{}},
	} {
		got := ids(search(t, s, unit(0), 5, tt.filter))
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Search(%s) (-want +got):\n%s", tt.name, diff)
		}
	}
	limited := ids(search(t, s, unit(0), 1, memory.Filter{Verdicts: []string{"malicious"}}))
	if diff := cmp.Diff([]string{"a"}, limited); diff != "" {
		t.Errorf("Search(verdict, k=1) (-want +got):\n%s", diff)
	}
}

func testDelete(t *testing.T, s memory.Store) {
	upsert(t, s, fixture()...)
	ctx := context.Background()
	if err := s.Delete(ctx, []string{"a", "e", "never-stored"}); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	wantLen(t, s, 3)
	got := ids(search(t, s, unit(0), 5, memory.Filter{}))
	if diff := cmp.Diff([]string{"b", "c", "d"}, got); diff != "" {
		t.Errorf("Search after Delete (-want +got):\n%s", diff)
	}

	// A deleted id can be stored again.
	upsert(t, s, fixture()[0])
	wantLen(t, s, 4)
	if got := ids(search(t, s, unit(0), 1, memory.Filter{})); len(got) != 1 || got[0] != "a" {
		t.Errorf("Search after re-adding a = %v, want [a]", got)
	}
}

func testUpdate(t *testing.T, s memory.Store) {
	upsert(t, s, fixture()...)
	moved := memory.Item{ID: "d", Vector: vec(1, 0.01), Payload: memory.Payload{
		CaseID: "d", Title: "case d, reviewed", Verdict: "benign",
	}}
	upsert(t, s, moved)
	wantLen(t, s, 5)

	hits := search(t, s, unit(0), 2, memory.Filter{})
	if diff := cmp.Diff([]string{"a", "d"}, ids(hits)); diff != "" {
		t.Fatalf("Search after update (-want +got):\n%s", diff)
	}
	if got := hits[1].Payload; got.Title != "case d, reviewed" || got.Verdict != "benign" {
		t.Errorf("updated payload = %+v, want the new title and verdict", got)
	}
	suspicious := search(t, s, unit(0), 5, memory.Filter{Verdicts: []string{"suspicious"}})
	if len(suspicious) != 0 {
		t.Errorf("old verdict still matches: %v", ids(suspicious))
	}
}

func testPayload(t *testing.T, s memory.Store) {
	want := memory.Payload{
		CaseID: "CASE-000042", Title: "Reported phishing: “Invoice” 4411 — überfällig",
		Verdict: "malicious", Techniques: []string{"T1566", "T1566.001"},
		Entities: []string{"domain:acme-invoices.example", "email:billing@acme-invoices.example"},
		Summary:  "credential harvesting page\nblocked at the proxy",
		ClosedAt: time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC),
	}
	upsert(t, s, memory.Item{ID: "CASE-000042", Vector: unit(3), Payload: want})
	hits := search(t, s, unit(3), 1, memory.Filter{})
	if len(hits) != 1 {
		t.Fatalf("Search = %d hits, want 1", len(hits))
	}
	if diff := cmp.Diff(want, hits[0].Payload); diff != "" {
		t.Errorf("payload round trip (-want +got):\n%s", diff)
	}
}

func testDimension(t *testing.T, s memory.Store) {
	ctx := context.Background()
	good := memory.Item{ID: "good", Vector: unit(0)}
	short := memory.Item{ID: "short", Vector: []float32{1, 0, 0}}
	err := s.Upsert(ctx, []memory.Item{good, short})
	if !errors.Is(err, memory.ErrDimension) {
		t.Errorf("Upsert(short vector) = %v, want ErrDimension", err)
	}
	wantLen(t, s, 0) // nothing of the failed batch was written

	upsert(t, s, good)
	_, err = s.Search(ctx, make([]float32, Dims+1), 1, memory.Filter{})
	if !errors.Is(err, memory.ErrDimension) {
		t.Errorf("Search(long vector) = %v, want ErrDimension", err)
	}
}

func testInvalid(t *testing.T, s memory.Store) {
	ctx := context.Background()
	nan := unit(0)
	nan[1] = float32(math.NaN())
	for _, tt := range []struct {
		name string
		item memory.Item
	}{
		{"no id", memory.Item{Vector: unit(0)}},
		{"zero vector", memory.Item{ID: "z", Vector: make([]float32, Dims)}},
		{"NaN", memory.Item{ID: "n", Vector: nan}},
	} {
		err := s.Upsert(ctx, []memory.Item{tt.item})
		if !errors.Is(err, memory.ErrInvalid) {
			t.Errorf("Upsert(%s) = %v, want ErrInvalid", tt.name, err)
		}
	}
	wantLen(t, s, 0)
	if err := s.Upsert(ctx, nil); err != nil {
		t.Errorf("Upsert(nil) = %v, want nil", err)
	}
}

// testConcurrent writes, searches and counts from several goroutines at once;
// run it under -race.
func testConcurrent(t *testing.T, s memory.Store) {
	const workers, each = 6, 20
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, workers*each*3)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(w + 1)))
			for i := range each {
				id := fmt.Sprintf("w%d-%02d", w, i)
				it := memory.Item{ID: id, Vector: randomVector(rng),
					Payload: memory.Payload{CaseID: id, Verdict: "benign"}}
				errs <- s.Upsert(ctx, []memory.Item{it})
				_, err := s.Search(ctx, randomVector(rng), 3, memory.Filter{})
				errs <- err
				_, err = s.Len(ctx)
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent call: %v", err)
		}
	}
	wantLen(t, s, workers*each)
}

// testMany stores enough items for an index to matter and checks that each
// item's own vector finds it first.
func testMany(t *testing.T, s memory.Store) {
	const n, probes = 1500, 60
	rng := rand.New(rand.NewSource(7))
	items := make([]memory.Item, n)
	for i := range items {
		id := fmt.Sprintf("m%04d", i)
		items[i] = memory.Item{ID: id, Vector: randomVector(rng),
			Payload: memory.Payload{CaseID: id}}
	}
	upsert(t, s, items...)
	wantLen(t, s, n)

	found := 0
	for i := 0; i < n; i += n / probes {
		hits := search(t, s, items[i].Vector, 5, memory.Filter{})
		if len(hits) != 5 {
			t.Fatalf("Search(k=5) over %d items = %d hits", n, len(hits))
		}
		if hits[0].ID == items[i].ID && math.Abs(float64(hits[0].Score)-1) < tolerance {
			found++
		}
	}
	// Indexes are approximate; a sound one still finds almost every item.
	if found < probes*95/100 {
		t.Errorf("an item's own vector found it first %d times of %d, want at least 95%%",
			found, probes)
	}
}

func testClosed(t *testing.T, s memory.Store) {
	upsert(t, s, fixture()...)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ctx := context.Background()
	if _, err := s.Search(ctx, unit(0), 1, memory.Filter{}); !errors.Is(err, memory.ErrClosed) {
		t.Errorf("Search after Close = %v, want ErrClosed", err)
	}
	err := s.Upsert(ctx, fixture()[:1])
	if !errors.Is(err, memory.ErrClosed) {
		t.Errorf("Upsert after Close = %v, want ErrClosed", err)
	}
}

// testCloseWhileBusy closes the store under running writes and searches:
// every call either succeeds or reports ErrClosed, and nothing panics.
func testCloseWhileBusy(t *testing.T, s memory.Store) {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	started := make(chan struct{}, 4)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(w + 100)))
			for i := 0; ; i++ {
				id := fmt.Sprintf("b%d-%d", w, i)
				err := s.Upsert(ctx, []memory.Item{{ID: id, Vector: randomVector(rng)}})
				if err == nil {
					_, err = s.Search(ctx, randomVector(rng), 2, memory.Filter{})
				}
				if i == 0 {
					started <- struct{}{}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for range 4 {
		<-started
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, memory.ErrClosed) {
			t.Errorf("call racing Close = %v, want ErrClosed", err)
		}
	}
}

// randomVector returns a vector with values uniform in [-1, 1).
func randomVector(rng *rand.Rand) []float32 {
	v := make([]float32, Dims)
	for i := range v {
		v[i] = rng.Float32()*2 - 1
	}
	return v
}
