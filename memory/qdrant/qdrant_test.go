package qdrant_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	qc "github.com/qdrant/go-client/qdrant"

	"github.com/conductor-sec/conductor/memory"
	"github.com/conductor-sec/conductor/memory/memorytest"
	"github.com/conductor-sec/conductor/memory/qdrant"
)

func newStore(t *testing.T, cfg qdrant.Config) *qdrant.Store {
	t.Helper()
	if cfg.Collection == "" {
		cfg.Collection = "cases-test"
	}
	if cfg.Dimensions == 0 {
		cfg.Dimensions = memorytest.Dims
	}
	s, err := qdrant.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("qdrant.New: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	memorytest.Run(t, func(t *testing.T) memory.Store {
		_, addr := startFake(t)
		return newStore(t, qdrant.Config{Addr: addr})
	})
}

// TestCreateCollection checks what the store asks of a fresh server: a
// collection of the configured size with cosine distance, and keyword indexes
// on the fields filters use.
func TestCreateCollection(t *testing.T) {
	f, addr := startFake(t)
	newStore(t, qdrant.Config{Addr: addr, Collection: "cases-local-hash-v1-384",
		Dimensions: 384})

	if len(f.creates) != 1 {
		t.Fatalf("collections created = %d, want 1", len(f.creates))
	}
	c := f.creates[0]
	p := c.GetVectorsConfig().GetParams()
	if c.GetCollectionName() != "cases-local-hash-v1-384" || p.GetSize() != 384 ||
		p.GetDistance() != qc.Distance_Cosine {
		t.Errorf("created %s with size %d and %s distance, want cases-local-hash-v1-384, "+
			"384, Cosine", c.GetCollectionName(), p.GetSize(), p.GetDistance())
	}
	if diff := cmp.Diff([]string{"verdict", "techniques"}, f.indexed); diff != "" {
		t.Errorf("payload indexes (-want +got):\n%s", diff)
	}

	// Opening again finds the collection and creates nothing.
	newStore(t, qdrant.Config{Addr: addr, Collection: "cases-local-hash-v1-384",
		Dimensions: 384})
	if len(f.creates) != 1 {
		t.Errorf("collections created after reopening = %d, want still 1", len(f.creates))
	}
}

// TestExistingCollectionMismatch: a collection of another size refuses to
// open, rather than mixing vector spaces.
func TestExistingCollectionMismatch(t *testing.T) {
	_, addr := startFake(t)
	newStore(t, qdrant.Config{Addr: addr, Collection: "cases", Dimensions: 1536})
	_, err := qdrant.New(context.Background(), qdrant.Config{
		Addr: addr, Collection: "cases", Dimensions: 384,
	})
	if !errors.Is(err, memory.ErrDimension) {
		t.Errorf("New(384 over 1536) = %v, want ErrDimension", err)
	}
}

// TestWritesWait: every write asks Qdrant to apply it before answering, so a
// search right after sees it.
func TestWritesWait(t *testing.T) {
	f, addr := startFake(t)
	s := newStore(t, qdrant.Config{Addr: addr})
	ctx := context.Background()
	v := make([]float32, memorytest.Dims)
	v[0] = 1
	if err := s.Upsert(ctx, []memory.Item{{ID: "CASE-1", Vector: v}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, []string{"CASE-1"}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]bool{true, true}, f.waits); diff != "" {
		t.Errorf("wait flags of upsert and delete (-want +got):\n%s", diff)
	}
}

// TestPointID: ids map to stable, well-formed UUIDs, distinct per id.
func TestPointID(t *testing.T) {
	a, b := qdrant.PointID("CASE-000001").GetUuid(), qdrant.PointID("CASE-000002").GetUuid()
	if a != qdrant.PointID("CASE-000001").GetUuid() {
		t.Error("PointID is not stable")
	}
	if a == b {
		t.Errorf("PointID(CASE-000001) = PointID(CASE-000002) = %s", a)
	}
	for _, u := range []string{a, b} {
		if len(u) != 36 || u[14] != '8' || !strings.ContainsRune("89ab", rune(u[19])) {
			t.Errorf("PointID = %s, want a version 8 RFC 9562 UUID", u)
		}
	}
}

// TestAPIKey: the key reaches the server as the api-key header and appears in
// no log line, the client library's included.
func TestAPIKey(t *testing.T) {
	const key = "qk-7d1e9c2a5b8f4036"
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	prev := slog.Default()
	slog.SetDefault(log) // the client library warns through the default logger
	t.Cleanup(func() { slog.SetDefault(prev) })

	f, addr := startFake(t)
	s := newStore(t, qdrant.Config{Addr: addr, APIKey: key, Logger: log})
	if _, err := s.Len(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(f.apiKeys) == 0 || slices.ContainsFunc(f.apiKeys, func(k string) bool {
		return k != key
	}) {
		t.Errorf("api-key headers seen = %q, want %q on every call", f.apiKeys, key)
	}
	if strings.Contains(logs.String(), key) {
		t.Errorf("the API key appears in the logs:\n%s", logs.String())
	}
}

// TestUnreachable: no server gives an error from New within the timeout.
func TestUnreachable(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()

	start := time.Now()
	_, err = qdrant.New(context.Background(), qdrant.Config{Addr: addr, Collection: "c",
		Dimensions: 8, Timeout: 500 * time.Millisecond})
	if err == nil {
		t.Fatal("New against a closed port: want an error")
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("New took %v to fail, want about the 500ms timeout", time.Since(start))
	}
}

func TestConfig(t *testing.T) {
	ctx := context.Background()
	for _, cfg := range []qdrant.Config{
		{Dimensions: 8},
		{Collection: "c"},
		{Collection: "c", Dimensions: 8, Addr: "no-port"},
		{Collection: "c", Dimensions: 8, Addr: "host:port"},
	} {
		if _, err := qdrant.New(ctx, cfg); err == nil {
			t.Errorf("New(%+v): want an error", cfg)
		}
	}
}

// TestFilterRequest: a filtered search sends must-conditions matching any of
// the keywords, which is what Qdrant needs to filter before ranking.
func TestFilterRequest(t *testing.T) {
	f, addr := startFake(t)
	s := newStore(t, qdrant.Config{Addr: addr})
	ctx := context.Background()
	var items []memory.Item
	for i, verdict := range []string{"malicious", "benign", "malicious"} {
		v := make([]float32, memorytest.Dims)
		v[i] = 1
		id := fmt.Sprintf("CASE-%d", i)
		items = append(items, memory.Item{ID: id, Vector: v, Payload: memory.Payload{
			CaseID: id, Verdict: verdict, Techniques: []string{"T1566"},
		}})
	}
	if err := s.Upsert(ctx, items); err != nil {
		t.Fatal(err)
	}
	hits, err := s.Search(ctx, items[1].Vector, 3, memory.Filter{
		Verdicts: []string{"malicious"}, Techniques: []string{"T1566", "T1110"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range hits {
		got = append(got, h.ID)
	}
	// Both malicious cases score 0 against CASE-1's vector: the tie goes by ID.
	if diff := cmp.Diff([]string{"CASE-0", "CASE-2"}, got); diff != "" {
		t.Errorf("filtered hits (-want +got):\n%s", diff)
	}
	if !slices.Contains(f.calls, "/qdrant.Points/Query") {
		t.Errorf("calls = %v, want a Points/Query", f.calls)
	}
}
