package api

import (
	"fmt"
	"testing"
)

// BenchmarkLookup measures authenticating one request against 100 keys.
func BenchmarkLookup(b *testing.B) {
	var ks []Key
	for i := range 100 {
		ks = append(ks, Key{Name: fmt.Sprintf("k%d", i), Role: RoleAnalyst,
			SHA256: HashToken(fmt.Sprintf("token-%d", i))})
	}
	keys, err := NewKeys(ks...)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := keys.Lookup("token-57"); !ok {
			b.Fatal("token-57 refused")
		}
	}
}

// BenchmarkGetCase measures GET /api/v1/cases/{id} over a real loopback
// connection: authentication, the case document with its timeline, JSON.
func BenchmarkGetCase(b *testing.B) {
	e := newEnv(b)
	e.ingestFile("injection.json")
	b.ReportAllocs()
	for b.Loop() {
		if r := e.do("GET", "/api/v1/cases/CASE-000001", "lee", nil); r.status != 200 {
			b.Fatalf("GET = %d", r.status)
		}
	}
}
