package telemetry

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func text(v string) Term { return Term{Kind: TermText, Value: v} }

func clauses(cs ...[]Term) ParsedQuery {
	var q ParsedQuery
	for _, c := range cs {
		q.Clauses = append(q.Clauses, Clause{Terms: c})
	}
	return q
}

func TestParseQuery(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want ParsedQuery
	}{
		{"empty", "  ", ParsedQuery{}},
		{"words are ANDed", "lsass  dump", clauses(
			[]Term{text("lsass")}, []Term{text("dump")})},
		{"phrase", `"lsass.exe" mimikatz`, clauses(
			[]Term{text("lsass.exe")}, []Term{text("mimikatz")})},
		{"prefix word and phrase", `lsas* "sekurlsa::logon"*`, clauses(
			[]Term{{Kind: TermText, Value: "lsas", Prefix: true}},
			[]Term{{Kind: TermText, Value: "sekurlsa::logon", Prefix: true}})},
		{"field and word", "EventID:10 lsass", clauses(
			[]Term{{Kind: TermField, Field: "eventid", Value: "10"}}, []Term{text("lsass")})},
		{"dotted field", "id.orig_h:192.168.1.42", clauses(
			[]Term{{Kind: TermField, Field: "id.orig_h", Value: "192.168.1.42"}})},
		{"quoted value with spaces and colon", `CommandLine:"C:\Program Files\x.exe" -a`, clauses(
			[]Term{{Kind: TermField, Field: "commandline", Value: `C:\Program Files\x.exe`}},
			[]Term{{Kind: TermText, Value: "a", Not: true}})},
		{"bare value keeps its colons", `Image:C:\Windows\cmd.exe`, clauses(
			[]Term{{Kind: TermField, Field: "image", Value: `C:\Windows\cmd.exe`}})},
		{"field prefix and exists", `CommandLine:powershell* Hashes:*`, clauses(
			[]Term{{Kind: TermField, Field: "commandline", Value: "powershell", Prefix: true}},
			[]Term{{Kind: TermField, Field: "hashes", Prefix: true}})},
		{"columns", "host:WS5 Source:x.json event_id:4624 event_type:conn", clauses(
			[]Term{{Kind: TermColumn, Field: "host", Value: "WS5"}},
			[]Term{{Kind: TermColumn, Field: "source", Value: "x.json"}},
			[]Term{{Kind: TermColumn, Field: "event_id", Value: "4624"}},
			[]Term{{Kind: TermColumn, Field: "event_type", Value: "conn"}})},
		{"negations", `-svchost NOT host:dc1 -"a b"`, clauses(
			[]Term{{Kind: TermText, Value: "svchost", Not: true}},
			[]Term{{Kind: TermColumn, Field: "host", Value: "dc1", Not: true}},
			[]Term{{Kind: TermText, Value: "a b", Not: true}})},
		{"OR binds tighter than AND", "EventID:1 OR EventID:10 lsass OR -dump", clauses(
			[]Term{{Kind: TermField, Field: "eventid", Value: "1"},
				{Kind: TermField, Field: "eventid", Value: "10"}},
			[]Term{text("lsass"), {Kind: TermText, Value: "dump", Not: true}})},
		{"explicit AND and NOT after OR", "a AND b OR NOT c", clauses(
			[]Term{text("a")}, []Term{text("b"), {Kind: TermText, Value: "c", Not: true}})},
		{"lower-case keywords are words", "a or b", clauses(
			[]Term{text("a")}, []Term{text("or")}, []Term{text("b")})},
		{"doubled quote inside quotes", `"say ""hi"""`, clauses([]Term{text(`say "hi"`)})},
		{"url is a word", "http://evil.example/x", clauses([]Term{text("http://evil.example/x")})},
		{"windows path is a word", `C:\Windows\Temp\dumpert.dmp`, clauses(
			[]Term{text(`C:\Windows\Temp\dumpert.dmp`)})},
		{"dash inside a word", "Outflank-Dumpert.exe", clauses(
			[]Term{text("Outflank-Dumpert.exe")})},
		{"quoted star is literal", `CommandLine:"*"`, clauses(
			[]Term{{Kind: TermField, Field: "commandline", Value: "*"}})},
		{"tabs and unicode", "\tпароль\u00a0x", clauses(
			[]Term{text("пароль")}, []Term{text("x")})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseQuery(tt.in)
			if err != nil {
				t.Fatalf("ParseQuery(%q) error: %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseQuery(%q) (-want +got):\n%s", tt.in, diff)
			}
			again, err := ParseQuery(got.String())
			if err != nil || !cmp.Equal(got, again) {
				t.Errorf("ParseQuery(%q) = %+v, %v; want the same query back", got.String(),
					again, err)
			}
		})
	}
}

