package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/conductor-sec/conductor/internal/config"
	"github.com/conductor-sec/conductor/memory"
	"github.com/conductor-sec/conductor/memory/embedded"
	"github.com/conductor-sec/conductor/memory/local"
	"github.com/conductor-sec/conductor/memory/openai"
	"github.com/conductor-sec/conductor/memory/qdrant"
)

// defaultMinSimilarity is the recall floor when the config leaves it zero.
// With the local embedder, two cases about the same sender domain score about
// 0.7, two phishing campaigns sharing nothing but the technique about 0.2,
// and unrelated cases about 0.
const defaultMinSimilarity = 0.3

// openMemory builds case memory from the config: an embedder, then a store
// for its vectors, in a collection named after it.
//
// TODO: rebuild memory from the closed cases when the store is empty (on an
// existing database, or after switching embedders); until then memory fills
// as cases close. [agent.Engine.Remember] is the building block.
func (a *App) openMemory(ctx context.Context, log *slog.Logger) error {
	mc := a.Config.Memory
	if mc.Disabled {
		return nil
	}
	emb, err := newEmbedder(mc, log)
	if err != nil {
		return fmt.Errorf("opening memory: %w", err)
	}
	coll := mc.Collection
	if coll == "" {
		coll = collectionName(emb.Name())
	}
	st, err := a.newVectorStore(ctx, mc, coll, emb.Dimensions(), log)
	if err != nil {
		return fmt.Errorf("opening memory: %w", err)
	}

	minSim := mc.MinSimilarity
	if minSim == 0 {
		minSim = defaultMinSimilarity
	}
	m, err := memory.New(memory.Config{Embedder: emb, Store: st, MinScore: float32(minSim)})
	if err != nil {
		return fmt.Errorf("opening memory: %w", err)
	}
	a.Memory = m
	return nil
}

func newEmbedder(mc config.Memory, log *slog.Logger) (memory.Embedder, error) {
	switch mc.Embedder {
	case "", "local":
		return local.New(local.Config{Dimensions: mc.Dimensions})
	case "openai":
		o := mc.OpenAI
		key, err := envKey("memory.openai.api_key_env", o.APIKeyEnv)
		if err != nil {
			return nil, fmt.Errorf("memory embedder: %w", err)
		}
		return openai.New(openai.Config{
			BaseURL: o.BaseURL, Model: o.Model, Dimensions: mc.Dimensions,
			RequestDimensions: o.RequestDimensions, APIKey: key,
			Timeout: time.Duration(o.Timeout), Logger: log,
		})
	}
	return nil, fmt.Errorf("memory embedder %q: want local or openai", mc.Embedder)
}

func (a *App) newVectorStore(ctx context.Context, mc config.Memory, coll string, dims int,
	log *slog.Logger) (memory.Store, error) {
	switch mc.Backend {
	case "", "embedded":
		return embedded.New(ctx, embedded.Config{
			DB: a.Store.DB(), Dimensions: dims, Collection: coll, Logger: log,
		})
	case "qdrant":
		key, err := envKey("memory.qdrant_api_key_env", mc.QdrantAPIKeyEnv)
		if err != nil {
			return nil, fmt.Errorf("qdrant api key: %w", err)
		}
		return qdrant.New(ctx, qdrant.Config{
			Addr: mc.QdrantAddr, Collection: coll, Dimensions: dims, APIKey: key,
			TLS: mc.QdrantTLS, Logger: log,
		})
	}
	return nil, fmt.Errorf("memory backend %q: want embedded or qdrant", mc.Backend)
}

// collectionName is "cases-" and the embedder's name, reduced to the
// characters every backend accepts in a name.
func collectionName(embedder string) string {
	clean := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return '-'
	}, embedder)
	return "cases-" + clean
}
