package store

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestTimers(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	mk := func(action string, due time.Time) *Timer {
		tm := &Timer{ActionID: action, CaseID: "CASE-000001", Tool: "edr.release_host",
			Args: json.RawMessage(`{"host":"WS-0142"}`), Due: due}
		if _, err := s.PutTimer(ctx, tm); err != nil {
			t.Fatalf("PutTimer(%s): %v", action, err)
		}
		return tm
	}
	a := mk("ACT-000001", t0.Add(time.Hour))
	b := mk("ACT-000002", t0.Add(3*time.Hour))

	again := &Timer{ActionID: "ACT-000001", Due: t0}
	if existing, err := s.PutTimer(ctx, again); err != nil || !existing || again.ID != a.ID {
		t.Errorf("second PutTimer = %v, %v, %s; want existing %s", existing, err, again.ID, a.ID)
	}

	due, err := s.DueTimers(ctx, t0.Add(2*time.Hour))
	if err != nil || len(due) != 1 || due[0].ID != a.ID || string(due[0].Args) !=
		`{"host":"WS-0142"}` {
		t.Fatalf("DueTimers(+2h) = %+v, %v; want only %s with its args", due, err, a.ID)
	}

	if err := s.SettleTimer(ctx, b.ID, TimerConfirmed, "analyst:lee confirmed"); err != nil {
		t.Fatalf("SettleTimer: %v", err)
	}
	if err := s.SettleTimer(ctx, b.ID, TimerFired, ""); !errors.Is(err, ErrNotPending) {
		t.Errorf("settling twice = %v, want ErrNotPending", err)
	}
	if got, _ := s.TimerOf(ctx, "ACT-000002"); got.Status != TimerConfirmed {
		t.Errorf("TimerOf(ACT-000002).Status = %s, want confirmed", got.Status)
	}
	if due, _ := s.DueTimers(ctx, t0.Add(5*time.Hour)); len(due) != 1 {
		t.Errorf("due after confirmation = %d timers, want 1", len(due))
	}
}
