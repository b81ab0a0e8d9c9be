package memory

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// CheckVector returns [ErrDimension] when v does not have dims values and
// [ErrInvalid] when it is zero or holds a NaN or an infinity. Stores call it
// on every vector they are given, so that all backends refuse the same input.
func CheckVector(v []float32, dims int) error {
	if len(v) != dims {
		return fmt.Errorf("%d values, want %d: %w", len(v), dims, ErrDimension)
	}
	var sum float64
	for _, x := range v {
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("vector holds %v: %w", x, ErrInvalid)
		}
		sum += f * f
	}
	if sum == 0 {
		return fmt.Errorf("zero vector: %w", ErrInvalid)
	}
	return nil
}

// CheckItems applies [CheckVector] to every item and refuses empty IDs.
func CheckItems(items []Item, dims int) error {
	for i := range items {
		if items[i].ID == "" {
			return fmt.Errorf("item %d has no id: %w", i, ErrInvalid)
		}
		if err := CheckVector(items[i].Vector, dims); err != nil {
			return fmt.Errorf("item %s: %w", items[i].ID, err)
		}
	}
	return nil
}

// Normalize returns a copy of v scaled to unit length; a zero vector stays
// zero.
func Normalize(v []float32) []float32 {
	out := make([]float32, len(v))
	n := norm(v)
	if n == 0 {
		return out
	}
	for i, x := range v {
		out[i] = float32(float64(x) / n)
	}
	return out
}

// Cosine returns the cosine similarity of a and b, or 0 when either is zero
// or their lengths differ.
func Cosine(a, b []float32) float32 {
	if len(a) != len(b) {
		return 0
	}
	na, nb := norm(a), norm(b)
	if na == 0 || nb == 0 {
		return 0
	}
	return float32(Dot(a, b) / (na * nb))
}

// Dot returns the dot product of a and b over their common length, summed in
// float64 so that long vectors do not lose precision.
func Dot(a, b []float32) float64 {
	n := min(len(a), len(b))
	var sum float64
	for i := range n {
		sum += float64(a[i]) * float64(b[i])
	}
	return sum
}

func norm(v []float32) float64 { return math.Sqrt(Dot(v, v)) }

// Match reports whether p passes the filter.
func (f Filter) Match(p Payload) bool {
	if len(f.Verdicts) > 0 && !slices.Contains(f.Verdicts, p.Verdict) {
		return false
	}
	if len(f.Techniques) == 0 {
		return true
	}
	for _, t := range p.Techniques {
		if slices.Contains(f.Techniques, t) {
			return true
		}
	}
	return false
}

// IsZero reports whether the filter passes every item.
func (f Filter) IsZero() bool { return len(f.Verdicts) == 0 && len(f.Techniques) == 0 }

// SortHits orders hits the way [Store.Search] returns them: the highest score
// first, ties by ID.
func SortHits(hits []Hit) {
	slices.SortFunc(hits, func(a, b Hit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}
