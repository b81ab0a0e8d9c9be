package config

import (
	"os"
	"path/filepath"
	"testing"
)

// TestApplyEnv: the environment overrides the file's model endpoint, and an
// unset or empty variable leaves the file's value alone.
func TestApplyEnv(t *testing.T) {
	file := filepath.Join(t.TempDir(), "conductor.yaml")
	if err := os.WriteFile(file, []byte("llm:\n  base_url: http://file:8000/v1\n"+
		"  model: file-model\n  max_tokens: 512\n  log_bodies: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, url, model   string
		wantURL, wantModel string
	}{
		{"unset", "", "", "http://file:8000/v1", "file-model"},
		{"url_only", "http://env:9000/v1", "", "http://env:9000/v1", "file-model"},
		{"both", "http://env:9000/v1", "env-model", "http://env:9000/v1", "env-model"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvLLMBaseURL, tt.url)
			t.Setenv(EnvLLMModel, tt.model)

			c, err := Load(file)

			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if c.LLM.BaseURL != tt.wantURL || c.LLM.Model != tt.wantModel {
				t.Errorf("Load() llm = %s %s, want %s %s", c.LLM.BaseURL, c.LLM.Model,
					tt.wantURL, tt.wantModel)
			}
			if c.LLM.MaxTokens != 512 || !c.LLM.LogBodies {
				t.Errorf("Load() max_tokens, log_bodies = %d, %v; want 512, true",
					c.LLM.MaxTokens, c.LLM.LogBodies)
			}
		})
	}
}

// TestApplyEnvWithoutFile: with no config file the environment alone can
// switch the model planner on.
func TestApplyEnvWithoutFile(t *testing.T) {
	t.Setenv(EnvLLMBaseURL, "http://127.0.0.1:11434/v1")
	t.Setenv(EnvLLMModel, "llama3.1")

	c, err := Load("")

	if err != nil || c.LLM.BaseURL != "http://127.0.0.1:11434/v1" || c.LLM.Model != "llama3.1" {
		t.Errorf("Load(\"\") = %+v, %v; want the endpoint from the environment", c.LLM, err)
	}
}

// TestWatchPolicies: the policy folder is watched unless the file says not to.
func TestWatchPolicies(t *testing.T) {
	tests := []struct {
		name, file string
		want       bool
	}{
		{"absent", "policies: /etc/conductor/policies\n", true},
		{"true", "watch_policies: true\n", true},
		{"false", "watch_policies: false\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "conductor.yaml")
			if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if c.Watch() != tt.want {
				t.Errorf("Watch() = %v for %q, want %v", c.Watch(), tt.file, tt.want)
			}
		})
	}
}
