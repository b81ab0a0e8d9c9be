package qdrant

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/conductor-sec/conductor/memory"
)

// Payload field names in Qdrant.
const (
	fieldItemID     = "item_id"
	fieldCaseID     = "case_id"
	fieldTitle      = "title"
	fieldVerdict    = "verdict"
	fieldTechniques = "techniques"
	fieldEntities   = "entities"
	fieldSummary    = "summary"
	fieldClosedAt   = "closed_at"
)

// Upsert writes items and waits until Qdrant has applied them, so that a
// search right after sees them. Within one call a later item with the same ID
// wins.
func (s *Store) Upsert(ctx context.Context, items []memory.Item) error {
	if err := memory.CheckItems(items, s.dims); err != nil {
		return fmt.Errorf("upserting: %w", err)
	}
	if len(items) == 0 {
		return s.call(ctx, func(context.Context) error { return nil })
	}
	points := make([]*qc.PointStruct, 0, len(items))
	at := map[string]int{}
	for _, it := range items {
		p := &qc.PointStruct{
			Id:      PointID(it.ID),
			Vectors: qc.NewVectorsDense(it.Vector),
			Payload: payloadValues(it.ID, it.Payload),
		}
		if i, ok := at[it.ID]; ok {
			points[i] = p
			continue
		}
		at[it.ID] = len(points)
		points = append(points, p)
	}

	return s.call(ctx, func(ctx context.Context) error {
		_, err := s.client.Upsert(ctx, &qc.UpsertPoints{
			CollectionName: s.coll, Wait: qc.PtrOf(true), Points: points,
		})
		if err != nil {
			return fmt.Errorf("upserting %d items into %s: %w", len(points), s.coll, err)
		}
		return nil
	})
}

// Search asks Qdrant for the k nearest items passing filter.
func (s *Store) Search(ctx context.Context, vector []float32, k int,
	filter memory.Filter) ([]memory.Hit, error) {
	if err := memory.CheckVector(vector, s.dims); err != nil {
		return nil, fmt.Errorf("searching: %w", err)
	}
	var hits []memory.Hit
	err := s.call(ctx, func(ctx context.Context) error {
		if k <= 0 {
			return nil
		}
		res, err := s.client.Query(ctx, &qc.QueryPoints{
			CollectionName: s.coll, Query: qc.NewQueryDense(vector),
			Filter: qdrantFilter(filter), Limit: qc.PtrOf(uint64(k)),
			WithPayload: qc.NewWithPayload(true), WithVectors: qc.NewWithVectors(true),
		})
		if err != nil {
			return fmt.Errorf("searching %s: %w", s.coll, err)
		}
		hits = toHits(res)
		return nil
	})
	return hits, err
}

// Delete removes the points of these items; unknown ids are ignored.
func (s *Store) Delete(ctx context.Context, ids []string) error {
	return s.call(ctx, func(ctx context.Context) error {
		if len(ids) == 0 {
			return nil
		}
		pids := make([]*qc.PointId, len(ids))
		for i, id := range ids {
			pids[i] = PointID(id)
		}
		_, err := s.client.Delete(ctx, &qc.DeletePoints{
			CollectionName: s.coll, Wait: qc.PtrOf(true), Points: qc.NewPointsSelector(pids...),
		})
		if err != nil {
			return fmt.Errorf("deleting %d items from %s: %w", len(ids), s.coll, err)
		}
		return nil
	})
}

// Len counts the collection's points exactly.
func (s *Store) Len(ctx context.Context) (int, error) {
	var n uint64
	err := s.call(ctx, func(ctx context.Context) error {
		var err error
		n, err = s.client.Count(ctx, &qc.CountPoints{CollectionName: s.coll,
			Exact: qc.PtrOf(true)})
		if err != nil {
			return fmt.Errorf("counting %s: %w", s.coll, err)
		}
		return nil
	})
	return int(n), err
}

