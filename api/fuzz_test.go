package api

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

func FuzzBearer(f *testing.F) {
	for _, s := range []string{"Bearer cnd_abc", "bearer  x ", "Basic dXNlcg==", "", "Bearer",
		"Bearer \t", "BEARER a b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		tok, ok := bearer(h)
		if !ok {
			if tok != "" {
				t.Errorf("bearer(%q) = %q, false: a refused header returned a token", h, tok)
			}
			return
		}
		if tok == "" || tok != strings.TrimSpace(tok) {
			t.Errorf("bearer(%q) = %q: want a non-empty token without outer space", h, tok)
		}
		if !strings.Contains(h, tok) {
			t.Errorf("bearer(%q) = %q: the token is not from the header", h, tok)
		}
	})
}

var safeUpload = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$`)

func FuzzUploadName(f *testing.F) {
	for _, s := range []string{"alerts.json", "../../x.eml", `a\b\c.eml`, "", "..", ".",
		"phish <script>.eml", strings.Repeat("a", 300) + ".eml", "\x00.eml", "é.json"} {
		f.Add(s, "message/rfc822")
	}
	f.Fuzz(func(t *testing.T, name, contentType string) {
		got := uploadName(name, contentType)
		if !safeUpload.MatchString(got) {
			t.Errorf("uploadName(%q) = %q: want a plain file name", name, got)
		}
	})
}

func FuzzParseKeys(f *testing.F) {
	f.Add([]byte("keys:\n  - {name: lee, role: analyst, sha256: " + digest + "}\n"))
	f.Add([]byte("keys: []\n"))
	f.Add([]byte("keys:\n  - name: a\n    role: agent\n    sha256: " + digest + "\n"))
	f.Add([]byte("- not: keys\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ks, err := ParseKeys(data)
		if err != nil {
			return
		}
		for _, k := range ks.keys {
			if err := k.validate(); err != nil {
				t.Errorf("ParseKeys accepted an invalid key: %v", err)
			}
		}
	})
}

func FuzzSplitCaseID(f *testing.F) {
	f.Add([]byte(`{"case_id":"CASE-000001","host":"DC-01"}`), false)
	f.Add([]byte(`{"case_id":"CASE-000001","case_id":"CASE-000002"}`), true)
	f.Add([]byte(`{"case_id":7}`), false)
	f.Fuzz(func(t *testing.T, data []byte, own bool) {
		var args map[string]any
		if json.Unmarshal(data, &args) != nil {
			return
		}
		id, raw, err := splitCaseID(args, own)
		if err != nil {
			return
		}
		var rest map[string]any
		if err := json.Unmarshal(raw, &rest); err != nil {
			t.Fatalf("splitCaseID(%s) gave invalid JSON %s", data, raw)
		}
		if _, has := rest[caseIDArg]; has != own {
			t.Errorf("splitCaseID(%s, own=%v) kept case_id = %v", data, own, has)
		}
		if id == "" || id != args[caseIDArg] {
			t.Errorf("splitCaseID(%s) = case %q", data, id)
		}
	})
}
