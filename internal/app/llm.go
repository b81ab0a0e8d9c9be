package app

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/agent/llm"
)

// llmPlanner builds the model planner the config describes. The key is read
// from the environment variable the config names, here and nowhere else, so
// it never sits in the config file or the [App]'s copy of it.
func (a *App) llmPlanner(log *slog.Logger) (agent.Planner, error) {
	c := a.Config.LLM
	var key string
	if c.APIKeyEnv != "" {
		if key = os.Getenv(c.APIKeyEnv); key == "" {
			return nil, fmt.Errorf("starting llm planner: environment variable %s, "+
				"named by llm.api_key_env, is empty", c.APIKeyEnv)
		}
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
