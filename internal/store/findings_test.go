package store

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/conductor-sec/conductor/internal/finding"
)

func TestPutFindingsDedupe(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()

	first, err := s.PutFindings(ctx, []finding.Finding{alert(1), alert(2), alert(1)})
	if err != nil {
		t.Fatalf("PutFindings() = %v", err)
	}
	second, err := s.PutFindings(ctx, []finding.Finding{alert(2), alert(3)})
	if err != nil {
		t.Fatalf("PutFindings() = %v", err)
	}

	want := []IngestResult{
		{FindingID: "FND-000001", Count: 1},
		{FindingID: "FND-000002", Count: 1},
		{FindingID: "FND-000001", Duplicate: true, Count: 2},
		{FindingID: "FND-000002", Duplicate: true, Count: 2},
		{FindingID: "FND-000003", Count: 1},
	}
	if diff := cmp.Diff(want, append(first, second...)); diff != "" {
		t.Errorf("ingest results (-want +got):\n%s", diff)
	}

	var rows, count int
	var firstSeen, lastSeen string
	err = s.DB().QueryRow(`SELECT (SELECT count(*) FROM findings), count, first_seen,
		last_seen FROM findings WHERE num = 1`).Scan(&rows, &count, &firstSeen, &lastSeen)
	if err != nil {
		t.Fatalf("reading finding row: %v", err)
	}
	if rows != 3 || count != 2 {
		t.Errorf("findings table has %d rows and count %d, want 3 rows, count 2", rows, count)
	}
	// The fake clock gives each batch its own second; the migration took
	// 09:00:00, and both copies of alert 1 came in the first batch.
	if firstSeen != "2026-03-01T09:00:01.000000000Z" || lastSeen != firstSeen {
		t.Errorf("first_seen, last_seen = %s, %s; want both at 09:00:01", firstSeen, lastSeen)
	}
	s.DB().QueryRow(`SELECT last_seen FROM findings WHERE num = 2`).Scan(&lastSeen)
	if lastSeen != "2026-03-01T09:00:02.000000000Z" {
		t.Errorf("last_seen of FND-000002 = %s, want the second batch, 09:00:02", lastSeen)
	}
}

func TestPutFindingsSameRawOtherSource(t *testing.T) {
	s := openTest(t)
	a, b := alert(1), alert(1)
	b.Source = "generic"

	got, err := s.PutFindings(context.Background(), []finding.Finding{a, b})
	if err != nil {
		t.Fatalf("PutFindings() = %v", err)
	}
	if got[1].Duplicate || got[1].FindingID != "FND-000002" {
		t.Errorf("second result = %+v, want a new finding FND-000002", got[1])
	}
}

func TestRawRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		raw  []byte
	}{
		{"json", []byte(`{"event_type":"alert","src_ip":"203.0.113.9"}`)},
		{"invalid utf8", []byte{'a', 0xff, 0xfe, 'b', 0xc3, 0x28}},
		{"nul bytes", []byte("line1\x00line2\x00\x00")},
		{"crlf and trailing space", []byte("Subject: hi\r\n\r\nbody \r\n ")},
		{"only nul", []byte{0}},
		{"all bytes", allBytes()},
		{"large", bytes.Repeat([]byte("0123456789abcdef\x00\xff"), 40000)},
	}
	s := openTest(t)
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := alert(1)
			f.Raw = tt.raw
			f.Title = "title with \xff invalid"
			res, err := s.PutFindings(ctx, []finding.Finding{f})
			if err != nil {
				t.Fatalf("PutFindings() = %v", err)
			}

			got, err := s.GetFinding(ctx, res[0].FindingID)
			if err != nil {
				t.Fatalf("GetFinding(%s) = %v", res[0].FindingID, err)
			}
			if !bytes.Equal(got.Raw, tt.raw) {
				t.Errorf("GetFinding(%s).Raw = %q, want %q", res[0].FindingID, got.Raw, tt.raw)
			}
		})
	}
}

