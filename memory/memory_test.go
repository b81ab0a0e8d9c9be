package memory_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/conductor-sec/conductor/memory"
)

func TestDocText(t *testing.T) {
	tests := []struct {
		name string
		doc  memory.CaseDoc
		want string
	}{
		{
			name: "full",
			doc: memory.CaseDoc{
				CaseID: "CASE-000007", Title: "  Reported phishing:\n Invoice 4411 ",
				Verdict:    "Malicious",
				Techniques: []string{"t1566.001", "T1566", "T1566"},
				Entities: []string{"email:Billing@Acme-Invoices.example",
					"domain:acme-invoices.example", "domain: acme-invoices.example"},
				Summary: "credential page\n\nblocked",
			},
			want: "Reported phishing: Invoice 4411\n" +
				"T1566 T1566.001\n" +
				"domain:acme-invoices.example email:billing@acme-invoices.example\n" +
				"malicious\n" +
				"credential page blocked",
		},
		{
			name: "title only",
			doc:  memory.CaseDoc{CaseID: "CASE-000008", Title: "SSH brute force"},
			want: "SSH brute force",
		},
		{name: "empty", doc: memory.CaseDoc{CaseID: "CASE-000009"}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := memory.DocText(tt.doc); got != tt.want {
				t.Errorf("DocText() =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestDocTextCaps(t *testing.T) {
	var ents []string
	for i := range 100 {
		ents = append(ents, "ip:10.0.0."+string(rune('a'+i%26))+strings.Repeat("x", i))
	}
	doc := memory.CaseDoc{
		Title: strings.Repeat("é", 400), Summary: strings.Repeat("word ", 1000),
		Entities: ents,
	}
	p := doc.Payload()
	if len(p.Entities) != 64 {
		t.Errorf("entities kept = %d, want 64", len(p.Entities))
	}
	if len(p.Title) != 512 || !strings.HasSuffix(p.Title, "é") {
		t.Errorf("title cut to %d bytes ending %q, want 512 bytes of whole runes",
			len(p.Title), p.Title[len(p.Title)-2:])
	}
	if len(p.Summary) > 2048 {
		t.Errorf("summary kept %d bytes, want at most 2048", len(p.Summary))
	}
}

func TestPayload(t *testing.T) {
	closed := time.Date(2025, 6, 1, 12, 0, 0, 0, time.FixedZone("CEST", 7200))
	doc := memory.CaseDoc{
		CaseID: "CASE-000011", Title: "C2 beacon", Verdict: "Malicious",
		Techniques: []string{"T1071.001"}, Entities: []string{"HOST:WS-0142"},
		Summary: "contained", ClosedAt: closed,
	}
	want := memory.Payload{
		CaseID: "CASE-000011", Title: "C2 beacon", Verdict: "malicious",
		Techniques: []string{"T1071.001"}, Entities: []string{"host:ws-0142"},
		Summary: "contained", ClosedAt: time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC),
	}
	if diff := cmp.Diff(want, doc.Payload()); diff != "" {
		t.Errorf("Payload() (-want +got):\n%s", diff)
	}
}

func TestCheckVector(t *testing.T) {
	tests := []struct {
		name string
		v    []float32
		want error
	}{
		{"ok", []float32{0, 3, 4}, nil},
		{"short", []float32{1, 2}, memory.ErrDimension},
		{"long", []float32{1, 2, 3, 4}, memory.ErrDimension},
		{"zero", []float32{0, 0, 0}, memory.ErrInvalid},
		{"NaN", []float32{1, float32(math.NaN()), 0}, memory.ErrInvalid},
		{"Inf", []float32{float32(math.Inf(-1)), 0, 0}, memory.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := memory.CheckVector(tt.v, 3); !errors.Is(err, tt.want) {
				t.Errorf("CheckVector(%v, 3) = %v, want %v", tt.v, err, tt.want)
			}
		})
	}
}

func TestCosine(t *testing.T) {
	tests := []struct {
		a, b []float32
		want float64
	}{
		{[]float32{1, 0}, []float32{5, 0}, 1},
		{[]float32{1, 0}, []float32{0, 2}, 0},
		{[]float32{1, 1}, []float32{1, 0}, 1 / math.Sqrt2},
		{[]float32{1, 2, 3}, []float32{-1, -2, -3}, -1},
		{[]float32{0, 0}, []float32{1, 0}, 0},
		{[]float32{1}, []float32{1, 0}, 0},
	}
	for _, tt := range tests {
		if got := memory.Cosine(tt.a, tt.b); math.Abs(float64(got)-tt.want) > 1e-6 {
			t.Errorf("Cosine(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
	n := memory.Normalize([]float32{3, 4})
	if diff := cmp.Diff([]float32{0.6, 0.8}, n); diff != "" {
		t.Errorf("Normalize([3 4]) (-want +got):\n%s", diff)
	}
}

func TestFilterMatch(t *testing.T) {
	p := memory.Payload{Verdict: "malicious", Techniques: []string{"T1566", "T1204.002"}}
	tests := []struct {
		name string
		f    memory.Filter
		want bool
	}{
		{"zero", memory.Filter{}, true},
		{"verdict", memory.Filter{Verdicts: []string{"benign", "malicious"}}, true},
		{"other verdict", memory.Filter{Verdicts: []string{"benign"}}, false},
		{"technique", memory.Filter{Techniques: []string{"T1204.002"}}, true},
		{"parent is not the sub-technique", memory.Filter{Techniques: []string{"T1204"}}, false},
		{"both", memory.Filter{Verdicts: []string{"malicious"},
			Techniques: []string{"T1110"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.Match(p); got != tt.want {
				t.Errorf("%+v.Match() = %v, want %v", tt.f, got, tt.want)
			}
		})
	}
}

// keywordEmbedder puts each known word on its own axis.
type keywordEmbedder struct {
	err   error
	calls int
	mu    sync.Mutex
}

var axes = []string{"phishing", "invoice", "beacon", "brute", "malicious"}

func (k *keywordEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	k.mu.Lock()
	k.calls++
	k.mu.Unlock()
	if k.err != nil {
		return nil, k.err
	}
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v := make([]float32, len(axes)+1)
		v[len(axes)] = 0.01 // never a zero vector
		for j, w := range axes {
			if strings.Contains(strings.ToLower(t), w) {
				v[j] = 1
			}
		}
		out[i] = v
	}
	return out, nil
}

func (k *keywordEmbedder) Dimensions() int { return len(axes) + 1 }
func (k *keywordEmbedder) Name() string    { return "keywords" }

// flatStore is a minimal exact store for testing Memory.
type flatStore struct {
	mu     sync.Mutex
	items  map[string]memory.Item
	closed bool
}

func (f *flatStore) Upsert(_ context.Context, items []memory.Item) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.items == nil {
		f.items = map[string]memory.Item{}
	}
	for _, it := range items {
		f.items[it.ID] = it
	}
	return nil
}

func (f *flatStore) Search(_ context.Context, v []float32, k int,
	filter memory.Filter) ([]memory.Hit, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var hits []memory.Hit
	for _, it := range f.items {
		if filter.Match(it.Payload) {
			hits = append(hits, memory.Hit{Item: it, Score: memory.Cosine(v, it.Vector)})
		}
	}
	memory.SortHits(hits)
	return hits[:min(k, len(hits))], nil
}

func (f *flatStore) Delete(_ context.Context, ids []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range ids {
		delete(f.items, id)
	}
	return nil
}

func (f *flatStore) Len(context.Context) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.items), nil
}

func (f *flatStore) Close() error { f.closed = true; return nil }

func newMemory(t *testing.T, minScore float32) (*memory.Memory, *flatStore) {
	t.Helper()
	st := &flatStore{}
	m, err := memory.New(memory.Config{Embedder: &keywordEmbedder{}, Store: st,
		MinScore: minScore})
	if err != nil {
		t.Fatal(err)
	}
	return m, st
}

func TestRememberRecall(t *testing.T) {
	ctx := context.Background()
	m, _ := newMemory(t, 0.5)
	for _, d := range []memory.CaseDoc{
		{CaseID: "CASE-1", Title: "Phishing invoice", Verdict: "malicious"},
		{CaseID: "CASE-2", Title: "Phishing newsletter", Verdict: "benign"},
		{CaseID: "CASE-3", Title: "C2 beacon", Verdict: "malicious"},
		{CaseID: "CASE-4", Title: "SSH brute force", Verdict: "benign"},
	} {
		if err := m.Remember(ctx, d); err != nil {
			t.Fatalf("Remember(%s): %v", d.CaseID, err)
		}
	}
	if n, _ := m.Len(ctx); n != 4 {
		t.Fatalf("Len() = %d, want 4", n)
	}

	// CASE-1 is the query's own case: left out. CASE-3 and CASE-4 share no
	// keyword: their scores (near 0) are under the 0.5 floor.
	hits, err := m.Recall(ctx, memory.CaseDoc{CaseID: "CASE-1",
		Title: "Phishing invoice again"}, 3)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, h := range hits {
		got[h.ID] = math.Round(float64(h.Score)*1000) / 1000
	}
	// CASE-2 "phishing" against "phishing invoice": 1/sqrt(2) = 0.707.
	if diff := cmp.Diff(map[string]float64{"CASE-2": 0.707}, got); diff != "" {
		t.Errorf("Recall (-want +got):\n%s", diff)
	}
	if hits[0].Payload.Title != "Phishing newsletter" || hits[0].Payload.Verdict != "benign" {
		t.Errorf("recalled payload = %+v", hits[0].Payload)
	}
}

func TestRecallEdges(t *testing.T) {
	ctx := context.Background()
	m, _ := newMemory(t, 0)
	if err := m.Remember(ctx, memory.CaseDoc{CaseID: "CASE-1", Title: "beacon"}); err != nil {
		t.Fatal(err)
	}
	if hits, err := m.Recall(ctx, memory.CaseDoc{}, 3); err != nil || len(hits) != 0 {
		t.Errorf("Recall(empty doc) = %v, %v; want no hits, no error", hits, err)
	}
	if hits, err := m.Recall(ctx, memory.CaseDoc{Title: "beacon"}, 0); err != nil ||
		len(hits) != 0 {
		t.Errorf("Recall(k=0) = %v, %v; want no hits, no error", hits, err)
	}
	err := m.Remember(ctx, memory.CaseDoc{CaseID: "CASE-2"})
	if !errors.Is(err, memory.ErrEmptyDoc) {
		t.Errorf("Remember(empty doc) = %v, want ErrEmptyDoc", err)
	}
	if err := m.Remember(ctx, memory.CaseDoc{Title: "x"}); !errors.Is(err, memory.ErrInvalid) {
		t.Errorf("Remember(no case id) = %v, want ErrInvalid", err)
	}
	if err := m.Forget(ctx, "CASE-1"); err != nil {
		t.Fatal(err)
	}
	if n, _ := m.Len(ctx); n != 0 {
		t.Errorf("Len() after Forget = %d, want 0", n)
	}
}

func TestEmbedderError(t *testing.T) {
	boom := errors.New("endpoint down")
	m, err := memory.New(memory.Config{Embedder: &keywordEmbedder{err: boom},
		Store: &flatStore{}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Recall(context.Background(), memory.CaseDoc{Title: "beacon"}, 3)
	if !errors.Is(err, boom) {
		t.Errorf("Recall with a failing embedder = %v, want it wrapped", err)
	}
}

func TestNewConfig(t *testing.T) {
	if _, err := memory.New(memory.Config{Store: &flatStore{}}); err == nil {
		t.Error("New without an embedder: want an error")
	}
	if _, err := memory.New(memory.Config{Embedder: &keywordEmbedder{}}); err == nil {
		t.Error("New without a store: want an error")
	}
}

// FuzzDocText: any title, summary and entity give one-line fields within the
// caps, still valid UTF-8 when the input was.
func FuzzDocText(f *testing.F) {
	f.Add("Reported phishing: Invoice", "blocked\nat proxy", "email:a@b.example")
	f.Add(strings.Repeat("é", 300), strings.Repeat("ß ", 1100), " domain : x ")
	f.Fuzz(func(t *testing.T, title, summary, entity string) {
		doc := memory.CaseDoc{CaseID: "CASE-1", Title: title, Summary: summary,
			Entities: []string{entity}, Techniques: []string{entity}}
		p := doc.Payload()
		if len(p.Title) > 512 || len(p.Summary) > 2048 {
			t.Fatalf("caps exceeded: title %d, summary %d bytes", len(p.Title), len(p.Summary))
		}
		if strings.ContainsAny(p.Title+p.Summary, "\n\r") {
			t.Fatalf("title or summary spans lines: %q %q", p.Title, p.Summary)
		}
		valid := utf8.ValidString(title) && utf8.ValidString(summary)
		if valid && !utf8.ValidString(memory.DocText(doc)) {
			t.Fatalf("DocText made invalid UTF-8 of valid input")
		}
	})
}