func TestParseQueryErrors(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		token   string
		problem string
	}{
		{"unbalanced quote", `EventID:10 "lsass`, `"lsass`, "unbalanced quote"},
		{"unbalanced quoted value", `Image:"C:\x`, `"C:\x`, "unbalanced quote"},
		{"quote inside word", `ls"ass`, `ls"ass`, "a quote inside a word"},
		{"text after closing quote", `"a"b`, `"a"b`, "text right after a closing quote"},
		{"inner wildcard", "ls*ss", "ls*ss", "* is only allowed at the end"},
		{"leading wildcard value", `Image:*\cmd.exe`, `*\cmd.exe`, "* is only allowed at the end"},
		{"bare star", "*", "*", "an empty search term"},
		{"empty phrase", `""`, `""`, "an empty search term"},
		{"punctuation only", "!!", "!!", "the term has no letters or digits to search for"},
		{"field without value", "EventID: 10", "EventID:", "the field has no value"},
		{"empty quoted value", `EventID:""`, "EventID:", "the field has no value"},
		{"lone dash", "a - b", "-", "a lone - negates nothing"},
		{"leading OR", "OR a", "OR", "OR needs a term on each side"},
		{"trailing OR", "a OR", "OR", "OR is missing a term after it"},
		{"OR OR", "a OR OR b", "OR", "OR needs a term on each side"},
		{"AND OR", "a AND OR b", "OR", "OR needs a term on each side"},
		{"trailing NOT", "a NOT", "NOT", "NOT is missing a term after it"},
		{"NOT NOT", "NOT NOT a", "NOT", "NOT follows another NOT"},
		{"NOT dash", "NOT -a", "NOT -a", "NOT and - both negate the same term"},
		{"NUL byte", "a\x00b", `\x00`, "query contains a NUL byte"},
		{"invalid UTF-8", "a\xffb", "a\xffb", "query is not valid UTF-8"},
		{"too many terms", strings.Repeat("a ", maxQueryTerms+1), "a", "more than 64 terms"},
		{"too long", strings.Repeat("a", maxQueryBytes+1), strings.Repeat("a", 20) + "…",
			"query is longer than 4096 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseQuery(tt.in)
			var qe *QueryError
			if !errors.As(err, &qe) || !errors.Is(err, ErrBadQuery) {
				t.Fatalf("ParseQuery(%q) error = %v, want a *QueryError", tt.in, err)
			}
			if qe.Token != tt.token || qe.Problem != tt.problem || qe.Fix == "" {
				t.Errorf("ParseQuery(%q) = token %q, problem %q, fix %q; want %q, %q, a fix",
					tt.in, qe.Token, qe.Problem, qe.Fix, tt.token, tt.problem)
			}
		})
	}
}

func TestQueryErrorMessage(t *testing.T) {
	_, err := ParseQuery(`EventID:10 "lsass`)
	want := `bad query at "\"lsass" (offset 11): unbalanced quote; ` +
		`add the closing " (inside quotes write "" for a literal quote)`
	if err == nil || err.Error() != want {
		t.Errorf("ParseQuery error =\n%v\nwant\n%s", err, want)
	}
}

func TestTermString(t *testing.T) {
	tests := []struct {
		term Term
		want string
	}{
		{text(`say "hi"`), `"say ""hi"""`},
		{Term{Kind: TermField, Field: "image", Value: `c:\x`, Prefix: true, Not: true},
			`-image:"c:\x"*`},
		{Term{Kind: TermColumn, Field: "host", Prefix: true}, `host:""*`},
	}
	for _, tt := range tests {
		if got := tt.term.String(); got != tt.want {
			t.Errorf("%+v.String() = %s, want %s", tt.term, got, tt.want)
		}
	}
}
