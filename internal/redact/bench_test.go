package redact

import "testing"

var sink string

func BenchmarkStringClean(b *testing.B) {
	s := "ET POLICY GNU/Linux APT User-Agent Outbound likely related to package management"
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		sink = String(s)
	}
}

func BenchmarkStringSecret(b *testing.B) {
	s := `powershell -enc ZQBjAGgAbwA= ; curl -H "Authorization: Bearer ` + jwt +
		`" "https://api.example.com/v1/items?api_key=abc123&page=2" password=Winter2024!`
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		sink = String(s)
	}
}

func BenchmarkJSON(b *testing.B) {
	raw := []byte(`{"user":"alice","password":"hunter2","host":"db01","port":5432,` +
		`"args":["--token","abc"],"nested":{"api_key":"k","note":"plain"}}`)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		sink = string(JSON(raw))
	}
}
