package memory

import (
	"context"
	"errors"
	"time"
)

// Embedder maps texts to vectors. Implementations are safe for concurrent use.
type Embedder interface {
	// Embed returns one vector of Dimensions() values per text, in order.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	// Dimensions is the length of every vector Embed returns.
	Dimensions() int
	// Name identifies the embedder and its version, e.g. "local-hash-v1-384".
	// Vectors of different names live in different vector spaces and must not
	// be compared.
	Name() string
}

// Store keeps items and finds the ones nearest a vector. Every store holds
// vectors of one dimension, fixed when it is opened, and scores hits by cosine
// similarity. Implementations are safe for concurrent use.
type Store interface {
	// Upsert adds items, replacing any stored item with the same ID. A vector
	// of the wrong length is [ErrDimension]; an empty ID, or a vector that is
	// zero or not finite, is [ErrInvalid]. Either way nothing is written.
	Upsert(ctx context.Context, items []Item) error
	// Search returns at most k items passing filter, the most similar first;
	// ties are broken by ID. k <= 0 returns no hits.
	Search(ctx context.Context, vector []float32, k int, filter Filter) ([]Hit, error)
	// Delete removes the items with these IDs; unknown IDs are ignored.
	Delete(ctx context.Context, ids []string) error
	// Len returns the number of stored items.
	Len(ctx context.Context) (int, error)
	// Close releases the store. It does not close resources the caller
	// passed in, such as a database handle.
	Close() error
}

// Item is one stored vector.
type Item struct {
	// ID is unique within a store; for case memory it is the case id.
	ID      string    `json:"id"`
	Vector  []float32 `json:"vector"`
	Payload Payload   `json:"payload"`
}

// Payload is what a store keeps beside a vector: enough to show a recalled
// case without going back to the case store.
type Payload struct {
	CaseID string `json:"case_id"`
	Title  string `json:"title"`
	// Verdict is the analyst's verdict when one was given, else the planner's.
	Verdict string `json:"verdict,omitempty"`
	// Techniques are ATT&CK ids, sorted.
	Techniques []string `json:"techniques,omitempty"`
	// Entities are entity keys ("domain:evil.example"), sorted.
	Entities []string  `json:"entities,omitempty"`
	Summary  string    `json:"summary,omitempty"`
	ClosedAt time.Time `json:"closed_at,omitzero"`
}

// Hit is an item a search returned.
type Hit struct {
	Item
	// Score is the cosine similarity between the query and the item's vector.
	Score float32 `json:"score"`
}

// Filter narrows a search. The zero Filter passes every item; set fields must
// all hold.
type Filter struct {
	// Verdicts keeps items whose verdict is one of these.
	Verdicts []string `json:"verdicts,omitempty"`
	// Techniques keeps items carrying at least one of these ATT&CK ids.
	Techniques []string `json:"techniques,omitempty"`
}

// Errors callers branch on.
var (
	// ErrDimension is returned for a vector whose length is not the store's.
	ErrDimension = errors.New("vector has the wrong number of dimensions")
	// ErrInvalid is returned for an item without an ID or with a vector that
	// is zero or not finite, which has no direction to compare.
	ErrInvalid = errors.New("invalid item")
	// ErrEmptyDoc is returned when a case document has no text to embed.
	ErrEmptyDoc = errors.New("case document has no text")
	// ErrClosed is returned by a store used after Close.
	ErrClosed = errors.New("memory store is closed")
)
