// Package config holds Conductor's configuration file: one YAML document whose
// fields are the [Config] struct. Every field has a working zero value, so an
// empty file, or none, runs everything embedded.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the configuration file.
type Config struct {
	// DB is the SQLite file holding cases, steps, the lab and telemetry. Empty
	// means conductor.db in the user's data folder (see [DefaultDB]).
	DB string `yaml:"db"`
	// Policies is a folder of Rego policies replacing the embedded defaults;
	// empty means the embedded defaults.
	Policies string `yaml:"policies"`
	// WatchPolicies reloads Policies when its files change; absent means
	// true, so a lead's edit (the kill switch, say) takes effect without a
	// restart. Set it to false to load the folder once.
	WatchPolicies *bool `yaml:"watch_policies"`
	// PolicyTimeout bounds one policy decision; a decision that takes longer
	// is a deny (threat T6). Zero means 500ms: generous on a loaded machine,
	// and still far beyond what a sound policy needs (tens of microseconds).
	PolicyTimeout Duration `yaml:"policy_timeout"`
	// Playbooks is a folder of playbook YAML files that override and extend the
	// embedded ones; empty means embedded only.
	Playbooks string `yaml:"playbooks"`
	// Lab is the lab organisation file; empty means the embedded Acme Corp.
	Lab string `yaml:"lab"`
	// Intel is a folder of indicator files (STIX 2.1, MISP JSON, CSV) added to
	// the embedded defaults; empty means defaults only.
	Intel string `yaml:"intel"`
	// Ingest caps input sizes.
	Ingest Ingest `yaml:"ingest"`
	// Window is how far apart findings may be to join one case; zero means 24h.
	Window Duration `yaml:"correlation_window"`
	// Budgets bound one investigation.
	Budgets Budgets `yaml:"budgets"`
	// LLM configures the model planner; an empty BaseURL means the playbook
	// planner only.
	LLM LLM `yaml:"llm"`
	// Log sets the log level (debug, info, warn, error; empty means warn) and
	// format (text or json; empty means text).
	Log Log `yaml:"log"`
	// Memory configures case memory: closed cases become vectors that later
	// investigations recall. The zero value is the local embedder and the
	// embedded store, in DB.
	Memory Memory `yaml:"memory"`
}

// Watch reports whether the policy folder is reloaded when its files change.
func (c Config) Watch() bool { return c.WatchPolicies == nil || *c.WatchPolicies }

// Ingest caps input sizes; zero fields take the ingest package defaults.
type Ingest struct {
	MaxFileBytes   int64 `yaml:"max_file_bytes"`
	MaxRecordBytes int   `yaml:"max_record_bytes"`
	MaxTextBytes   int   `yaml:"max_text_bytes"`
}

// Budgets bound one investigation; zero fields take the engine defaults.
type Budgets struct {
	MaxActions  int      `yaml:"max_actions"`
	MaxRounds   int      `yaml:"max_rounds"`
	MaxDuration Duration `yaml:"max_duration"`
	MaxTokens   int      `yaml:"max_tokens"`
}

// LLM configures an OpenAI-compatible endpoint.
type LLM struct {
	// BaseURL is the API root, such as http://127.0.0.1:8000/v1; empty means
	// no model planner.
	BaseURL string `yaml:"base_url"`
	Model   string `yaml:"model"`
	// APIKeyEnv names the environment variable holding the key; the key itself
	// never goes in this file. Empty means no key (a local server).
	APIKeyEnv string `yaml:"api_key_env"`
	// Timeout bounds one model call; zero means 60s.
	Timeout Duration `yaml:"timeout"`
	// MaxTokens caps the tokens the model may generate per call; zero means
	// 1024.
	MaxTokens int `yaml:"max_tokens"`
	// LogBodies logs prompts and answers at debug level; off by default,
	// because they carry case data.
	LogBodies bool `yaml:"log_bodies"`
}

