package embedded_test

import (
	"context"
	"fmt"
	"math/rand"
	"runtime"
	"testing"

	"github.com/conductor-sec/conductor/memory"
	"github.com/conductor-sec/conductor/memory/embedded"
	"github.com/conductor-sec/conductor/memory/local"
)

// syntheticCases returns n case documents drawn from a small SOC vocabulary:
// titles of three to six words, one technique, one to five entities out of
// a few thousand, a verdict. Seeded, so every run sees the same cases.
func syntheticCases(n int, seed int64) []memory.CaseDoc {
	words := []string{"phishing", "invoice", "payment", "beacon", "c2", "lsass", "dump",
		"brute", "force", "ssh", "rdp", "login", "mfa", "fatigue", "impossible", "travel",
		"ransomware", "encrypt", "exfiltration", "dns", "tunnel", "powershell", "encoded",
		"macro", "office", "vpn", "admin", "service", "account", "scan", "port", "web",
		"shell", "sql", "injection"}
	techs := []string{"T1566", "T1566.001", "T1566.002", "T1110", "T1110.003", "T1003.001",
		"T1071.001", "T1059.001", "T1486", "T1048", "T1078", "T1190"}
	rng := rand.New(rand.NewSource(seed))
	docs := make([]memory.CaseDoc, n)
	for i := range docs {
		d := memory.CaseDoc{CaseID: fmt.Sprintf("CASE-%06d", i+1)}
		for range 3 + rng.Intn(4) {
			d.Title += words[rng.Intn(len(words))] + " "
		}
		d.Techniques = []string{techs[rng.Intn(len(techs))]}
		for range 1 + rng.Intn(5) {
			d.Entities = append(d.Entities, [...]string{
				fmt.Sprintf("ip:203.0.%d.%d", rng.Intn(50), rng.Intn(255)),
				fmt.Sprintf("domain:evil%d.example", rng.Intn(2000)),
				fmt.Sprintf("host:ws-%04d", rng.Intn(3000)),
				fmt.Sprintf("user:user%d", rng.Intn(800)),
			}[rng.Intn(4)])
		}
		d.Verdict = [...]string{"malicious", "benign", "suspicious"}[rng.Intn(3)]
		docs[i] = d
	}
	return docs
}

// rememberAll fills a store with the documents in batches, which is what
// Remember does one at a time.
func rememberAll(b *testing.B, st memory.Store, emb *local.Embedder, docs []memory.CaseDoc) {
	b.Helper()
	ctx := context.Background()
	for start := 0; start < len(docs); start += 500 {
		var items []memory.Item
		for _, d := range docs[start:min(start+500, len(docs))] {
			items = append(items, memory.Item{ID: d.CaseID,
				Vector: emb.Vector(memory.DocText(d)), Payload: d.Payload()})
		}
		if err := st.Upsert(ctx, items); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecall measures one Recall (embed the case, search, filter) over
// 10,000 remembered cases.
func BenchmarkRecall(b *testing.B) {
	const n = 10_000
	emb, err := local.New(local.Config{})
	if err != nil {
		b.Fatal(err)
	}
	docs := syntheticCases(n, 1)
	queries := syntheticCases(200, 2)
	db := openDB(b)
	st, err := embedded.New(context.Background(), embedded.Config{DB: db,
		Dimensions: emb.Dimensions()})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	rememberAll(b, st, emb, docs)
	m, err := memory.New(memory.Config{Embedder: emb, Store: st})
	if err != nil {
		b.Fatal(err)
	}

	ctx := context.Background()
	i := 0
	for b.Loop() {
		q := queries[i%len(queries)]
		i++
		if _, err := m.Recall(ctx, q, 3); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearch times one search for the 5 nearest of 10,000 and 100,000
// items of 384 dimensions (the local embedder's), with the scan on one core
// and on every core.
func BenchmarkSearch(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		st, queries := randomStore(b, n, 384)
		for _, procs := range []int{1, runtime.NumCPU()} {
			b.Run(fmt.Sprintf("items=%d/cores=%d", n, procs), func(b *testing.B) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				ctx := context.Background()
				i := 0
				for b.Loop() {
					if _, err := st.Search(ctx, queries[i%len(queries)], 5,
						memory.Filter{}); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		}
	}
}

// randomStore fills a store with n random vectors and returns it with 100
// random queries.
func randomStore(b *testing.B, n, dims int) (*embedded.Store, [][]float32) {
	b.Helper()
	rng := rand.New(rand.NewSource(1))
	random := func() []float32 {
		v := make([]float32, dims)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	st, err := embedded.New(context.Background(), embedded.Config{DB: openDB(b),
		Dimensions: dims})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	for start := 0; start < n; start += 5000 {
		items := make([]memory.Item, 0, 5000)
		for i := start; i < min(start+5000, n); i++ {
			items = append(items, memory.Item{ID: fmt.Sprintf("CASE-%06d", i),
				Vector: random()})
		}
		if err := st.Upsert(context.Background(), items); err != nil {
			b.Fatal(err)
		}
	}
	queries := make([][]float32, 100)
	for i := range queries {
		queries[i] = random()
	}
	return st, queries
}
