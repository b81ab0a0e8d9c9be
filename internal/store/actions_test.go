package store

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func isolate(caseID, key, host string) Action {
	return Action{CaseID: caseID, Ref: "contain.isolate", IdempotencyKey: key,
		Tool: "edr.isolate_host", Args: json.RawMessage(`{"host":"` + host + `"}`),
		Actor: "agent:playbook"}
}

// TestPutActionIdempotent is T9: a step retried after a crash presents the
// same idempotency key and must get the first attempt's action back.
func TestPutActionIdempotent(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()

	a := isolate("CASE-000001", "CASE-000001/contain.isolate/ws-17", "ws-17")
	existing, err := s.PutAction(ctx, &a)
	if err != nil || existing {
		t.Fatalf("PutAction(new) = %v, %v; want false, nil", existing, err)
	}
	if a.ID != "ACT-000001" || a.Status != ActionProposed {
		t.Errorf("PutAction(new) set id %q status %q, want ACT-000001 proposed", a.ID, a.Status)
	}
	a.Status, a.Attempts, a.Result = ActionExecuted, 1, json.RawMessage(`{"isolated":true}`)
	if err := s.UpdateAction(ctx, &a); err != nil {
		t.Fatalf("UpdateAction() = %v", err)
	}

	retry := isolate("CASE-000001", "CASE-000001/contain.isolate/ws-17", "ws-17")
	existing, err = s.PutAction(ctx, &retry)
	if err != nil || !existing {
		t.Fatalf("PutAction(retry) = %v, %v; want true, nil", existing, err)
	}
	if diff := cmp.Diff(a, retry); diff != "" {
		t.Errorf("PutAction(retry) loaded (-want +got):\n%s", diff)
	}
	if as, _ := s.CaseActions(ctx, "CASE-000001"); len(as) != 1 {
		t.Errorf("CaseActions() = %d actions, want 1", len(as))
	}
}

func TestPutActionErrors(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()

	noKey := isolate("CASE-000001", "", "ws-17")
	if _, err := s.PutAction(ctx, &noKey); !errors.Is(err, ErrInvalid) {
		t.Errorf("PutAction(no key) = %v, want ErrInvalid", err)
	}
	a := isolate("CASE-000001", "k1", "ws-17")
	a.ID = "ACT-custom"
	s.PutAction(ctx, &a)
	b := isolate("CASE-000001", "k2", "ws-18")
	b.ID = "ACT-custom"
	if _, err := s.PutAction(ctx, &b); !errors.Is(err, ErrConflict) {
		t.Errorf("PutAction(same id, other key) = %v, want ErrConflict", err)
	}
	if err := s.UpdateAction(ctx, &Action{ID: "ACT-404"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("UpdateAction(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := s.GetAction(ctx, "ACT-404"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetAction(unknown) = %v, want ErrNotFound", err)
	}
}

func TestUpdateActionKeepsIdentity(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	a := isolate("CASE-000001", "k1", "ws-17")
	s.PutAction(ctx, &a)

	changed := a
	changed.Tool, changed.Args, changed.Status = "fw.block_ip", json.RawMessage(`{}`), ActionHeld
	changed.ApprovalID, changed.Reason = "APR-000001", "containment needs a lead"
	if err := s.UpdateAction(ctx, &changed); err != nil {
		t.Fatalf("UpdateAction() = %v", err)
	}

	got, err := s.ActionByKey(ctx, "k1")
	if err != nil {
		t.Fatalf("ActionByKey() = %v", err)
	}
	want := a
	want.Status, want.ApprovalID, want.Reason = ActionHeld, "APR-000001", "containment needs a lead"
	want.UpdatedAt = changed.UpdatedAt
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after UpdateAction (-want +got):\n%s", diff)
	}
}

func TestCountActionsAndByStatus(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	fixture := []struct {
		caseID, tool, status string
		at                   time.Time
	}{
		{"CASE-000001", "edr.isolate_host", ActionExecuted, t0},
		{"CASE-000001", "edr.isolate_host", ActionHeld, t0.Add(time.Minute)},
		{"CASE-000002", "edr.isolate_host", ActionExecuted, t0.Add(2 * time.Minute)},
		{"CASE-000002", "edr.isolate_host", ActionDenied, t0.Add(3 * time.Minute)},
		{"CASE-000002", "fw.block_ip", ActionExecuted, t0.Add(4 * time.Minute)},
		{"CASE-000001", "edr.isolate_host", ActionRunning, t0.Add(-time.Hour)},
	}
	for i, f := range fixture {
		a := Action{CaseID: f.caseID, IdempotencyKey: string(rune('a' + i)), Tool: f.tool,
			Status: f.status, CreatedAt: f.at}
		if _, err := s.PutAction(ctx, &a); err != nil {
			t.Fatalf("PutAction() = %v", err)
		}
	}

	tests := []struct {
		name         string
		tool, caseID string
		since        time.Time
		statuses     []string
		want         int
	}{
		{"all cases any status", "edr.isolate_host", "", t0, nil, 4},
		{"one case", "edr.isolate_host", "CASE-000001", t0, nil, 2},
		{"statuses", "edr.isolate_host", "", t0, []string{ActionExecuted, ActionRunning}, 2},
		{"window", "edr.isolate_host", "", t0.Add(90 * time.Second), nil, 2},
		{"old ones included", "edr.isolate_host", "", t0.Add(-2 * time.Hour), nil, 5},
		{"other tool", "fw.block_ip", "", t0, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.CountActions(ctx, tt.tool, tt.caseID, tt.since, tt.statuses...)
			if err != nil || got != tt.want {
				t.Errorf("CountActions(%s, %q, %v) = %d, %v; want %d", tt.tool, tt.caseID,
					tt.statuses, got, err, tt.want)
			}
		})
	}

	as, err := s.ActionsByStatus(ctx, ActionHeld, ActionRunning)
	if err != nil {
		t.Fatalf("ActionsByStatus() = %v", err)
	}
	var keys []string
	for _, a := range as {
		keys = append(keys, a.IdempotencyKey)
	}
	if diff := cmp.Diff([]string{"f", "b"}, keys); diff != "" {
		t.Errorf("ActionsByStatus(held, running) oldest first (-want +got):\n%s", diff)
	}
}