// Environment variables that override the file (see [Config.ApplyEnv]).
const (
	EnvLLMBaseURL = "CONDUCTOR_LLM_BASE_URL"
	EnvLLMModel   = "CONDUCTOR_LLM_MODEL"
)

// ApplyEnv overrides the file with the environment: CONDUCTOR_LLM_BASE_URL
// and CONDUCTOR_LLM_MODEL, when set and not empty. [Load] calls it, so the
// order is file, then environment, then command-line flags.
func (c *Config) ApplyEnv() {
	if v := os.Getenv(EnvLLMBaseURL); v != "" {
		c.LLM.BaseURL = v
	}
	if v := os.Getenv(EnvLLMModel); v != "" {
		c.LLM.Model = v
	}
}

// Memory configures case memory. Zero fields take the defaults shown.
type Memory struct {
	// Disabled turns case memory off: nothing is remembered or recalled.
	Disabled bool `yaml:"disabled"`
	// Backend is the vector store: "embedded" (empty; kept in DB) or
	// "qdrant".
	Backend string `yaml:"backend"`
	// QdrantAddr is the host:port of Qdrant's gRPC endpoint; empty means
	// localhost:6334.
	QdrantAddr string `yaml:"qdrant_addr"`
	// QdrantAPIKeyEnv names the environment variable holding Qdrant's API
	// key; empty means none. The key itself never goes in this file.
	QdrantAPIKeyEnv string `yaml:"qdrant_api_key_env"`
	// QdrantTLS encrypts the connection to Qdrant.
	QdrantTLS bool `yaml:"qdrant_tls"`
	// Collection names the Qdrant collection, or the vector space within the
	// embedded store; empty means "cases-" and the embedder's name, so that
	// switching embedders starts a new, empty memory.
	Collection string `yaml:"collection"`
	// Embedder turns case text into vectors: "local" (empty; offline,
	// deterministic) or "openai" (an OpenAI-compatible endpoint, see OpenAI).
	Embedder string `yaml:"embedder"`
	// Dimensions is the vector length: zero means 384 for local; required
	// for openai (the model's length, e.g. 1536).
	Dimensions int `yaml:"dimensions"`
	// OpenAI configures the openai embedder.
	OpenAI MemoryOpenAI `yaml:"openai"`
	// MinSimilarity drops recalled cases less similar than this (cosine, 0
	// to 1); zero means 0.3, which suits the local embedder.
	MinSimilarity float64 `yaml:"min_similarity"`
}

// MemoryOpenAI configures an OpenAI-compatible embeddings endpoint.
type MemoryOpenAI struct {
	BaseURL string `yaml:"base_url"`
	Model   string `yaml:"model"`
	// APIKeyEnv names the environment variable holding the key; empty means
	// no key (a local server).
	APIKeyEnv string `yaml:"api_key_env"`
	// RequestDimensions sends Dimensions with each request, for models that
	// can shorten their vectors (text-embedding-3-*).
	RequestDimensions bool `yaml:"request_dimensions"`
	// Timeout bounds one request; zero means 30s.
	Timeout Duration `yaml:"timeout"`
}

// Log configures logging.
type Log struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// Duration is a time.Duration written as "90s" or "24h" in YAML.
type Duration time.Duration

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration such as 90s or 24h", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// Load reads a configuration file and applies the environment over it (see
// [Config.ApplyEnv]). An empty path reads no file. Unknown keys are errors, so
// a typo does not silently fall back to a default.
func Load(path string) (Config, error) {
	var c Config
	if path == "" {
		c.ApplyEnv()
		return c, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("reading config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	c.ApplyEnv()
	return c, nil
}

// DefaultDB returns conductor.db under $XDG_DATA_HOME/conductor, or
// ~/.local/share/conductor when XDG_DATA_HOME is unset.
func DefaultDB() string {
	base := os.Getenv("XDG_DATA_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "conductor.db"
		}
		base = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(base, "conductor", "conductor.db")
}
