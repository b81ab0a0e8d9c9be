package store

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCreateGetUpdateCase(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()

	c := Case{Title: "Brute force on vpn-gw-1", Score: 72, Confidence: 0.8,
		Severity: "high", Techniques: []string{"T1110"}, Sources: []string{"suricata"},
		ScoreFactors: json.RawMessage(`{"severity":40,"intel":32}`)}
	if err := s.CreateCase(ctx, &c); err != nil {
		t.Fatalf("CreateCase() = %v", err)
	}
	created := t0.Add(time.Second) // the migration read the clock first
	want := c
	want.ID, want.State, want.CreatedAt, want.UpdatedAt = "CASE-000001", StateNew, created, created
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("CreateCase() set (-want +got):\n%s", diff)
	}

	c.State, c.Verdict, c.Flags = StateClosed, "malicious", []string{"suspected_injection"}
	c.AnalystVerdict, c.AnalystName, c.AnalystNote = "benign", "alice", "pen test"
	if err := s.UpdateCase(ctx, &c); err != nil {
		t.Fatalf("UpdateCase() = %v", err)
	}
	got, err := s.GetCase(ctx, c.ID)
	if err != nil {
		t.Fatalf("GetCase() = %v", err)
	}

	want = c
	want.UpdatedAt, want.ClosedAt = created.Add(time.Second), created.Add(time.Second)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetCase() after update (-want +got):\n%s", diff)
	}
}

func TestCaseErrors(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()

	if _, err := s.GetCase(ctx, "CASE-000404"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetCase(unknown) = %v, want ErrNotFound", err)
	}
	missing := Case{ID: "CASE-000404", State: StateNew}
	if err := s.UpdateCase(ctx, &missing); !errors.Is(err, ErrNotFound) {
		t.Errorf("UpdateCase(unknown) = %v, want ErrNotFound", err)
	}
	bad := Case{State: "resolved"}
	if err := s.CreateCase(ctx, &bad); !errors.Is(err, ErrInvalid) {
		t.Errorf("CreateCase(state resolved) = %v, want ErrInvalid", err)
	}
}

func TestListCases(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	for _, st := range []string{StateNew, StateClosed, StateInvestigating, StateClosed,
		StatePaused} {
		mustCase(t, s, Case{Title: st, State: st})
	}

	tests := []struct {
		name   string
		filter CaseFilter
		want   []string
	}{
		{"all newest first", CaseFilter{}, []string{"CASE-000005", "CASE-000004",
			"CASE-000003", "CASE-000002", "CASE-000001"}},
		{"closed", CaseFilter{State: StateClosed}, []string{"CASE-000004", "CASE-000002"}},
		{"open", CaseFilter{State: FilterOpen}, []string{"CASE-000005", "CASE-000003",
			"CASE-000001"}},
		{"limit", CaseFilter{Limit: 2}, []string{"CASE-000005", "CASE-000004"}},
		{"none", CaseFilter{State: StateContained}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs, err := s.ListCases(ctx, tt.filter)
			if err != nil {
				t.Fatalf("ListCases(%+v) = %v", tt.filter, err)
			}
			var got []string
			for _, c := range cs {
				got = append(got, c.ID)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ListCases(%+v) (-want +got):\n%s", tt.filter, diff)
			}
		})
	}
}

// correlationFixture makes four cases and indexes their entities:
//
//	CASE-000001 open,   ip:10.0.0.5 user:bob host:ws-17, seen at t0
//	CASE-000002 open,   ip:10.0.0.5,                     seen at t0+1h
//	CASE-000003 closed, ip:10.0.0.5 user:bob host:ws-17, seen at t0+2h
//	CASE-000004 open,   ip:10.0.0.5 user:bob,            seen at t0-24h
func correlationFixture(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	fixture := []struct {
		state string
		keys  []string
		seen  time.Time
	}{
		{StateInvestigating, []string{"ip:10.0.0.5", "user:bob", "host:ws-17"}, t0},
		{StateNew, []string{"ip:10.0.0.5"}, t0.Add(time.Hour)},
		{StateClosed, []string{"ip:10.0.0.5", "user:bob", "host:ws-17"}, t0.Add(2 * time.Hour)},
		{StateNew, []string{"ip:10.0.0.5", "user:bob"}, t0.Add(-24 * time.Hour)},
	}
	for i, f := range fixture {
		c := mustCase(t, s, Case{Title: "case " + string(rune('A'+i)), State: f.state,
			Verdict: "suspicious"})
		if err := s.IndexEntities(ctx, c.ID, f.keys, f.seen); err != nil {
			t.Fatalf("IndexEntities(%s) = %v", c.ID, err)
		}
	}
}

