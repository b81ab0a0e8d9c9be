// Package openai is a [memory.Embedder] over any OpenAI-compatible embeddings
// endpoint: OpenAI itself, Azure-style proxies, vLLM, Ollama, llama.cpp's
// server, text-embeddings-inference. It uses github.com/sashabaranov/go-openai.
//
// Case text leaves the machine when the endpoint is remote: titles, entity
// keys and summaries of closed cases. Point it at a local server where that is
// not acceptable. The API key is read once from the environment variable the
// configuration names, sent only as the bearer token, and kept out of logs and
// error messages.
package openai

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/conductor-sec/conductor/internal/redact"
	"github.com/conductor-sec/conductor/memory"
)

// Config configures an [Embedder].
type Config struct {
	// BaseURL is the API root, e.g. https://api.openai.com/v1 or
	// http://localhost:11434/v1; required.
	BaseURL string
	// Model names the embedding model, e.g. text-embedding-3-small; required.
	Model string
	// Dimensions is the length of the model's vectors; required, because a
	// store is created for one length before the first text is embedded.
	Dimensions int
	// RequestDimensions sends Dimensions with every request, for models that
	// can shorten their vectors (OpenAI's text-embedding-3 family). Other
	// models reject the parameter, so it is off by default.
	RequestDimensions bool
	// APIKey authenticates requests; empty means none, as local servers need
	// none. The caller reads it (internal/app reads the variable the config
	// names), so it never sits in configuration.
	APIKey string
	// BatchSize caps the texts sent in one request; zero means 64.
	BatchSize int
	// Timeout bounds one request; zero means 30s.
	Timeout time.Duration
	// HTTPClient replaces the default client (tests, proxies); its own
	// timeout then applies instead of Timeout.
	HTTPClient *http.Client
	// Logger receives one debug line per request, without texts or key; nil
	// discards them.
	Logger *slog.Logger
}

// Embedder calls an OpenAI-compatible embeddings endpoint. It is safe for
// concurrent use.
type Embedder struct {
	client *goopenai.Client
	cfg    Config
	key    string
	log    *slog.Logger
}

var _ memory.Embedder = (*Embedder)(nil)

// New validates cfg and returns an embedder. It makes no request.
func New(cfg Config) (*Embedder, error) {
	switch {
	case cfg.BaseURL == "":
		return nil, errors.New("openai embedder config: BaseURL is required")
	case cfg.Model == "":
		return nil, errors.New("openai embedder config: Model is required")
	case cfg.Dimensions <= 0:
		return nil, errors.New("openai embedder config: Dimensions is required")
	}
	key := cfg.APIKey
	cfg = withDefaults(cfg)

	oc := goopenai.DefaultConfig(key)
	oc.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	oc.HTTPClient = cfg.HTTPClient
	log := cfg.Logger.With("component", "memory", "embedder", "openai", "model", cfg.Model)
	return &Embedder{client: goopenai.NewClientWithConfig(oc), cfg: cfg, key: key,
		log: log}, nil
}

func withDefaults(cfg Config) Config {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 64
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: cfg.Timeout}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}

// Name returns "openai-", the model and the dimensions.
func (e *Embedder) Name() string {
	return fmt.Sprintf("openai-%s-%d", e.cfg.Model, e.cfg.Dimensions)
}

// Dimensions returns the configured vector length.
func (e *Embedder) Dimensions() int { return e.cfg.Dimensions }

// Embed returns one vector per text, in order, sending at most BatchSize
// texts per request. An empty text gets a zero vector without a request:
// endpoints refuse empty input.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	var idx []int // positions of the texts to send
	for i, t := range texts {
		if strings.TrimSpace(t) == "" {
			out[i] = make([]float32, e.cfg.Dimensions)
			continue
		}
		idx = append(idx, i)
	}

	for start := 0; start < len(idx); start += e.cfg.BatchSize {
		batch := idx[start:min(start+e.cfg.BatchSize, len(idx))]
		inputs := make([]string, len(batch))
		for j, i := range batch {
			inputs[j] = texts[i]
		}
		vecs, err := e.request(ctx, inputs)
		if err != nil {
			return nil, err
		}
		for j, i := range batch {
			out[i] = vecs[j]
		}
	}
	return out, nil
}

// request embeds one batch and checks the answer's shape.
func (e *Embedder) request(ctx context.Context, inputs []string) ([][]float32, error) {
	req := goopenai.EmbeddingRequestStrings{
		Input: inputs, Model: goopenai.EmbeddingModel(e.cfg.Model),
	}
	if e.cfg.RequestDimensions {
		req.Dimensions = e.cfg.Dimensions
	}
	start := time.Now()
	resp, err := e.client.CreateEmbeddings(ctx, req)
	e.log.Debug("embeddings requested", "texts", len(inputs),
		"elapsed_ms", time.Since(start).Milliseconds(), "ok", err == nil)
	if err != nil {
		return nil, fmt.Errorf("embedding %d texts with %s: %w", len(inputs), e.cfg.Model,
			redactKey(err, e.key))
	}
	return e.collect(resp, len(inputs))
}

// collect orders the returned embeddings by their index and checks that
// every input got exactly one vector of the configured length.
func (e *Embedder) collect(resp goopenai.EmbeddingResponse, n int) ([][]float32, error) {
	if len(resp.Data) != n {
		return nil, fmt.Errorf("embedding %d texts: endpoint returned %d vectors", n,
			len(resp.Data))
	}
	out := make([][]float32, n)
	for _, d := range resp.Data {
		if d.Index < 0 || d.Index >= n || out[d.Index] != nil {
			return nil, fmt.Errorf("embedding %d texts: endpoint returned index %d out of "+
				"range or twice", n, d.Index)
		}
		if len(d.Embedding) != e.cfg.Dimensions {
			return nil, fmt.Errorf("embedding with %s: %d values, configured %d: %w",
				e.cfg.Model, len(d.Embedding), e.cfg.Dimensions, memory.ErrDimension)
		}
		out[d.Index] = d.Embedding
	}
	return out, nil
}

// redactedError hides the API key in an error's message, in case an endpoint
// echoes it back, whole or in part, and still unwraps to the original for
// errors.As.
type redactedError struct {
	msg string
	err error
}

func (r *redactedError) Error() string { return r.msg }
func (r *redactedError) Unwrap() error { return r.err }

func redactKey(err error, key string) error {
	if key == "" {
		return err
	}
	msg := redact.Key(err.Error(), key, min(6, len(key)))
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}
