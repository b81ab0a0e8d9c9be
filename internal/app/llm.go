package app

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/agent/llm"
)

// envKey reads an API key from the environment variable that the setting
// names. Keys are read here, in this package, and nowhere else, so a key
// never sits in the config file or the [App]'s copy of it. No variable named
// means no key, as local servers need none.
func envKey(setting, env string) (string, error) {
	if env == "" {
		return "", nil
	}
	key := os.Getenv(env)
	if key == "" {
		return "", fmt.Errorf("environment variable %s, named by %s, is unset or empty",
			env, setting)
	}
	return key, nil
}

// llmPlanner builds the model planner the config describes.
func (a *App) llmPlanner(log *slog.Logger) (agent.Planner, error) {
	c := a.Config.LLM
	key, err := envKey("llm.api_key_env", c.APIKeyEnv)
	if err != nil {
		return nil, fmt.Errorf("starting llm planner: %w", err)
	}
	p, err := llm.New(llm.Config{
		BaseURL: c.BaseURL, Model: c.Model, APIKey: key, Timeout: time.Duration(c.Timeout),
		MaxTokens: c.MaxTokens, LogBodies: c.LogBodies, Logger: log,
	})
	if err != nil {
		return nil, fmt.Errorf("starting llm planner: %w", err)
	}
	return p, nil
}
