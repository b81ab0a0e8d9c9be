package embedded_test

import (
	"context"
	"fmt"
	"math/rand"
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
// 10,000 remembered cases, with the exact scan (the default at this size) and
// with every search through the HNSW graph. Both report their recall@3
// against an exact scan over 200 unseen cases (1 for the scan itself).
func BenchmarkRecall(b *testing.B) {
	const n = 10_000
	emb, err := local.New(local.Config{})
	if err != nil {
		b.Fatal(err)
	}
	docs := syntheticCases(n, 1)
	queries := syntheticCases(200, 2)
	for _, bc := range []struct {
		name string
		cfg  embedded.Config
	}{
		{"exact", embedded.Config{}},
		{"graph", embedded.Config{ExactBelow: 1, Seed: 1}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			db := openDB(b)
			cfg := bc.cfg
			cfg.DB, cfg.Dimensions = db, emb.Dimensions()
			st, err := embedded.New(context.Background(), cfg)
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

			// Reported after the loop, which resets what was reported before.
			exact, err := embedded.New(ctx, embedded.Config{DB: db,
				Dimensions: emb.Dimensions()})
			if err != nil {
				b.Fatal(err)
			}
			defer exact.Close()
			b.ReportMetric(recallAt3(b, st, exact, emb, queries), "recall@3")
		})
	}
}

// recallAt3 is the share of the exact top 3, from a store scanning every
// vector, that the store under test finds.
func recallAt3(b *testing.B, got, exact memory.Store, emb *local.Embedder,
	queries []memory.CaseDoc) float64 {
	b.Helper()
	ctx := context.Background()
	found, total := 0, 0
	for _, q := range queries {
		vec := emb.Vector(memory.DocText(q))
		want, err := exact.Search(ctx, vec, 3, memory.Filter{})
		if err != nil {
			b.Fatal(err)
		}
		hits, err := got.Search(ctx, vec, 3, memory.Filter{})
		if err != nil {
			b.Fatal(err)
		}
		for _, w := range want {
			total++
			for _, h := range hits {
				if h.ID == w.ID {
					found++
					break
				}
			}
		}
	}
	return float64(found) / float64(total)
}
