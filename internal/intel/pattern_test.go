package intel

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func eq(obj, path string, vals ...string) Comparison {
	return Comparison{Object: obj, Path: path, Operator: "=", Values: vals}
}

func TestParsePattern(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		want    []Comparison
	}{
		{
			name:    "ipv4",
			pattern: "[ipv4-addr:value = '198.51.100.3']",
			want:    []Comparison{eq("ipv4-addr", "value", "198.51.100.3")},
		},
		{
			name:    "spaces_inside_brackets",
			pattern: "[ ipv4-addr:value = '10.0.0.0' ]",
			want:    []Comparison{eq("ipv4-addr", "value", "10.0.0.0")},
		},
		{
			name: "quoted_hash_name",
			pattern: "[file:hashes.'SHA-256' = " +
				"'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c']",
			want: []Comparison{eq("file", "hashes.SHA-256",
				"ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c")},
		},
		{
			name:    "unquoted_hyphenated_hash_name",
			pattern: "[file:hashes.SHA-1 = 'a1ab74d2f06a542e77ea2c6d641aae4ed163a2da']",
			want:    []Comparison{eq("file", "hashes.SHA-1", "a1ab74d2f06a542e77ea2c6d641aae4ed163a2da")},
		},
		{
			name:    "or_list_from_poisonivy",
			pattern: "[domain-name:value = 'e.ct.toh.info' OR ipv4-addr:value = '101.78.151.179']",
			want: []Comparison{
				eq("domain-name", "value", "e.ct.toh.info"),
				eq("ipv4-addr", "value", "101.78.151.179"),
			},
		},
		{
			name: "and_within_one_observation",
			pattern: "[x509-certificate:issuer = 'CN=WEBMAIL' AND " +
				"x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']",
			want: []Comparison{
				eq("x509-certificate", "issuer", "CN=WEBMAIL"),
				eq("x509-certificate", "serial_number", "4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28"),
			},
		},
		{
			name: "observations_with_qualifiers",
			pattern: "([url:value = 'http://evil.example/a'] FOLLOWEDBY " +
				"[email-addr:value = 'x@evil.example']) WITHIN 300 SECONDS OR " +
				"[file:hashes.MD5 = '44d88612fea8a8f36de82e1278abb02f'] REPEATS 2 TIMES " +
				"START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
			want: []Comparison{
				eq("url", "value", "http://evil.example/a"),
				eq("email-addr", "value", "x@evil.example"),
				eq("file", "hashes.MD5", "44d88612fea8a8f36de82e1278abb02f"),
			},
		},
		{
			name:    "negated_in_set",
			pattern: "[domain-name:value NOT IN ('a.example', 'b.example')]",
			want: []Comparison{{Object: "domain-name", Path: "value", Operator: "IN", Negated: true,
				Values: []string{"a.example", "b.example"}}},
		},
		{
			name:    "matches_with_escapes",
			pattern: `[email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\.exe$']`,
			want: []Comparison{{Object: "email-message", Path: "body_multipart[*].body_raw_ref.name",
				Operator: "MATCHES", Values: []string{`^Final Report.+\.exe$`}}},
		},
		{
			name:    "escaped_quote",
			pattern: `[file:name = 'it\'s.exe']`,
			want:    []Comparison{eq("file", "name", "it's.exe")},
		},
		{
			name: "nested_parens_numbers_bools_exists",
			pattern: "[(network-traffic:dst_port >= 1024 and network-traffic:src_port != -1) or " +
				"(EXISTS network-traffic:extensions.'http-request-ext' AND file:x = true) " +
				"AND file:size < 2.5]",
			want: []Comparison{
				{Object: "network-traffic", Path: "dst_port", Operator: ">=", Values: []string{"1024"}},
				{Object: "network-traffic", Path: "src_port", Operator: "!=", Values: []string{"-1"}},
				{Object: "network-traffic", Path: "extensions.http-request-ext", Operator: "EXISTS"},
				eq("file", "x", "true"),
				{Object: "file", Path: "size", Operator: "<", Values: []string{"2.5"}},
			},
		},
		{
			name:    "typed_literals_and_index",
			pattern: "[artifact:payload_bin = b'ZXZpbA==' AND process:child_refs[0].name LIKE 'cmd%']",
			want: []Comparison{
				eq("artifact", "payload_bin", "b'ZXZpbA=='"),
				{Object: "process", Path: "child_refs[0].name", Operator: "LIKE", Values: []string{"cmd%"}},
			},
		},
		{
			name:    "quoted_component_with_dot_keeps_quotes",
			pattern: "[windows-registry-key:values.'a.b' = 'x']",
			want:    []Comparison{eq("windows-registry-key", "values.'a.b'", "x")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePattern(tt.pattern)
			if err != nil {
				t.Fatalf("ParsePattern(%q) error = %v", tt.pattern, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParsePattern(%q) (-want +got):\n%s", tt.pattern, diff)
			}
		})
	}
}

func TestParsePatternErrors(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		want    string
	}{
		{"empty", "", "at offset 0: want '[' or '(', got \"end of pattern\""},
		{"empty_brackets", "[]", "at offset 1: want object type, got \"]\""},
		{"unclosed_bracket", "[ipv4-addr:value = '1.2.3.4'", "at offset 28: want ']'"},
		{"unterminated_string", "[ipv4-addr:value = '1.2.3.4]", "at offset 19: unterminated string"},
		{"bang_alone", "[ipv4-addr:value ! '1']", "'!' without '='"},
		{"no_colon", "[ipv4-addr = '1']", "want ':', got \"=\""},
		{"no_operator", "[ipv4-addr:value '1']", "want a comparison operator"},
		{"bad_constant", "[ipv4-addr:value = value]", "want a constant, got \"value\""},
		{"trailing", "[ipv4-addr:value = '1'] ]", "unexpected \"]\" after pattern"},
		{"bad_qualifier", "[a:b = 1] WITHIN 'x' SECONDS", "want qualifier value"},
		{"missing_keyword", "[a:b = 1] REPEATS 5", "want TIMES"},
		{"unclosed_in", "[a:b IN ('x', 'y']", "want ')' closing the IN set"},
		{"bad_index", "[a:b[x] = 1]", "want a list index"},
		{"bad_character", "[a:b = 1] ; DROP", "unexpected character ';'"},
		{"too_deep", strings.Repeat("(", 100) + "[a:b = 1]" + strings.Repeat(")", 100),
			"nested deeper than 64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePattern(tt.pattern)
			if !errors.Is(err, ErrPattern) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParsePattern(%q) = %v, %v; want ErrPattern containing %q",
					tt.pattern, got, err, tt.want)
			}
		})
	}
}

func TestParsePatternTooLong(t *testing.T) {
	p := "[a:b = '" + strings.Repeat("x", maxPatternLen) + "']"
	if _, err := ParsePattern(p); !errors.Is(err, ErrPattern) {
		t.Fatalf("ParsePattern(%d bytes) error = %v, want ErrPattern", len(p), err)
	}
}