func allBytes() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func TestGetFindingFields(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	f := alert(7)
	f.ID = "ignored"
	f.Labels = map[string]string{"category": "Attempted Information Leak"}
	f.Email = &finding.Email{Subject: "Invoice", From: finding.Address{Address: "a@example.com"}}

	res, err := s.PutFindings(ctx, []finding.Finding{f})
	if err != nil {
		t.Fatalf("PutFindings() = %v", err)
	}
	got, err := s.GetFinding(ctx, res[0].FindingID)
	if err != nil {
		t.Fatalf("GetFinding() = %v", err)
	}

	f.ID = "FND-000001"
	if diff := cmp.Diff(f, got); diff != "" {
		t.Errorf("GetFinding() (-want +got):\n%s", diff)
	}
}

func TestGetFindingNotFound(t *testing.T) {
	s := openTest(t)
	for _, id := range []string{"FND-000009", "FND-9", "FND-", "CASE-000001", "", "FND-x"} {
		t.Run(id, func(t *testing.T) {
			if _, err := s.GetFinding(context.Background(), id); !errors.Is(err, ErrNotFound) {
				t.Errorf("GetFinding(%q) = %v, want ErrNotFound", id, err)
			}
		})
	}
}

func TestEmptyRaw(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	f := alert(1)
	f.Raw = nil

	res, err := s.PutFindings(ctx, []finding.Finding{f, f})
	if err != nil {
		t.Fatalf("PutFindings() = %v", err)
	}
	if !res[1].Duplicate {
		t.Errorf("second empty-raw finding = %+v, want a duplicate", res[1])
	}
	got, _ := s.GetFinding(ctx, res[0].FindingID)
	if got.Raw != nil {
		t.Errorf("GetFinding().Raw = %q, want nil", got.Raw)
	}
}

func TestAttachAndCaseFindings(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	res, err := s.PutFindings(ctx, []finding.Finding{alert(3), alert(1), alert(2)})
	if err != nil {
		t.Fatalf("PutFindings() = %v", err)
	}
	c := mustCase(t, s, Case{Title: "scan"})
	ids := []string{res[0].FindingID, res[1].FindingID, res[2].FindingID, res[0].FindingID}
	if err := s.AttachFindings(ctx, c.ID, ids); err != nil {
		t.Fatalf("AttachFindings() = %v", err)
	}

	fs, err := s.CaseFindings(ctx, c.ID)
	if err != nil {
		t.Fatalf("CaseFindings() = %v", err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, f.ID)
	}
	// Oldest event first: alert(1) is the earliest.
	want := []string{"FND-000002", "FND-000003", "FND-000001"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CaseFindings() ids (-want +got):\n%s", diff)
	}
	if c2, _ := s.GetCase(ctx, c.ID); c2.FindingCount != 3 {
		t.Errorf("FindingCount = %d, want 3", c2.FindingCount)
	}
}

func TestAttachFindingsNotFound(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	res, _ := s.PutFindings(ctx, []finding.Finding{alert(1)})
	c := mustCase(t, s, Case{Title: "x"})

	tests := []struct {
		name, caseID string
		ids          []string
	}{
		{"unknown case", "CASE-000099", []string{res[0].FindingID}},
		{"unknown finding", c.ID, []string{res[0].FindingID, "FND-000042"}},
		{"not a finding id", c.ID, []string{"ACT-000001"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.AttachFindings(ctx, tt.caseID, tt.ids)
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("AttachFindings(%s, %v) = %v, want ErrNotFound", tt.caseID, tt.ids, err)
			}
		})
	}
	// A failed batch attaches nothing.
	if fs, _ := s.CaseFindings(ctx, c.ID); len(fs) != 0 {
		t.Errorf("CaseFindings() after failed attach = %d findings, want 0", len(fs))
	}
}
