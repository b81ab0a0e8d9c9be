package local_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"testing"

	"github.com/conductor-sec/conductor/memory"
	"github.com/conductor-sec/conductor/memory/local"
)

func newEmbedder(t testing.TB) *local.Embedder {
	t.Helper()
	e, err := local.New(local.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// Case documents as the engine writes them.
var (
	phishInvoice = memory.DocText(memory.CaseDoc{
		Title: "Reported phishing: Invoice 4411 overdue", Techniques: []string{"T1566.001"},
		Entities: []string{"email:billing@acme-invoices.example", "domain:acme-invoices.example",
			"ip:203.0.113.9", "url:http://acme-invoices.example/pay"},
		Verdict: "malicious", Summary: "credential phishing page",
	})
	phishSameSender = memory.DocText(memory.CaseDoc{
		Title: "Reported phishing: Payment reminder", Techniques: []string{"T1566.002"},
		Entities: []string{"email:accounts@acme-invoices.example",
			"domain:acme-invoices.example", "ip:203.0.113.77"},
	})
	phishOther = memory.DocText(memory.CaseDoc{
		Title: "Reported phishing: Your mailbox is full", Techniques: []string{"T1566.002"},
		Entities: []string{"email:admin@mailbox-help.example", "domain:mailbox-help.example",
			"ip:198.51.100.3"},
	})
	bruteForce = memory.DocText(memory.CaseDoc{
		Title: "SSH brute force against bastion-01", Techniques: []string{"T1110"},
		Entities: []string{"ip:45.10.1.1", "host:bastion-01", "user:root"},
		Verdict:  "malicious",
	})
	beacon = memory.DocText(memory.CaseDoc{
		Title: "C2 beacon from WS-0142", Techniques: []string{"T1071.001"},
		Entities: []string{"host:ws-0142", "ip:203.0.113.66", "domain:update-msedgecdn.com"},
		Verdict:  "malicious",
	})
)

// TestSimilarity asserts the cosines the engine's recall threshold (0.3 by
// default) was chosen from: the same sender domain is well above it, another
// phishing campaign below it, unrelated cases near zero.
func TestSimilarity(t *testing.T) {
	e := newEmbedder(t)
	tests := []struct {
		name     string
		a, b     string
		want     float64
		leeway   float64
		relation string
	}{
		{"same sender domain", phishInvoice, phishSameSender, 0.681, 0.005, "similar"},
		{"other phishing campaign", phishInvoice, phishOther, 0.216, 0.005, "related"},
		{"phishing and brute force", phishInvoice, bruteForce, -0.029, 0.005, "unrelated"},
		{"phishing and beacon", phishSameSender, beacon, 0.068, 0.005, "unrelated"},
		{"brute force and beacon", bruteForce, beacon, 0.053, 0.005, "unrelated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := float64(memory.Cosine(e.Vector(tt.a), e.Vector(tt.b)))
			if math.Abs(got-tt.want) > tt.leeway {
				t.Errorf("cosine of %s cases = %.3f, want %.3f", tt.relation, got, tt.want)
			}
		})
	}
}

// TestFeatures checks what each feature family contributes, one pair of
// texts at a time.
func TestFeatures(t *testing.T) {
	e := newEmbedder(t)
	tests := []struct {
		name string
		a, b string
		want float64
	}{
		{"e-mail implies its domain", "email:x@evil.example", "domain:evil.example", 0.748},
		{"url implies its host", "url:https://login.evil.example/a?b=c",
			"domain:login.evil.example", 0.767},
		{"subdomain shares the registrable domain", "domain:cdn.evil.example",
			"domain:mail.evil.example", 0.408},
		{"same /24", "ip:203.0.113.9", "ip:203.0.113.77", 0.459},
		{"other /24", "ip:203.0.113.9", "ip:198.51.100.9", 0},
		{"sub-technique implies its parent", "T1566.001", "T1566", 0.555},
		{"plural shares trigrams", "invoices", "invoice", 0.212},
		{"look-alike domain", "domain:paypa1.example", "domain:paypal.example", 0.247},
		{"case and punctuation do not matter", "Credential Dumping!", "credential dumping", 1},
		{"stop words do not matter", "the beacon to the server", "beacon server", 1},
		{"unrelated words", "ransomware encryption", "password spraying", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := float64(memory.Cosine(e.Vector(tt.a), e.Vector(tt.b)))
			if math.Abs(got-tt.want) > 0.005 {
				t.Errorf("cosine(%q, %q) = %.3f, want %.3f", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

// TestDeterministic pins the vector of one document. If this fails, the
// features or weights changed: bump the version in local.go, because stored
// vectors from the old version are no longer comparable.
func TestDeterministic(t *testing.T) {
	e := newEmbedder(t)
	v := e.Vector(phishInvoice)
	h := sha256.New()
	for _, x := range v {
		_ = binary.Write(h, binary.LittleEndian, math.Float32bits(x))
	}
	const want = "59a4ffe7c36cadc2838e7bb4b63173e595ec0da8a185cf59fdd6974b7a4eaa4c"
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		t.Errorf("vector hash = %s, want %s", got, want)
	}
	again := e.Vector(phishInvoice)
	for i := range v {
		if v[i] != again[i] {
			t.Fatalf("second embedding differs at %d: %v != %v", i, again[i], v[i])
		}
	}
	if n := math.Sqrt(memory.Dot(v, v)); math.Abs(n-1) > 1e-6 {
		t.Errorf("norm = %v, want 1", n)
	}
}

func TestEmbed(t *testing.T) {
	e := newEmbedder(t)
	vs, err := e.Embed(context.Background(), []string{beacon, "", bruteForce})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 3 || len(vs[0]) != 384 {
		t.Fatalf("Embed = %d vectors of %d, want 3 of 384", len(vs), len(vs[0]))
	}
	if memory.Dot(vs[1], vs[1]) != 0 {
		t.Errorf("empty text gave a non-zero vector")
	}
	if got, want := e.Name(), "local-hash-v1-384"; got != want {
		t.Errorf("Name() = %q, want %q", got, want)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Embed(ctx, []string{"x"}); err == nil {
		t.Error("Embed with a cancelled context: want an error")
	}
}

func TestConfig(t *testing.T) {
	for _, tt := range []struct {
		dims    int
		want    int
		wantErr bool
	}{
		{0, 384, false}, {64, 64, false}, {8, 0, true}, {1 << 17, 0, true},
	} {
		e, err := local.New(local.Config{Dimensions: tt.dims})
		if (err != nil) != tt.wantErr {
			t.Errorf("New(%d) error = %v, want error %v", tt.dims, err, tt.wantErr)
			continue
		}
		if err == nil && e.Dimensions() != tt.want {
			t.Errorf("New(%d).Dimensions() = %d, want %d", tt.dims, e.Dimensions(), tt.want)
		}
	}
}

// FuzzVector: any text embeds without panic to a unit vector, or to zero when
// it has no feature, and the same text always gives the same vector.
func FuzzVector(f *testing.F) {
	for _, s := range []string{phishInvoice, beacon, "url:http://[::1]:80/x", "email:@",
		"ip:999.1.1.1", "domain:.", "T1566.", "url:%zz", "\xff\xfe", "héllo wörld"} {
		f.Add(s)
	}
	e, err := local.New(local.Config{Dimensions: 64})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := e.Vector(s)
		n := math.Sqrt(memory.Dot(v, v))
		if n != 0 && math.Abs(n-1) > 1e-5 {
			t.Fatalf("norm of Vector(%q) = %v, want 1 or 0", s, n)
		}
		w := e.Vector(s)
		for i := range v {
			if v[i] != w[i] {
				t.Fatalf("Vector(%q) differs between calls at %d", s, i)
			}
		}
	})
}

func BenchmarkVector(b *testing.B) {
	e := newEmbedder(b)
	for b.Loop() {
		e.Vector(phishInvoice)
	}
}
