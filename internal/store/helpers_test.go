package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/conductor-sec/conductor/internal/finding"
)

// t0 is the start of every fake clock.
var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// fakeClock starts at t0 and moves one second each time it is read, so stored
// times are predictable and distinct.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.t
	c.t = c.t.Add(time.Second)
	return now
}

// openAt opens a store at path with a fake clock and closes it when the test
// ends.
func openAt(t testing.TB, path string) *Store {
	t.Helper()
	clock := &fakeClock{t: t0}
	s, err := Open(context.Background(), path, Options{Clock: clock.Now})
	if err != nil {
		t.Fatalf("Open(%s) = %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// openTest opens a fresh store in a temporary directory.
func openTest(t testing.TB) *Store {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "conductor.db"))
}

// alert builds a finding whose raw record is derived from n.
func alert(n int) finding.Finding {
	f := finding.Finding{
		Source:        "suricata",
		RuleID:        fmt.Sprintf("2%06d", n%1000),
		Time:          t0.Add(time.Duration(n) * time.Millisecond),
		Title:         "ET SCAN Potential SSH Scan",
		Severity:      finding.SeverityMedium,
		SeverityScore: 50,
		Techniques:    []string{"T1046"},
		Raw: []byte(fmt.Sprintf(`{"timestamp":"2026-03-01T09:00:00Z","flow_id":%d,`+
			`"src_ip":"10.0.0.%d","dest_ip":"192.0.2.7","alert":{"signature_id":2001219}}`,
			n, n%250)),
	}
	f.Add(finding.KindIP, fmt.Sprintf("10.0.0.%d", n%250), "src", finding.OriginField)
	f.Add(finding.KindIP, "192.0.2.7", "dst", finding.OriginField)
	return f
}

func mustCase(t testing.TB, s *Store, c Case) Case {
	t.Helper()
	if err := s.CreateCase(context.Background(), &c); err != nil {
		t.Fatalf("CreateCase(%q) = %v", c.Title, err)
	}
	return c
}
