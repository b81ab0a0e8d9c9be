// Package local is Conductor's default embedder: deterministic, offline and
// free of any model file.
//
// No model can be downloaded where Conductor is built and tested, and a
// security tool should not fetch one at start-up, so this embedder uses
// feature hashing instead of a neural network. A text becomes a bag of
// features, each hashed to one of the vector's dimensions with a hashed sign
// (so that collisions cancel out on average instead of piling up), and the
// vector is scaled to unit length. The features are:
//   - words (lower-cased, a few stop words dropped) and pairs of adjacent
//     words, so that shared vocabulary and phrasing count;
//   - character trigrams of every word, so that "invoice" is close to
//     "invoices" and a look-alike domain to the domain it imitates;
//   - entity keys ("domain:evil.example"), weighted most, and what they imply:
//     the domain of an e-mail address or URL, the registrable domain of a
//     host name, the /24 network of an IPv4 address;
//   - ATT&CK technique ids, with the parent of a sub-technique.
//
// The same text always gives the same vector, on every machine. Similarity
// here means shared words, entities and techniques, not shared meaning:
// "credential theft" and "password stealing" are unrelated to this embedder.
// An OpenAI-compatible endpoint (memory/openai) gives semantic similarity
// where one is available.
package local

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/conductor-sec/conductor/memory"
)

// DefaultDimensions is the vector length when [Config.Dimensions] is zero:
// the length of the small sentence-embedding models, and enough to keep
// hash collisions rare for documents of a few hundred features.
const DefaultDimensions = 384

// version names the feature set; change it whenever features or weights
// change, because vectors of different versions must not be compared.
const version = "v1"

// Config configures an [Embedder].
type Config struct {
	// Dimensions is the vector length; zero means [DefaultDimensions]. It must
	// be between 16 and 65536.
	Dimensions int
}

// Embedder is the feature-hashing embedder. It is safe for concurrent use.
type Embedder struct {
	dims int
}

var _ memory.Embedder = (*Embedder)(nil)

// New validates cfg and returns an embedder.
func New(cfg Config) (*Embedder, error) {
	if cfg.Dimensions == 0 {
		cfg.Dimensions = DefaultDimensions
	}
	if cfg.Dimensions < 16 || cfg.Dimensions > 1<<16 {
		return nil, fmt.Errorf("local embedder: %d dimensions, want 16 to 65536",
			cfg.Dimensions)
	}
	return &Embedder{dims: cfg.Dimensions}, nil
}

// Name returns "local-hash-v1-" and the dimensions.
func (e *Embedder) Name() string { return fmt.Sprintf("local-hash-%s-%d", version, e.dims) }

// Dimensions returns the vector length.
func (e *Embedder) Dimensions() int { return e.dims }

// Embed returns one unit vector per text; an empty text gives a zero vector.
// It never fails unless ctx is done.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("embedding: %w", err)
		}
		out[i] = e.Vector(t)
	}
	return out, nil
}

// Vector embeds one text.
func (e *Embedder) Vector(text string) []float32 {
	b := features(text)

	// Sum in a fixed order: float addition is not associative, and map order
	// is random, so an unordered sum could differ in the last bit between runs.
	keys := slices.Sorted(maps.Keys(b))
	acc := make([]float64, e.dims)
	for _, f := range keys {
		h := mix(f)
		sign := 1.0
		if h>>63 == 1 {
			sign = -1
		}
		acc[h%uint64(e.dims)] += sign * b[f].weight()
	}
	return unit(acc)
}

func unit(acc []float64) []float32 {
	var sum float64
	for _, x := range acc {
		sum += x * x
	}
	out := make([]float32, len(acc))
	if sum == 0 {
		return out
	}
	n := math.Sqrt(sum)
	for i, x := range acc {
		out[i] = float32(x / n)
	}
	return out
}

// mix is the splitmix64 finalizer over FNV-1a: FNV alone leaves the low bits,
// which pick the dimension, poorly mixed for short keys.
func mix(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}
