// Package qdrant is the [memory.Store] for Qdrant, for memory shared by
// several Conductor replicas or larger than one machine's RAM. It speaks
// Qdrant's gRPC API through github.com/qdrant/go-client.
//
// A store is one collection, created on first use with the embedder's
// dimensions, cosine distance and keyword indexes on the payload fields
// filters use (verdict, techniques). Qdrant point ids must be integers or
// UUIDs, so each item id is mapped to a name-based UUID and also kept in the
// payload under item_id, which is where hits take their ID from.
package qdrant

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/conductor-sec/conductor/memory"
)

// Config configures a [Store].
type Config struct {
	// Addr is the host:port of Qdrant's gRPC endpoint; empty means
	// localhost:6334.
	Addr string
	// Collection names the collection; required. Use one per embedder, since
	// vectors of different embedders must not be compared.
	Collection string
	// Dimensions is the length of every vector; required. An existing
	// collection of another size is [memory.ErrDimension].
	Dimensions int
	// APIKey is sent with every call when set. It is never logged.
	APIKey string
	// TLS encrypts the connection; without it an API key travels in clear.
	TLS bool
	// Timeout bounds each call; zero means 10s.
	Timeout time.Duration
	// Logger receives lifecycle messages; nil discards them.
	Logger *slog.Logger
}

// Store is a Qdrant collection. It is safe for concurrent use.
type Store struct {
	client  *qc.Client
	coll    string
	dims    int
	timeout time.Duration
	log     *slog.Logger

	mu     sync.RWMutex
	closed bool
}

var _ memory.Store = (*Store)(nil)

// New validates cfg, connects, and creates the collection unless it exists.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Collection == "" {
		return nil, errors.New("qdrant store config: Collection is required")
	}
	if cfg.Dimensions <= 0 {
		return nil, errors.New("qdrant store config: Dimensions is required")
	}
	client, err := connect(cfg)
	if err != nil {
		return nil, err
	}
	s := &Store{client: client, coll: cfg.Collection, dims: cfg.Dimensions,
		timeout: cfg.Timeout, log: cfg.Logger}
	if s.timeout <= 0 {
		s.timeout = 10 * time.Second
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.log = s.log.With("component", "memory", "store", "qdrant", "collection", s.coll)

	if err := s.ensureCollection(ctx); err != nil {
		_ = client.Close() // the collection error is the one worth reporting
		return nil, err
	}
	return s, nil
}

func connect(cfg Config) (*qc.Client, error) {
	host, port := "localhost", 6334
	if cfg.Addr != "" {
		h, p, err := net.SplitHostPort(cfg.Addr)
		if err != nil {
			return nil, fmt.Errorf("qdrant address %q: %w", cfg.Addr, err)
		}
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("qdrant address %q: port: %w", cfg.Addr, err)
		}
		host = h
	}
	client, err := qc.NewClient(&qc.Config{
		Host: host, Port: port, APIKey: cfg.APIKey, UseTLS: cfg.TLS,
		PoolSize: 1,
		// The check logs through the global logger and blocks on a health
		// call; a wrong server shows up at the first real call anyway.
		SkipCompatibilityCheck: true,
	})
	if err != nil {
		return nil, fmt.Errorf("connecting to qdrant at %s:%d: %w", host, port, err)
	}
	return client, nil
}

// ensureCollection creates the collection with its payload indexes, or checks
// that the existing one holds vectors of the right size and distance.
func (s *Store) ensureCollection(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	exists, err := s.client.CollectionExists(ctx, s.coll)
	if err != nil {
		return fmt.Errorf("checking collection %s: %w", s.coll, err)
	}
	if exists {
		return s.checkCollection(ctx)
	}

	err = s.client.CreateCollection(ctx, &qc.CreateCollection{
		CollectionName: s.coll,
		VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{
			Size: uint64(s.dims), Distance: qc.Distance_Cosine,
		}),
	})
	if err != nil {
		return fmt.Errorf("creating collection %s: %w", s.coll, err)
	}
	for _, field := range []string{fieldVerdict, fieldTechniques} {
		_, err := s.client.CreateFieldIndex(ctx, &qc.CreateFieldIndexCollection{
			CollectionName: s.coll, FieldName: field, Wait: qc.PtrOf(true),
			FieldType: qc.FieldType_FieldTypeKeyword.Enum(),
		})
		if err != nil {
			return fmt.Errorf("indexing %s of collection %s: %w", field, s.coll, err)
		}
	}
	s.log.Info("memory collection created", "dimensions", s.dims)
	return nil
}

func (s *Store) checkCollection(ctx context.Context) error {
	info, err := s.client.GetCollectionInfo(ctx, s.coll)
	if err != nil {
		return fmt.Errorf("reading collection %s: %w", s.coll, err)
	}
	params := info.GetConfig().GetParams().GetVectorsConfig().GetParams()
	if params == nil {
		return fmt.Errorf("collection %s has no single unnamed vector", s.coll)
	}
	if got := int(params.GetSize()); got != s.dims {
		return fmt.Errorf("collection %s holds %d dimensions, want %d: %w",
			s.coll, got, s.dims, memory.ErrDimension)
	}
	if params.GetDistance() != qc.Distance_Cosine {
		return fmt.Errorf("collection %s uses %s distance, want Cosine", s.coll,
			params.GetDistance())
	}
	return nil
}

// Close closes the connection.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if err := s.client.Close(); err != nil {
		return fmt.Errorf("closing qdrant connection: %w", err)
	}
	return nil
}

// call runs fn with the call timeout unless the store is closed. The read
// lock keeps Close from tearing the connection down under a running call.
func (s *Store) call(ctx context.Context, fn func(ctx context.Context) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return memory.ErrClosed
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return fn(ctx)
}
