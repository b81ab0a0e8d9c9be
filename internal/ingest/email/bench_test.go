package email

import "testing"

func BenchmarkParse(b *testing.B) {
	raw := readTestdata(b, "demo-phish.eml")
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(raw, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
