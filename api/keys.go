package api

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/conductor-sec/conductor/guardrails"
)

// The roles a key may have.
const (
	RoleAnalyst = "analyst"
	RoleLead    = "lead"
	RoleAgent   = "agent"
	RoleAdmin   = "admin"
)

// Roles lists every role, least privileged human first, agent last.
var Roles = []string{RoleAnalyst, RoleLead, RoleAdmin, RoleAgent}

// humanRoles may close cases and decide approvals.
var humanRoles = []string{RoleAnalyst, RoleLead, RoleAdmin}

// tokenPrefix marks Conductor tokens, so a leaked one is easy to recognise
// in a secret scanner.
const tokenPrefix = "cnd_"

// reservedAgentNames are actors the engine itself uses ("agent:playbook",
// "agent:llm", "agent:timer"). An agent key with one of them would be
// indistinguishable from the planner or the undo timer in the record, and a
// person's key would count as their requester (guardrails.Identity), unable
// to approve anything they proposed; no key of any role may take one.
var reservedAgentNames = []string{"playbook", "llm", "timer"}

var keyName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// ValidName reports whether name may name a key or a person: 1-64 letters,
// digits, '.', '_', '@' or '-', starting with a letter or digit, and not one
// of the engine's own actors. A name with a colon would read as an actor of
// its own ("analyst:mcp:lee").
func ValidName(name string) bool {
	return keyName.MatchString(name) && !slices.Contains(reservedAgentNames,
		strings.ToLower(name))
}

var hexDigest = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ErrBadKeys is wrapped by every error about a malformed keys file.
var ErrBadKeys = errors.New("invalid API keys")

// Key is one API key as the keys file stores it: never the token, only its
// SHA-256.
type Key struct {
	Name string `yaml:"name"`
	Role string `yaml:"role"`
	// SHA256 is the lowercase hex SHA-256 of the token.
	SHA256 string `yaml:"sha256"`
}

// keysFile is the YAML document of a keys file.
type keysFile struct {
	Keys []Key `yaml:"keys"`
}

// Keys is a validated, immutable set of API keys. It is safe for concurrent
// use.
type Keys struct {
	keys []Key
}

// NewKeys validates ks: names are unique and plain, roles known, digests
// 64 lowercase hex characters, and no agent key takes a name the engine uses
// for itself.
func NewKeys(ks ...Key) (*Keys, error) {
	names, digests := map[string]bool{}, map[string]bool{}
	for i, k := range ks {
		if err := k.validate(); err != nil {
			return nil, fmt.Errorf("key %d: %w", i+1, err)
		}
		if names[k.Name] {
			return nil, fmt.Errorf("key %d: %w: name %q is used twice", i+1, ErrBadKeys, k.Name)
		}
		if digests[k.SHA256] {
			return nil, fmt.Errorf("key %d (%s): %w: same token as another key", i+1, k.Name,
				ErrBadKeys)
		}
		names[k.Name], digests[k.SHA256] = true, true
	}
	return &Keys{keys: slices.Clone(ks)}, nil
}

func (k Key) validate() error {
	switch {
	case !keyName.MatchString(k.Name):
		return fmt.Errorf("%w: name %q: want 1-64 letters, digits, '.', '_', '@' or '-'",
			ErrBadKeys, k.Name)
	case !slices.Contains(Roles, k.Role):
		return fmt.Errorf("%w: %s: role %q: want one of %v", ErrBadKeys, k.Name, k.Role, Roles)
	case !hexDigest.MatchString(k.SHA256):
		return fmt.Errorf("%w: %s: sha256 must be 64 lowercase hex characters", ErrBadKeys,
			k.Name)
	case slices.Contains(reservedAgentNames, strings.ToLower(k.Name)):
		return fmt.Errorf("%w: %s: agent:%s is the engine's own actor", ErrBadKeys, k.Name,
			k.Name)
	}
	return nil
}

// LoadKeys reads a keys file:
//
//	keys:
//	  - name: lee
//	    role: analyst
//	    sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
//
// Unknown fields are errors, so a misspelt field never silently drops a key.
func LoadKeys(path string) (*Keys, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading keys: %w", err)
	}
	ks, err := ParseKeys(data)
	if err != nil {
		return nil, fmt.Errorf("keys file %s: %w", path, err)
	}
	return ks, nil
}

// ParseKeys parses the YAML of a keys file (see [LoadKeys]).
func ParseKeys(data []byte) (*Keys, error) {
	f, err := decodeKeys(data)
	if err != nil {
		return nil, err
	}
	return NewKeys(f.Keys...)
}

func decodeKeys(data []byte) (keysFile, error) {
	var f keysFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return f, fmt.Errorf("%w: %w", ErrBadKeys, err)
	}
	return f, nil
}

// Len returns the number of keys.
func (k *Keys) Len() int { return len(k.keys) }

// Lookup returns the key whose digest matches token. Every key is compared
// in constant time, so the time taken says nothing about which digest came
// close.
func (k *Keys) Lookup(token string) (Key, bool) {
	if k == nil || token == "" {
		return Key{}, false
	}
	sum := []byte(HashToken(token))
	var found Key
	ok := 0
	for _, key := range k.keys {
		if subtle.ConstantTimeCompare(sum, []byte(key.SHA256)) == 1 {
			found, ok = key, 1
		}
	}
	return found, ok == 1
}

// HashToken returns the lowercase hex SHA-256 of token, the form a keys file
// stores.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewToken returns a fresh random token: "cnd_" and 43 URL-safe characters
// (256 bits).
func NewToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generating token: %w", err)
	}
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// Principal is the actor a key acts as. Over REST, people are
// "analyst:NAME" with their role and agents "agent:NAME"; over MCP every
// client is "mcp:NAME" with role agent, whatever the key's role, because an
// MCP client is a program.
func (k Key) Principal(viaMCP bool) guardrails.Principal {
	switch {
	case viaMCP:
		return guardrails.Principal{Name: "mcp:" + k.Name, Role: RoleAgent}
	case k.Role == RoleAgent:
		return guardrails.Principal{Name: "agent:" + k.Name, Role: RoleAgent}
	}
	return guardrails.Principal{Name: "analyst:" + k.Name, Role: k.Role}
}

// NewKey makes a fresh token for a key called name with role and returns the
// key, which holds only the token's digest, and the token itself.
func NewKey(name, role string) (Key, string, error) {
	token, err := NewToken()
	if err != nil {
		return Key{}, "", err
	}
	k := Key{Name: name, Role: role, SHA256: HashToken(token)}
	if err := k.validate(); err != nil {
		return Key{}, "", err
	}
	return k, token, nil
}

// AddKey creates a token for a new key called name with role, appends the key
// to the keys file at path (creating it, readable by its owner only) and
// returns the token. The token is not stored anywhere: it is shown once.
func AddKey(path, name, role string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("reading keys: %w", err)
	}
	f, err := decodeKeys(data)
	if err != nil {
		return "", fmt.Errorf("keys file %s: %w", path, err)
	}

	k, token, err := NewKey(name, role)
	if err != nil {
		return "", err
	}
	f.Keys = append(f.Keys, k)
	if _, err := NewKeys(f.Keys...); err != nil {
		return "", err
	}

	out, err := yaml.Marshal(f)
	if err != nil {
		return "", fmt.Errorf("encoding keys: %w", err)
	}
	if err := os.WriteFile(path, out, 0o600); err != nil {
		return "", fmt.Errorf("writing keys: %w", err)
	}
	return token, nil
}
