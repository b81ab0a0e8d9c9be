package lab

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// validHead is a minimal valid lab; test cases append to it. It is 10 lines.
const validHead = `org:
  name: Tiny Ltd
  domains: [tiny.example]
hosts:
  - name: SRV-1
    ip: 10.9.0.1
    type: server
    criticality: low
users:
  - {name: ann, email: ann@tiny.example, role: admin}
`

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"unknown field", validHead + "  - name: bob\n    mail: bob@tiny.example\n",
			"broken.yaml:12: users[1].mail: unknown field (allowed: name, email, display, " +
				"role, department, notes, vip, break_glass)"},
		{"bad bool", validHead + "  - {name: bob, email: b@tiny.example, role: admin, " +
			"vip: maybe}\n",
			`broken.yaml:11: users[1].vip: want true or false, got "maybe"`},
		{"bool as text", "org:\n  name: true\n",
			`broken.yaml:2: org.name: want text, got "true" (quote it if it is meant as text)`},
		{"duplicate key", validHead + "hosts:\n", "broken.yaml:11: hosts: field appears twice"},
		{"address", strings.Replace(validHead, "10.9.0.1", "10.9.0.300", 1),
			`broken.yaml:6: hosts[0].ip: "10.9.0.300" is not an IP address`},
		{"criticality", strings.Replace(validHead, "low", "urgent", 1),
			`broken.yaml:8: hosts[0].criticality: "urgent" is not one of low, medium, high, critical`},
		{"unknown top-level field", validHead + "hosts2: []\n",
			"broken.yaml:11: hosts2: unknown field (allowed: org, hosts, users, messages, " +
				"allow_list, known_benign)"},
		{"host twice", strings.Replace(validHead, "users:", "  - {name: srv-1, ip: 10.9.0.2, "+
			"type: server, criticality: low}\nusers:", 1),
			"broken.yaml:9: hosts[1].name: host srv-1 is defined twice"},
		{"unknown recipient", validHead + "messages:\n  - id: m1\n    from: x@evil.example\n" +
			"    subject: hi\n    to: [ann, ghost]\n",
			`broken.yaml:15: messages[0].to[1]: "ghost" is not a user in this lab`},
		{"received", validHead + "messages:\n  - {id: m1, from: x@evil.example, subject: hi, " +
			"to: [ann], received: yesterday}\n",
			`broken.yaml:12: messages[0].received: "yesterday" is not an RFC 3339 time ` +
				`like 2024-05-14T08:02:11Z`},
		{"missing name", "org:\n  domains: [tiny.example]\n",
			"broken.yaml:2: org.name: missing; name the organisation"},
		{"domains not a list", "org:\n  name: X\n  domains: tiny.example\n",
			`broken.yaml:3: org.domains: want a list, got "tiny.example"`},
		{"bad range", "org:\n  name: X\n  domains: [x.example]\n  internal_ranges: [10.1.2.3/8]\n",
			"broken.yaml:4: org.internal_ranges[0]: 10.1.2.3/8 has host bits set; " +
				"did you mean 10.0.0.0/8 or 10.1.2.3?"},
		{"allow list", validHead + "allow_list:\n  domains: ['*.example.com']\n",
			`broken.yaml:12: allow_list.domains[0]: "*.example.com" is not a domain name: ` +
				`label "*" is invalid`},
		{"anchor", "org: &o\n  name: X\n", "broken.yaml:1: org: anchors and aliases are not supported"},
		{"anchored scalar", "org:\n  name: &n X\n",
			"broken.yaml:2: org.name: anchors and aliases are not supported"},
		{"unknown alias", validHead + "allow_list: *x\n",
			"broken.yaml: syntax: unknown anchor 'x' referenced"},
		{"syntax", "org:\n  name: [unclosed\n",
			"broken.yaml:1: syntax: did not find expected ',' or ']'"},
		{"tabs", "org:\n\tname: X\n", "broken.yaml:2: syntax: found character that cannot start " +
			"any token"},
		{"empty", "", "broken.yaml:1: file is empty"},
		{"list at top", "- a\n", "broken.yaml:1: want a mapping of fields, got a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("broken.yaml", []byte(tt.data))
			if !errors.Is(err, ErrInvalidLab) || err.Error() != tt.want {
				t.Errorf("Parse(%s) = %v\nwant %s", tt.name, err, tt.want)
			}
		})
	}
}

func TestParseValid(t *testing.T) {
	org, err := Parse("tiny.yaml", []byte(validHead))
	if err != nil {
		t.Fatalf("Parse(valid) = %v", err)
	}
	if org.Org.Name != "Tiny Ltd" || len(org.Hosts) != 1 ||
		org.Users[0].Email != "ann@tiny.example" {
		t.Errorf("Parse(valid) = %+v, want Tiny Ltd with SRV-1 and ann", org)
	}
}

func TestLoadNamesFile(t *testing.T) {
	path := filepath.Join("testdata", "broken.yaml")
	_, err := Load(path)
	want := path + `:9: hosts[1].type: "mainframe" is not one of workstation, laptop, server, ` +
		"database, domain_controller, jump_host, firewall"
	if err == nil || err.Error() != want {
		t.Errorf("Load(%s) = %v\nwant %s", path, err, want)
	}
}

func TestLoadTooLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(path, make([]byte, maxFileBytes+10), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); !errors.Is(err, ErrInvalidLab) ||
		!strings.Contains(err.Error(), "larger than") {
		t.Errorf("Load(big) = %v, want ErrInvalidLab about size", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(defaultYAML)
	f.Add([]byte(validHead))
	f.Add([]byte("org: &o\n  name: X\nhosts: *o\n"))
	f.Add([]byte("org:\n  name: X\n  domains: [x.example]\nmessages:\n  - {id: a, to: [b]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		org, err := Parse("fuzz.yaml", data)
		if err != nil {
			if !errors.Is(err, ErrInvalidLab) {
				t.Fatalf("Parse() error %v does not wrap ErrInvalidLab", err)
			}
			return
		}
		// A file that parses must index and answer lookups without panicking.
		d := newDirectory(org)
		for _, h := range org.Hosts {
			if _, ok := d.asset(h.IP); !ok {
				t.Fatalf("asset(%s) not found after a successful parse", h.IP)
			}
		}
		for _, u := range org.Users {
			if _, ok := d.user(u.Email); !ok {
				t.Fatalf("user(%s) not found after a successful parse", u.Email)
			}
		}
	})
}
