package memory

import (
	"context"
	"errors"
	"fmt"
)

// Config wires a [Memory].
type Config struct {
	// Embedder and Store are required. The store must hold vectors of the
	// embedder's dimensions, and only vectors the same embedder made.
	Embedder Embedder
	Store    Store
	// MinScore drops recalled cases less similar than this; zero keeps every
	// hit with a positive score.
	MinScore float32
}

// Memory remembers closed cases and recalls the ones most like a case at
// hand. It is safe for concurrent use when its embedder and store are.
type Memory struct {
	emb      Embedder
	store    Store
	minScore float32
}

// New validates cfg and returns a memory.
func New(cfg Config) (*Memory, error) {
	switch {
	case cfg.Embedder == nil:
		return nil, errors.New("memory config: Embedder is required")
	case cfg.Store == nil:
		return nil, errors.New("memory config: Store is required")
	case cfg.Embedder.Dimensions() <= 0:
		return nil, fmt.Errorf("memory config: embedder %s has %d dimensions",
			cfg.Embedder.Name(), cfg.Embedder.Dimensions())
	}
	return &Memory{emb: cfg.Embedder, store: cfg.Store, minScore: cfg.MinScore}, nil
}

// Embedder returns the embedder memory was built with.
func (m *Memory) Embedder() Embedder { return m.emb }

// Remember embeds a case document and stores it under its case id, replacing
// what was remembered of that case before.
func (m *Memory) Remember(ctx context.Context, doc CaseDoc) error {
	if doc.CaseID == "" {
		return fmt.Errorf("remembering a case without an id: %w", ErrInvalid)
	}
	vec, err := m.embed(ctx, doc)
	if err != nil {
		return fmt.Errorf("remembering %s: %w", doc.CaseID, err)
	}

	item := Item{ID: doc.CaseID, Vector: vec, Payload: doc.Payload()}
	if err := m.store.Upsert(ctx, []Item{item}); err != nil {
		return fmt.Errorf("remembering %s: %w", doc.CaseID, err)
	}
	return nil
}

// Recall returns up to k remembered cases most like doc, the most similar
// first, leaving out doc's own case and hits scoring below the configured
// minimum. A document with no text recalls nothing.
func (m *Memory) Recall(ctx context.Context, doc CaseDoc, k int) ([]Hit, error) {
	if k <= 0 {
		return nil, nil
	}
	vec, err := m.embed(ctx, doc)
	if errors.Is(err, ErrEmptyDoc) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("recalling cases like %s: %w", doc.CaseID, err)
	}

	// One extra hit, in case the document's own case was remembered.
	hits, err := m.store.Search(ctx, vec, k+1, Filter{})
	if err != nil {
		return nil, fmt.Errorf("recalling cases like %s: %w", doc.CaseID, err)
	}
	out := hits[:0]
	for _, h := range hits {
		if h.ID == doc.CaseID || h.Score <= 0 || h.Score < m.minScore {
			continue
		}
		out = append(out, h)
	}
	return out[:min(k, len(out))], nil
}

// Forget removes what was remembered of these cases.
func (m *Memory) Forget(ctx context.Context, caseIDs ...string) error {
	if err := m.store.Delete(ctx, caseIDs); err != nil {
		return fmt.Errorf("forgetting %d cases: %w", len(caseIDs), err)
	}
	return nil
}

// Len returns the number of remembered cases.
func (m *Memory) Len(ctx context.Context) (int, error) { return m.store.Len(ctx) }

// Close closes the store.
func (m *Memory) Close() error { return m.store.Close() }

func (m *Memory) embed(ctx context.Context, doc CaseDoc) ([]float32, error) {
	text := DocText(doc)
	if text == "" {
		return nil, ErrEmptyDoc
	}
	vecs, err := m.emb.Embed(ctx, []string{text})
	if err != nil {
		return nil, fmt.Errorf("embedding with %s: %w", m.emb.Name(), err)
	}
	if len(vecs) != 1 {
		return nil, fmt.Errorf("embedding with %s: %d vectors for 1 text", m.emb.Name(), len(vecs))
	}
	return vecs[0], nil
}