func TestFindOpenCase(t *testing.T) {
	s := openTest(t)
	correlationFixture(t, s)

	tests := []struct {
		name   string
		keys   []string
		since  time.Time
		wantID string
		wantOK bool
	}{
		{"most shared keys wins", []string{"ip:10.0.0.5", "user:bob", "host:ws-17"},
			t0.Add(-time.Hour), "CASE-000001", true},
		{"tie goes to the latest sighting", []string{"ip:10.0.0.5"},
			t0.Add(-time.Hour), "CASE-000002", true},
		{"closed case ignored", []string{"host:ws-17"}, t0.Add(90 * time.Minute), "", false},
		{"old entities ignored", []string{"user:bob"}, t0.Add(-time.Hour), "CASE-000001", true},
		{"old entities count when in window", []string{"ip:10.0.0.5", "user:bob"},
			t0.Add(-48 * time.Hour), "CASE-000001", true},
		{"since is inclusive", []string{"ip:10.0.0.5"}, t0.Add(time.Hour), "CASE-000002", true},
		{"nothing shared", []string{"ip:192.0.2.1"}, time.Time{}, "", false},
		{"no keys", nil, time.Time{}, "", false},
		{"duplicate keys count once", []string{"ip:10.0.0.5", "ip:10.0.0.5", "ip:10.0.0.5",
			"user:bob"}, t0.Add(-48 * time.Hour), "CASE-000001", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, ok, err := s.FindOpenCase(context.Background(), tt.keys, tt.since)
			if err != nil {
				t.Fatalf("FindOpenCase() = %v", err)
			}
			if id != tt.wantID || ok != tt.wantOK {
				t.Errorf("FindOpenCase(%v, %s) = %q, %v; want %q, %v", tt.keys,
					tt.since.Format(time.RFC3339), id, ok, tt.wantID, tt.wantOK)
			}
		})
	}
}

func TestFindOpenCaseManyKeys(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	c := mustCase(t, s, Case{Title: "many"})
	other := mustCase(t, s, Case{Title: "few"})

	// More keys than one query chunk; the case sharing the keys past the
	// first chunk must still win.
	var keys []string
	for i := range 3 * keyChunk / 2 {
		keys = append(keys, "hash:"+time.Duration(i).String())
	}
	s.IndexEntities(ctx, other.ID, keys[:10], t0)
	s.IndexEntities(ctx, c.ID, keys[keyChunk-5:], t0)

	id, ok, err := s.FindOpenCase(ctx, keys, time.Time{})
	if err != nil || !ok || id != c.ID {
		t.Errorf("FindOpenCase(%d keys) = %q, %v, %v; want %s", len(keys), id, ok, err, c.ID)
	}
}

func TestIndexEntities(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	c := mustCase(t, s, Case{Title: "x"})

	for _, seen := range []time.Time{t0.Add(time.Hour), t0, t0.Add(2 * time.Hour)} {
		if err := s.IndexEntities(ctx, c.ID, []string{"ip:10.0.0.5", ""}, seen); err != nil {
			t.Fatalf("IndexEntities() = %v", err)
		}
	}
	var first, last string
	var n int
	s.DB().QueryRow(`SELECT count(*), min(first_seen), max(last_seen) FROM case_entities`).
		Scan(&n, &first, &last)
	if n != 1 || first != fmtTime(t0) || last != fmtTime(t0.Add(2*time.Hour)) {
		t.Errorf("index = %d rows, first %s, last %s; want 1 row from 09:00 to 11:00",
			n, first, last)
	}
	err := s.IndexEntities(ctx, "CASE-000404", []string{"ip:1.2.3.4"}, t0)
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("IndexEntities(unknown case) = %v, want ErrNotFound", err)
	}
}

func TestRelatedCases(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	correlationFixture(t, s)
	c3, _ := s.GetCase(ctx, "CASE-000003")
	c3.AnalystVerdict = "benign"
	s.UpdateCase(ctx, &c3)

	tests := []struct {
		name   string
		caseID string
		keys   []string
		limit  int
		want   []Related
	}{
		{"given keys", "CASE-000001", []string{"user:bob", "host:ws-17"}, 0, []Related{
			{CaseID: "CASE-000003", Title: "case C", Verdict: "benign",
				Shared: []string{"host:ws-17", "user:bob"}},
			{CaseID: "CASE-000004", Title: "case D", Verdict: "suspicious",
				Shared: []string{"user:bob"}},
		}},
		{"own keys", "CASE-000001", nil, 0, []Related{
			{CaseID: "CASE-000003", Title: "case C", Verdict: "benign",
				Shared: []string{"host:ws-17", "ip:10.0.0.5", "user:bob"}},
			{CaseID: "CASE-000004", Title: "case D", Verdict: "suspicious",
				Shared: []string{"ip:10.0.0.5", "user:bob"}},
			{CaseID: "CASE-000002", Title: "case B", Verdict: "suspicious",
				Shared: []string{"ip:10.0.0.5"}},
		}},
		{"limit", "CASE-000002", nil, 1, []Related{
			{CaseID: "CASE-000004", Title: "case D", Verdict: "suspicious",
				Shared: []string{"ip:10.0.0.5"}},
		}},
		{"none", "CASE-000001", []string{"ip:192.0.2.1"}, 0, []Related{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.RelatedCases(ctx, tt.caseID, tt.keys, tt.limit)
			if err != nil {
				t.Fatalf("RelatedCases() = %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("RelatedCases(%s, %v) (-want +got):\n%s", tt.caseID, tt.keys, diff)
			}
		})
	}
}
