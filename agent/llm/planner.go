// Package llm is the model planner: an [agent.Planner] that asks any
// OpenAI-compatible chat-completions endpoint (vLLM, Ollama, llama.cpp, a
// hosted service) what to do next on a case.
//
// The model is treated as an untrusted adviser. It sees the case with every
// piece of outside text fenced and capped (threats T1, T2, T12), it may only
// answer with function calls, and its streamed calls are rebuilt by call id so
// two calls sharing an index are refused rather than glued (threat T14).
// Whatever it proposes still goes through the guard. When the endpoint fails,
// Plan returns an error and the engine's fallback planner takes over.
package llm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/conductor-sec/conductor/agent"
)

// Errors callers branch on. Every error Plan returns wraps one of them.
var (
	// ErrUnavailable means the endpoint gave no answer: unreachable, timed out,
	// rate limited (429) or failing (5xx).
	ErrUnavailable = errors.New("model endpoint unavailable")
	// ErrRefused means the endpoint rejected the request (401, 403, 400, an
	// unknown model): a configuration problem rather than an outage.
	ErrRefused = errors.New("model endpoint refused the request")
	// ErrMalformed means the model answered, twice, with something that is not
	// a well-formed set of function calls.
	ErrMalformed = errors.New("model answer malformed")
)

// Defaults for zero [Config] fields.
const (
	defaultTimeout    = 60 * time.Second
	defaultMaxTokens  = 1024
	defaultFieldBytes = 4096
	defaultViewBytes  = 64 << 10
	// maxAttempts is one call plus one retry after a malformed answer.
	maxAttempts = 2
)

// Config configures a [Planner].
type Config struct {
	// BaseURL is the API root of an OpenAI-compatible endpoint, such as
	// http://127.0.0.1:8000/v1; chat completions are posted to
	// BaseURL/chat/completions. Required.
	BaseURL string
	// Model names the model to ask. Required.
	Model string
	// APIKey is sent as a bearer token; empty sends none (local servers). The
	// key is never logged and never appears in an error.
	APIKey string
	// Timeout bounds one model call, streaming included; zero means 60s.
	Timeout time.Duration
	// MaxTokens caps the tokens the model may generate per call; zero means
	// 1024.
	MaxTokens int
	// MaxFieldBytes caps each untrusted text field sent to the model; zero
	// means 4096. Longer text is cut with a marker.
	MaxFieldBytes int
	// MaxViewBytes caps the case view sent per call; zero means 64 KiB. Fields
	// and lists shrink until the view fits.
	MaxViewBytes int
	// Logger receives the planner's logs; nil discards them.
	Logger *slog.Logger
	// LogBodies logs prompts and answers at debug level. Off by default: they
	// carry case data, and an answer may echo whatever an attacker wrote.
	LogBodies bool
	// HTTPClient sends the requests; nil means a new client with no timeout of
	// its own (Timeout bounds each call).
	HTTPClient *http.Client
}

// Planner proposes actions by asking a model. It is safe for concurrent use.
type Planner struct {
	cfg    Config
	client *openai.Client
	log    *slog.Logger
}

var _ agent.Planner = (*Planner)(nil)

// New validates cfg and returns a planner. It does not contact the endpoint.
func New(cfg Config) (*Planner, error) {
	u, err := url.Parse(cfg.BaseURL)
	switch {
	case cfg.BaseURL == "":
		return nil, errors.New("llm config: BaseURL is required")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return nil, errors.New("llm config: BaseURL must be an http or https URL")
	case u.User != nil:
		// A URL is logged and quoted in errors; the key has its own field.
		return nil, errors.New("llm config: BaseURL must not carry credentials; use APIKey")
	case cfg.Model == "":
		return nil, errors.New("llm config: Model is required")
	}
	cfg = cfg.withDefaults()

	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.HTTPClient != nil {
		oc.HTTPClient = cfg.HTTPClient
	}
	endpoint := u.Scheme + "://" + u.Host + u.Path
	log := cfg.Logger.With("component", "llm", "model", cfg.Model, "endpoint", endpoint)
	return &Planner{cfg: cfg, client: openai.NewClientWithConfig(oc), log: log}, nil
}

func (c Config) withDefaults() Config {
	if c.Timeout <= 0 {
		c.Timeout = defaultTimeout
	}
	if c.MaxTokens <= 0 {
		c.MaxTokens = defaultMaxTokens
	}
	if c.MaxFieldBytes <= 0 {
		c.MaxFieldBytes = defaultFieldBytes
	}
	if c.MaxViewBytes <= 0 {
		c.MaxViewBytes = defaultViewBytes
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Name identifies the planner in the case record.
func (p *Planner) Name() string { return "llm" }

// Plan asks the model for the next step on the case. A malformed answer is
// asked for again once; a second one, or an endpoint failure, is an error and
// nothing from it is proposed.
func (p *Planner) Plan(ctx context.Context, view *agent.CaseView) (agent.Plan, error) {
	req, err := p.request(view)
	if err != nil {
		return agent.Plan{}, err
	}

	var usage agent.Usage
	for attempt := 1; ; attempt++ {
		plan, u, err := p.attempt(ctx, req)
		usage = usage.Add(u)
		if err == nil {
			plan.Usage = usage
			p.log.Debug("model planned", "case_id", view.Case.ID, "actions",
				len(plan.Actions), "done", plan.Done, "calls", usage.Calls,
				"prompt_tokens", usage.PromptTokens, "completion_tokens", usage.CompletionTokens)
			return plan, nil
		}
		if !errors.Is(err, ErrMalformed) || attempt >= maxAttempts {
			p.log.Warn("model planning failed", "case_id", view.Case.ID,
				"attempt", attempt, "error", err)
			return agent.Plan{Usage: usage}, fmt.Errorf("planning %s: %w", view.Case.ID, err)
		}

		p.log.Warn("model answer malformed, asking again", "case_id", view.Case.ID,
			"attempt", attempt, "error", err)
		retry := retryMessage(err)
		req.chat.Messages = append(req.chat.Messages, retry)
		req.promptBytes += len(retry.Content)
	}
}

// attempt makes one model call and turns its answer into a plan.
func (p *Planner) attempt(ctx context.Context, req *request) (agent.Plan, agent.Usage, error) {
	ans, u, err := p.complete(ctx, req)
	if err != nil {
		return agent.Plan{}, u, err
	}
	plan, err := ans.plan(req.names)
	return plan, u, err
}