// PointID maps an item id to the name-based UUID Qdrant stores it under:
// SHA-256 of the id, cut to 128 bits and stamped as version 8 (custom), so
// that the same id always lands on the same point.
func PointID(id string) *qc.PointId {
	h := sha256.Sum256([]byte("conductor-memory\x00" + id))
	h[6] = h[6]&0x0f | 0x80 // version 8
	h[8] = h[8]&0x3f | 0x80 // RFC 9562 variant
	u := fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
	return qc.NewIDUUID(u)
}

// qdrantFilter turns a filter into must-conditions; nil for the zero filter.
// Matching keywords against a list field passes when any element matches.
func qdrantFilter(f memory.Filter) *qc.Filter {
	var must []*qc.Condition
	if len(f.Verdicts) > 0 {
		must = append(must, qc.NewMatchKeywords(fieldVerdict, f.Verdicts...))
	}
	if len(f.Techniques) > 0 {
		must = append(must, qc.NewMatchKeywords(fieldTechniques, f.Techniques...))
	}
	if must == nil {
		return nil
	}
	return &qc.Filter{Must: must}
}

func payloadValues(id string, p memory.Payload) map[string]*qc.Value {
	v := map[string]*qc.Value{
		fieldItemID:     qc.NewValueString(id),
		fieldCaseID:     qc.NewValueString(p.CaseID),
		fieldTitle:      qc.NewValueString(p.Title),
		fieldVerdict:    qc.NewValueString(p.Verdict),
		fieldTechniques: stringList(p.Techniques),
		fieldEntities:   stringList(p.Entities),
		fieldSummary:    qc.NewValueString(p.Summary),
	}
	if !p.ClosedAt.IsZero() {
		v[fieldClosedAt] = qc.NewValueString(p.ClosedAt.UTC().Format(time.RFC3339Nano))
	}
	return v
}

func stringList(ss []string) *qc.Value {
	vals := make([]*qc.Value, len(ss))
	for i, s := range ss {
		vals[i] = qc.NewValueString(s)
	}
	return qc.NewValueFromList(vals...)
}

func toHits(points []*qc.ScoredPoint) []memory.Hit {
	hits := make([]memory.Hit, 0, len(points))
	for _, p := range points {
		pl := p.GetPayload()
		hits = append(hits, memory.Hit{Score: p.GetScore(), Item: memory.Item{
			ID:      pl[fieldItemID].GetStringValue(),
			Vector:  dense(p.GetVectors().GetVector()),
			Payload: toPayload(pl),
		}})
	}
	memory.SortHits(hits) // Qdrant breaks ties its own way
	return hits
}

func toPayload(pl map[string]*qc.Value) memory.Payload {
	p := memory.Payload{
		CaseID:     pl[fieldCaseID].GetStringValue(),
		Title:      pl[fieldTitle].GetStringValue(),
		Verdict:    pl[fieldVerdict].GetStringValue(),
		Techniques: stringsOf(pl[fieldTechniques]),
		Entities:   stringsOf(pl[fieldEntities]),
		Summary:    pl[fieldSummary].GetStringValue(),
	}
	if s := pl[fieldClosedAt].GetStringValue(); s != "" {
		// A malformed time from a foreign writer leaves ClosedAt zero: it is
		// shown, never decided on.
		p.ClosedAt, _ = time.Parse(time.RFC3339Nano, s)
	}
	return p
}

// dense reads a returned vector, from the field servers fill today or, for
// older servers, the deprecated one.
func dense(v *qc.VectorOutput) []float32 {
	if d := v.GetDense(); d != nil {
		return d.GetData()
	}
	return v.GetData() //nolint:staticcheck // SA1019: older servers fill only this field
}

func stringsOf(v *qc.Value) []string {
	var out []string
	for _, e := range v.GetListValue().GetValues() {
		out = append(out, e.GetStringValue())
	}
	return out
}
