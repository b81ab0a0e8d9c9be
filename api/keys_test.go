package api

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conductor-sec/conductor/guardrails"
)

// digest is the SHA-256 of "foo", a valid digest for fixtures.
const digest = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"

func TestParseKeys(t *testing.T) {
	tests := []struct {
		name, yaml string
		n          int
		wantErr    string
	}{
		{"one key", "keys:\n  - {name: lee, role: analyst, sha256: " + digest + "}\n", 1, ""},
		{"empty file", "", 0, ""},
		{"bad role", "keys:\n  - {name: lee, role: root, sha256: " + digest + "}\n", 0,
			`role "root"`},
		{"bad name", "keys:\n  - {name: 'lee lee', role: lead, sha256: " + digest + "}\n", 0,
			`name "lee lee"`},
		{"short digest", "keys:\n  - {name: lee, role: lead, sha256: abc}\n", 0,
			"64 lowercase hex"},
		{"uppercase digest", "keys:\n  - {name: lee, role: lead, sha256: " +
			strings.ToUpper(digest) + "}\n", 0, "64 lowercase hex"},
		{"token instead of digest", "keys:\n  - {name: lee, role: lead, token: cnd_x}\n", 0,
			"field token not found"},
		{"same name twice", "keys:\n  - {name: a, role: lead, sha256: " + digest + "}\n" +
			"  - {name: a, role: admin, sha256: " + strings.Repeat("0", 64) + "}\n", 0,
			`name "a" is used twice`},
		{"same token twice", "keys:\n  - {name: a, role: lead, sha256: " + digest + "}\n" +
			"  - {name: b, role: admin, sha256: " + digest + "}\n", 0, "same token"},
		{"agent named like the planner", "keys:\n  - {name: playbook, role: agent, sha256: " +
			digest + "}\n", 0, "engine's own actor"},
		{"agent named like the timer", "keys:\n  - {name: timer, role: agent, sha256: " +
			digest + "}\n", 0, "engine's own actor"},
		{"person named like the planner", "keys:\n  - {name: LLM, role: lead, sha256: " +
			digest + "}\n", 0, "engine's own actor"},
		{"not yaml", "keys: [", 0, "invalid API keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ks, err := ParseKeys([]byte(tt.yaml))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) ||
					!errors.Is(err, ErrBadKeys) {
					t.Fatalf("ParseKeys = %v, want an ErrBadKeys naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || ks.Len() != tt.n {
				t.Fatalf("ParseKeys = %v keys, %v; want %d", ks, err, tt.n)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	ks, err := NewKeys(Key{Name: "lee", Role: RoleAnalyst, SHA256: HashToken("foo")},
		Key{Name: "bot", Role: RoleAgent, SHA256: HashToken("bar")})
	if err != nil {
		t.Fatal(err)
	}
	if HashToken("foo") != digest {
		t.Fatalf("HashToken(foo) = %s, want %s", HashToken("foo"), digest)
	}
	tests := []struct {
		token, want string
		ok          bool
	}{
		{"foo", "lee", true}, {"bar", "bot", true}, {"baz", "", false}, {"", "", false},
		{digest, "", false}, {"foo ", "", false},
	}
	for _, tt := range tests {
		k, ok := ks.Lookup(tt.token)
		if ok != tt.ok || k.Name != tt.want {
			t.Errorf("Lookup(%q) = %q, %v; want %q, %v", tt.token, k.Name, ok, tt.want, tt.ok)
		}
	}
	var none *Keys
	if _, ok := none.Lookup("foo"); ok {
		t.Error("nil Keys accepted a token")
	}
}

func TestPrincipal(t *testing.T) {
	tests := []struct {
		key    Key
		viaMCP bool
		want   guardrails.Principal
	}{
		{Key{Name: "lee", Role: RoleAnalyst}, false, guardrails.Principal{Name: "analyst:lee",
			Role: "analyst"}},
		{Key{Name: "lin", Role: RoleLead}, false, guardrails.Principal{Name: "analyst:lin",
			Role: "lead"}},
		{Key{Name: "bot", Role: RoleAgent}, false, guardrails.Principal{Name: "agent:bot",
			Role: "agent"}},
		{Key{Name: "bot", Role: RoleAgent}, true, guardrails.Principal{Name: "mcp:bot",
			Role: "agent"}},
		{Key{Name: "ada", Role: RoleAdmin}, true, guardrails.Principal{Name: "mcp:ada",
			Role: "agent"}},
	}
	for _, tt := range tests {
		if got := tt.key.Principal(tt.viaMCP); got != tt.want {
			t.Errorf("%+v.Principal(%v) = %+v, want %+v", tt.key, tt.viaMCP, got, tt.want)
		}
	}
}

func TestAddKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.yaml")
	first, err := AddKey(path, "lee", RoleAnalyst)
	if err != nil {
		t.Fatal(err)
	}
	second, err := AddKey(path, "bot", RoleAgent)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(first, "cnd_") || len(first) != 47 || first == second {
		t.Errorf("tokens %q, %q: want two distinct cnd_ tokens of 47 characters", first, second)
	}

	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("keys file mode = %v, %v; want 0600", st.Mode().Perm(), err)
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), first) || strings.Contains(string(data), second) {
		t.Errorf("the keys file holds a token:\n%s", data)
	}
	ks, err := LoadKeys(path)
	if err != nil {
		t.Fatal(err)
	}
	for tok, name := range map[string]string{first: "lee", second: "bot"} {
		if k, ok := ks.Lookup(tok); !ok || k.Name != name {
			t.Errorf("Lookup(token of %s) = %+v, %v", name, k, ok)
		}
	}

	if _, err := AddKey(path, "lee", RoleLead); err == nil {
		t.Error("AddKey accepted a second key named lee")
	}
	if _, err := AddKey(path, "x", "root"); err == nil {
		t.Error("AddKey accepted role root")
	}
}
