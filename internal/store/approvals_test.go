package store

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/conductor-sec/conductor/guardrails"
)

func pendingApproval(t *testing.T, s *Store, expires time.Time) guardrails.Approval {
	t.Helper()
	a := guardrails.Approval{ActionID: "ACT-000001", CaseID: "CASE-000001",
		Tool: "edr.isolate_host", Args: json.RawMessage(`{"host":"ws-17"}`),
		ArgsDigest: "d1", RequestedBy: "agent:playbook", ApproverRole: "lead",
		Reasons: []string{"containment"}, ExpiresAt: expires}
	if err := s.PutApproval(context.Background(), &a); err != nil {
		t.Fatalf("PutApproval() = %v", err)
	}
	return a
}

func TestPutGetApproval(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	a := pendingApproval(t, s, t0.Add(time.Hour))

	if a.ID != "APR-000001" || a.Status != ApprovalPending || a.CreatedAt.IsZero() {
		t.Errorf("PutApproval() set id %q status %q created %s", a.ID, a.Status, a.CreatedAt)
	}
	got, err := s.GetApproval(ctx, a.ID)
	if err != nil {
		t.Fatalf("GetApproval() = %v", err)
	}
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("GetApproval() (-want +got):\n%s", diff)
	}

	dup := a
	if err := s.PutApproval(ctx, &dup); !errors.Is(err, ErrConflict) {
		t.Errorf("PutApproval(same id) = %v, want ErrConflict", err)
	}
	if _, err := s.GetApproval(ctx, "APR-404"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetApproval(unknown) = %v, want ErrNotFound", err)
	}
}

func TestDecideApproval(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	a := pendingApproval(t, s, t0.Add(time.Hour))
	at := t0.Add(10 * time.Minute)

	if err := s.DecideApproval(ctx, a.ID, ApprovalApproved, "analyst:alice", "ok", at); err != nil {
		t.Fatalf("DecideApproval() = %v", err)
	}
	got, _ := s.GetApproval(ctx, a.ID)
	want := a
	want.Status, want.DecidedBy, want.Note, want.DecidedAt = ApprovalApproved,
		"analyst:alice", "ok", at
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after DecideApproval (-want +got):\n%s", diff)
	}

	err := s.DecideApproval(ctx, a.ID, ApprovalRejected, "analyst:bob", "", at)
	if !errors.Is(err, ErrNotPending) {
		t.Errorf("DecideApproval(decided) = %v, want ErrNotPending", err)
	}
}

func TestDecideApprovalErrors(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	a := pendingApproval(t, s, t0.Add(time.Hour))

	tests := []struct {
		name, id, status string
		want             error
	}{
		{"unknown approval", "APR-404", ApprovalApproved, ErrNotFound},
		{"bad status", a.ID, "maybe", ErrInvalid},
		{"used is not a decision", a.ID, ApprovalUsed, ErrInvalid},
		{"pending is not a decision", a.ID, ApprovalPending, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.DecideApproval(ctx, tt.id, tt.status, "analyst:alice", "", t0)
			if !errors.Is(err, tt.want) {
				t.Errorf("DecideApproval(%s, %s) = %v, want %v", tt.id, tt.status, err, tt.want)
			}
		})
	}
}

// TestDecideApprovalAfterExpiry is T8's "after expiry": approving late
// expires the approval instead.
func TestDecideApprovalAfterExpiry(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	a := pendingApproval(t, s, t0.Add(time.Hour))

	err := s.DecideApproval(ctx, a.ID, ApprovalApproved, "analyst:alice", "", t0.Add(2*time.Hour))
	if !errors.Is(err, ErrExpired) {
		t.Fatalf("DecideApproval(late) = %v, want ErrExpired", err)
	}
	got, _ := s.GetApproval(ctx, a.ID)
	if got.Status != ApprovalExpired {
		t.Errorf("status after late approval = %q, want expired", got.Status)
	}
	if err := s.MarkApprovalUsed(ctx, a.ID, t0); !errors.Is(err, ErrNotPending) {
		t.Errorf("MarkApprovalUsed(expired) = %v, want ErrNotPending", err)
	}

	// Rejecting late is still a rejection.
	b := pendingApproval(t, s, t0.Add(time.Hour))
	late := t0.Add(2 * time.Hour)
	if err := s.DecideApproval(ctx, b.ID, ApprovalRejected, "analyst:alice", "", late); err != nil {
		t.Errorf("DecideApproval(late reject) = %v, want nil", err)
	}
}

