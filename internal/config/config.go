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
	// WatchPolicies reloads Policies when its files change.
	WatchPolicies bool `yaml:"watch_policies"`
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
}

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
	BaseURL string `yaml:"base_url"`
	Model   string `yaml:"model"`
	// APIKeyEnv names the environment variable holding the key; the key itself
	// never goes in this file.
	APIKeyEnv string   `yaml:"api_key_env"`
	Timeout   Duration `yaml:"timeout"`
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

// Load reads a configuration file. An empty path returns the zero Config.
// Unknown keys are errors, so a typo does not silently fall back to a default.
func Load(path string) (Config, error) {
	var c Config
	if path == "" {
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
