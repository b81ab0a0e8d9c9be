package openai_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	goopenai "github.com/sashabaranov/go-openai"

	"github.com/conductor-sec/conductor/memory"
	"github.com/conductor-sec/conductor/memory/openai"
)

const testKey = "sk-test-5f2c81d0a9e34b7c"

// embeddingsServer speaks the embeddings API on loopback. Each text's vector
// is [len(text), 1, 0, ...], so the test can tell which text a vector belongs
// to; vectors come back in reverse order, as the API allows.
type embeddingsServer struct {
	dims   int
	status int  // non-zero: answer with this status and an error body
	echo   bool // put the bearer token into the error message
	drop   bool // return one vector fewer than asked

	mu       sync.Mutex
	requests []embeddingRequest
	auth     []string
}

type embeddingRequest struct {
	Input      []string `json:"input"`
	Model      string   `json:"model"`
	Dimensions int      `json:"dimensions"`
}

func (s *embeddingsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/embeddings" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	var req embeddingRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.auth = append(s.auth, r.Header.Get("Authorization"))
	s.mu.Unlock()

	if s.status != 0 {
		s.fail(w, r)
		return
	}
	resp := goopenai.EmbeddingResponse{Object: "list", Model: goopenai.EmbeddingModel(req.Model)}
	for i := len(req.Input) - 1; i >= 0; i-- {
		v := make([]float32, s.dims)
		v[0], v[1] = float32(len(req.Input[i])), 1
		resp.Data = append(resp.Data, goopenai.Embedding{Object: "embedding", Embedding: v,
			Index: i})
	}
	if s.drop {
		resp.Data = resp.Data[1:]
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

func (s *embeddingsServer) fail(w http.ResponseWriter, r *http.Request) {
	msg := "Incorrect API key provided"
	if s.echo {
		msg += ": " + strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(s.status)
	fmt.Fprintf(w, `{"error":{"message":%q,"type":"invalid_request_error",`+
		`"code":"invalid_api_key"}}`, msg)
}

func start(t *testing.T, s *embeddingsServer) string {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv.URL + "/v1"
}

func newEmbedder(t *testing.T, cfg openai.Config) *openai.Embedder {
	t.Helper()
	if cfg.APIKey == "" {
		cfg.APIKey = testKey
	}
	if cfg.Model == "" {
		cfg.Model = "text-embedding-3-small"
	}
	e, err := openai.New(cfg)
	if err != nil {
		t.Fatalf("openai.New: %v", err)
	}
	return e
}

func TestEmbed(t *testing.T) {
	srv := &embeddingsServer{dims: 4}
	e := newEmbedder(t, openai.Config{BaseURL: start(t, srv), Dimensions: 4, BatchSize: 2})
	texts := []string{"a", "bb", "", "dddd", "eeeee"}
	got, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}

	want := [][]float32{{1, 1, 0, 0}, {2, 1, 0, 0}, {0, 0, 0, 0}, {4, 1, 0, 0}, {5, 1, 0, 0}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Embed (-want +got):\n%s", diff)
	}
	// Four non-empty texts in batches of two; the empty one is never sent.
	wantReqs := []embeddingRequest{
		{Input: []string{"a", "bb"}, Model: "text-embedding-3-small"},
		{Input: []string{"dddd", "eeeee"}, Model: "text-embedding-3-small"},
	}
	if diff := cmp.Diff(wantReqs, srv.requests); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	for _, a := range srv.auth {
		if a != "Bearer "+testKey {
			t.Errorf("Authorization = %q, want the bearer key", a)
		}
	}
	if got, want := e.Name(), "openai-text-embedding-3-small-4"; got != want {
		t.Errorf("Name() = %q, want %q", got, want)
	}
}

func TestRequestDimensions(t *testing.T) {
	srv := &embeddingsServer{dims: 8}
	e := newEmbedder(t, openai.Config{BaseURL: start(t, srv) + "/", Dimensions: 8,
		RequestDimensions: true})
	if _, err := e.Embed(context.Background(), []string{"x"}); err != nil {
		t.Fatal(err)
	}
	if srv.requests[0].Dimensions != 8 {
		t.Errorf("dimensions sent = %d, want 8", srv.requests[0].Dimensions)
	}
}

func TestWrongDimensions(t *testing.T) {
	srv := &embeddingsServer{dims: 3}
	e := newEmbedder(t, openai.Config{BaseURL: start(t, srv), Dimensions: 4})
	_, err := e.Embed(context.Background(), []string{"x"})
	if !errors.Is(err, memory.ErrDimension) {
		t.Errorf("Embed with 3-value answers for 4 dimensions = %v, want ErrDimension", err)
	}
}

func TestMissingVector(t *testing.T) {
	srv := &embeddingsServer{dims: 4, drop: true}
	e := newEmbedder(t, openai.Config{BaseURL: start(t, srv), Dimensions: 4})
	_, err := e.Embed(context.Background(), []string{"x", "y"})
	if err == nil || !strings.Contains(err.Error(), "returned 1 vectors") {
		t.Errorf("Embed with one vector missing = %v, want a count error", err)
	}
}

// TestKeyNeverShown: an endpoint that echoes the key in its error message
// does not get it into the returned error or the logs.
func TestKeyNeverShown(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := &embeddingsServer{dims: 4, status: http.StatusUnauthorized, echo: true}
	e := newEmbedder(t, openai.Config{BaseURL: start(t, srv), Dimensions: 4, Logger: log})

	_, err := e.Embed(context.Background(), []string{"case text"})
	if err == nil {
		t.Fatal("Embed against a 401: want an error")
	}
	if strings.Contains(err.Error(), testKey) {
		t.Errorf("error shows the key: %v", err)
	}
	if !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("error = %v, want the echoed key replaced by [redacted]", err)
	}
	var apiErr *goopenai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != http.StatusUnauthorized {
		t.Errorf("errors.As(APIError) = %v, want status 401", apiErr)
	}
	if strings.Contains(logs.String(), testKey) || strings.Contains(logs.String(), "case text") {
		t.Errorf("logs show the key or the text:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "embeddings requested") {
		t.Errorf("logs = %q, want the request line", logs.String())
	}
}

// TestConfig: what New refuses. (An unset key variable is refused where keys
// are read, by internal/app; see its TestOpenMemory.)
func TestConfig(t *testing.T) {
	base := openai.Config{BaseURL: "http://127.0.0.1:1/v1", Model: "m", Dimensions: 4}
	tests := []struct {
		name string
		edit func(*openai.Config)
		want error
	}{
		{"no base url", func(c *openai.Config) { c.BaseURL = "" }, nil},
		{"no model", func(c *openai.Config) { c.Model = "" }, nil},
		{"no dimensions", func(c *openai.Config) { c.Dimensions = 0 }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			tt.edit(&cfg)
			_, err := openai.New(cfg)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("New() = %v, want an error (%v)", err, tt.want)
			}
		})
	}
	if _, err := openai.New(base); err != nil {
		t.Errorf("New without a key (a local server) = %v, want nil", err)
	}
}

func TestUnreachable(t *testing.T) {
	e := newEmbedder(t, openai.Config{BaseURL: "http://127.0.0.1:1/v1", Dimensions: 4})
	if _, err := e.Embed(context.Background(), []string{"x"}); err == nil {
		t.Error("Embed against a closed port: want an error")
	}
}