// TestDecideApprovalRace: two approvers decide at once; exactly one wins.
func TestDecideApprovalRace(t *testing.T) {
	for round := range 20 {
		s := openTest(t)
		a := pendingApproval(t, s, time.Time{})

		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, status := range []string{ApprovalApproved, ApprovalRejected} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.DecideApproval(context.Background(), a.ID, status,
					"analyst:"+status, "", t0)
			}()
		}
		wg.Wait()

		wins, lost := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case errors.Is(err, ErrNotPending):
				lost++
			default:
				t.Fatalf("round %d: DecideApproval() = %v", round, err)
			}
		}
		if wins != 1 || lost != 1 {
			t.Fatalf("round %d: %d wins and %d ErrNotPending, want 1 and 1", round, wins, lost)
		}
		got, _ := s.GetApproval(context.Background(), a.ID)
		if got.DecidedBy != "analyst:"+got.Status {
			t.Errorf("round %d: status %s decided by %s, want one consistent winner",
				round, got.Status, got.DecidedBy)
		}
	}
}

// TestMarkApprovalUsedOnce is T8's "twice": an approval releases one run.
func TestMarkApprovalUsedOnce(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	a := pendingApproval(t, s, time.Time{})

	if err := s.MarkApprovalUsed(ctx, a.ID, t0); !errors.Is(err, ErrNotPending) {
		t.Errorf("MarkApprovalUsed(pending) = %v, want ErrNotPending", err)
	}
	s.DecideApproval(ctx, a.ID, ApprovalApproved, "analyst:alice", "", t0)
	if err := s.MarkApprovalUsed(ctx, a.ID, t0); err != nil {
		t.Fatalf("MarkApprovalUsed() = %v", err)
	}
	if err := s.MarkApprovalUsed(ctx, a.ID, t0); !errors.Is(err, ErrNotPending) {
		t.Errorf("MarkApprovalUsed(twice) = %v, want ErrNotPending", err)
	}
	if got, _ := s.GetApproval(ctx, a.ID); got.Status != ApprovalUsed {
		t.Errorf("status = %q, want used", got.Status)
	}
	if err := s.MarkApprovalUsed(ctx, "APR-404", t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("MarkApprovalUsed(unknown) = %v, want ErrNotFound", err)
	}
}

func TestListApprovals(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	a := pendingApproval(t, s, time.Time{})
	pendingApproval(t, s, time.Time{})
	s.DecideApproval(ctx, a.ID, ApprovalRejected, "analyst:alice", "", t0)

	tests := []struct {
		status string
		want   []string
	}{
		{"", []string{"APR-000001", "APR-000002"}},
		{ApprovalPending, []string{"APR-000002"}},
		{ApprovalRejected, []string{"APR-000001"}},
		{ApprovalUsed, nil},
	}
	for _, tt := range tests {
		t.Run("status="+tt.status, func(t *testing.T) {
			as, err := s.ListApprovals(ctx, tt.status)
			if err != nil {
				t.Fatalf("ListApprovals() = %v", err)
			}
			var got []string
			for _, a := range as {
				got = append(got, a.ID)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ListApprovals(%q) (-want +got):\n%s", tt.status, diff)
			}
		})
	}
}

func TestCaseApprovals(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	first := pendingApproval(t, s, t0.Add(time.Hour))
	second := pendingApproval(t, s, t0.Add(time.Hour))
	other := guardrails.Approval{ActionID: "ACT-000009", CaseID: "CASE-000002",
		Tool: "edr.isolate_host", RequestedBy: "agent:playbook", ApproverRole: "lead",
		ExpiresAt: t0.Add(time.Hour)}
	if err := s.PutApproval(ctx, &other); err != nil {
		t.Fatal(err)
	}
	if err := s.DecideApproval(ctx, second.ID, "rejected", "analyst:lee", "", t0); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		status string
		want   []string
	}{
		{"", []string{first.ID, second.ID}},
		{"pending", []string{first.ID}},
		{"rejected", []string{second.ID}},
	}
	for _, tt := range tests {
		got, err := s.CaseApprovals(ctx, "CASE-000001", tt.status)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range got {
			ids = append(ids, a.ID)
		}
		if diff := cmp.Diff(tt.want, ids); diff != "" {
			t.Errorf("CaseApprovals(CASE-000001, %q) (-want +got):\n%s", tt.status, diff)
		}
	}
}
