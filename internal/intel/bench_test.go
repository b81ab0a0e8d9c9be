package intel

import (
	"fmt"
	"testing"
)

// benchSet is the test corpus plus 100,000 synthetic indicators of every
// kind and 1,000 CIDR ranges of mixed lengths, a mid-sized local feed.
func benchSet(b *testing.B) *Set {
	b.Helper()
	s, _, err := LoadDir("testdata")
	if err != nil {
		b.Fatal(err)
	}
	for i := range 20000 {
		s.Add(Indicator{Kind: KindIP, Value: fmt.Sprintf("100.%d.%d.%d", i>>16, i>>8&255, i&255)})
		s.Add(Indicator{Kind: KindDomain, Value: fmt.Sprintf("host%d.bad%d.example", i, i%97)})
		s.Add(Indicator{Kind: KindURL, Value: fmt.Sprintf("https://bad%d.example/p/%d", i%97, i)})
		s.Add(Indicator{Kind: KindHash, Value: fmt.Sprintf("%064x", i)})
		s.Add(Indicator{Kind: KindEmail, Value: fmt.Sprintf("u%d@bad%d.example", i, i%97)})
	}
	for i := range 1000 {
		s.Add(Indicator{Kind: KindIP, Value: fmt.Sprintf("172.%d.%d.0/%d", 16+i%16, i%256, 16+i%9)})
	}
	return s
}

func BenchmarkLookup(b *testing.B) {
	s := benchSet(b)
	queries := []struct{ name, kind, value string }{
		{"ip_hit", KindIP, "100.0.78.32"},
		{"ip_miss_cidr_scan", KindIP, "8.8.8.8"},
		{"domain_subdomain", KindDomain, "a.b.host77.bad77.example"},
		{"url_and_domain", KindURL, "HTTPS://bad5.example/p/5?x=1"},
		{"hash_miss", KindHash, "44d88612fea8a8f36de82e1278abb02f"},
		{"email", KindEmail, "U9@BAD9.example"},
	}
	for _, q := range queries {
		b.Run(q.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.Lookup(q.kind, q.value)
			}
		})
	}
}

func BenchmarkLookupParallel(b *testing.B) {
	s := benchSet(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s.Lookup(KindURL, "https://rnicrosoft-secure.com/owa/auth/login.php")
		}
	})
}
