package redact

import (
	"encoding/json"
	"strings"
	"testing"
)

func FuzzString(f *testing.F) {
	for _, s := range []string{
		"password=hunter2&token=abc",
		`{"password": "a b", "x": "Bearer abcdefghij"}`,
		"Authorization: Basic YWRtaW46aHVudGVyMg==",
		"-----BEGIN EC PRIVATE KEY-----\nabc\n-----END EC PRIVATE KEY-----",
		"mongodb://u:p@h/db " + awsKeyID + " " + jwt + " " + slack + " " + ghToken,
		`{\"pwd\":\"x`,
		"sk-proj-" + "abc123def456ghi789jkl012",
	} {
		f.Add(s)
	}

	f.Fuzz(func(t *testing.T, s string) {
		out := String(s)
		if scan(s) == 0 && out != s {
			t.Fatalf("String(%q) = %q, changed text without a trigger", s, out)
		}
		if again := String(out); again != out {
			t.Fatalf("String not idempotent on %q: %q then %q", s, out, again)
		}
		if strings.Contains(s, awsKeyID) && strings.Contains(out, awsKeyID) {
			t.Fatalf("String(%q) kept an AWS key id", s)
		}
	})
}

func FuzzJSON(f *testing.F) {
	for _, s := range []string{
		`{"password":"x","a":[1,2,{"token":{"b":null}}]}`,
		`[{"api_key":1e99},"Bearer abcdefghijk"]`,
		`"password=x"`,
		`{"a":1}{"token":"b"}`,
	} {
		f.Add([]byte(s))
	}

	f.Fuzz(func(t *testing.T, raw []byte) {
		out := JSON(raw)
		if json.Valid(raw) && !json.Valid(out) {
			t.Fatalf("JSON(%s) = %s, turned valid JSON invalid", raw, out)
		}
	})
}
