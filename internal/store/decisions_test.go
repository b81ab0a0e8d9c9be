package store

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func decision(i int, at time.Time) DecisionRecord {
	return DecisionRecord{ActionID: "ACT-000001", CaseID: "CASE-000001",
		Tool: "edr.isolate_host", Time: at,
		Input:       json.RawMessage(`{"tool":"edr.isolate_host","args":{"host":"ws-17"}}`),
		InputDigest: "sha256:" + string(rune('a'+i)), Outcome: "needs_approval",
		Reasons: []string{"containment", "crown_jewel"}, PolicyVersion: "v3"}
}

func TestDecisions(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	for i, at := range []time.Time{t0.Add(2 * time.Minute), t0, t0.Add(time.Minute)} {
		if err := s.PutDecision(ctx, decision(i, at)); err != nil {
			t.Fatalf("PutDecision() = %v", err)
		}
	}

	got, err := s.Decisions(ctx, t0.Add(time.Minute))
	if err != nil {
		t.Fatalf("Decisions() = %v", err)
	}
	want := []DecisionRecord{decision(2, t0.Add(time.Minute)), decision(0, t0.Add(2*time.Minute))}
	want[0].ID, want[1].ID = "DEC-000003", "DEC-000001"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Decisions(since 09:01) (-want +got):\n%s", diff)
	}
}

func TestPutDecisionIDs(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	d := decision(0, time.Time{})
	d.ID = "dec-from-guard"
	if err := s.PutDecision(ctx, d); err != nil {
		t.Fatalf("PutDecision() = %v", err)
	}
	if err := s.PutDecision(ctx, d); !errors.Is(err, ErrConflict) {
		t.Errorf("PutDecision(same id) = %v, want ErrConflict", err)
	}

	got, _ := s.Decisions(ctx, time.Time{})
	if len(got) != 1 || got[0].ID != "dec-from-guard" || !got[0].Time.Equal(t0.Add(time.Second)) {
		t.Errorf("Decisions() = %+v, want one, kept id, time from the clock", got)
	}
}

func TestDecisionsFuncStops(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	for i := range 5 {
		s.PutDecision(ctx, decision(i, t0.Add(time.Duration(i)*time.Second)))
	}

	stop := errors.New("enough")
	n := 0
	err := s.DecisionsFunc(ctx, time.Time{}, func(DecisionRecord) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 2 {
		t.Errorf("DecisionsFunc() = %v after %d calls, want the callback's error after 2", err, n)
	}
}
