package telemetry

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestBuildWhere pins the SQL a query becomes: user text only ever appears among
// the arguments, and full-text terms arrive as quoted FTS5 strings.
func TestBuildWhere(t *testing.T) {
	tests := []struct {
		query string
		where string
		args  []any
	}{
		{
			query: `"a""b" OR c* lsass`,
			where: ftsCond,
			args:  []any{`("a""b" OR "c"*) AND ("lsass")`},
		},
		{
			query: `EventID:10 -svchost`,
			where: "(" + fieldCond + " AND value = ?)) AND (NOT (" + ftsCond + "))",
			args:  []any{"eventid", "10", `"svchost"`},
		},
		{
			query: `Image:C:\Win* OR host:WS_1%*`,
			where: "(" + fieldCond + ` AND value >= ? AND value < ?) OR e.host LIKE ? ESCAPE '\')`,
			args:  []any{"image", `c:\win`, `c:\wio`, `ws\_1\%%`},
		},
		{
			query: `x:"'; DROP TABLE tel_events; --"`,
			where: "(" + fieldCond + " AND value = ?))",
			args:  []any{"x", "'; drop table tel_events; --"},
		},
		{query: "", where: "1"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			pq, err := ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			where, args := buildWhere(pq, time.Time{}, time.Time{})
			if where != tt.where {
				t.Errorf("buildWhere(%q) =\n%s\nwant\n%s", tt.query, where, tt.where)
			}
			if diff := cmp.Diff(tt.args, args); diff != "" {
				t.Errorf("buildWhere(%q) args (-want +got):\n%s", tt.query, diff)
			}
		})
	}
}

func TestProgressOfArchives(t *testing.T) {
	data := writeZip(t)
	path := filepath.Join(t.TempDir(), "bundle.zip")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var last Progress
	s := newTestStore(t, Config{})
	if _, err := s.LoadFile(context.Background(), path, func(p Progress) { last = p }); err != nil {
		t.Fatal(err)
	}

	// For a zip, progress runs over the members' uncompressed bytes.
	mordor, _ := os.Stat(mordorFile)
	zeek, _ := os.Stat(zeekFile)
	readme := int64(len("Exported from the lab SIEM.\n"))
	total := mordor.Size() + zeek.Size() + readme
	want := Progress{File: path, Bytes: total, Total: total, Events: mordorEvents + zeekEvents}
	if diff := cmp.Diff(want, last); diff != "" {
		t.Errorf("last progress (-want +got):\n%s", diff)
	}
}

func TestConcurrentLoadAndSearch(t *testing.T) {
	s := newTestStore(t, Config{BatchSize: 20})
	data := readFile(t, mordorFile)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 3 {
		wg.Go(func() {
			name := fmt.Sprintf("copy-%d.json", i)
			if _, err := s.Load(context.Background(), name, bytes.NewReader(data), nil); err != nil {
				errs <- err
			}
		})
		wg.Go(func() {
			for range 5 {
				if _, err := s.Search(context.Background(), Query{Text: "lsass"}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent use: %v", err)
	}
	assertTotal(t, s, "EventID:10 lsass", 3*2)
}

func TestNonObjectElements(t *testing.T) {
	input := `["text", null, {"ok": true}, [1]]`
	s := newTestStore(t, Config{})
	rep, err := s.Load(context.Background(), "a.json", strings.NewReader(input), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range rep.Errors {
		got = append(got, e.Err.Error())
	}
	want := []string{
		"not a JSON object (found a string)",
		"not a JSON object (found null)",
		"not a JSON object (found an array)",
	}
	if rep.Events != 1 || !cmp.Equal(want, got) {
		t.Errorf("Load = %d events, errors %q; want 1, %q", rep.Events, got, want)
	}
}
