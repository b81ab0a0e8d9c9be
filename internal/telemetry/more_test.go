package telemetry

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAppendJSONString(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{`plain`, `"plain"`},
		{`say "hi" \ there`, `"say \"hi\" \\ there"`},
		{"tab\there\nnew\rline", `"tab\there\nnew\rline"`},
		{"bell\x07 nul\x00", `"bell\u0007 nul\u0000"`},
		{"<script>&amp;", `"<script>&amp;"`},
		{"héllo ✓ 𝄞", `"héllo ✓ 𝄞"`},
		{"bad \xff byte", `"bad \ufffd byte"`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			var b bytes.Buffer
			appendJSONString(&b, tt.in)
			if b.String() != tt.want {
				t.Errorf("appendJSONString(%q) = %s, want %s", tt.in, b.String(), tt.want)
			}
			var back string
			if err := json.Unmarshal(b.Bytes(), &back); err != nil {
				t.Errorf("appendJSONString(%q) = %s, not JSON: %v", tt.in, b.String(), err)
			}
		})
	}
}

func TestZeekHeaders(t *testing.T) {
	tests := []struct {
		name   string
		log    string
		want   []string // raw events, oldest first
		errors []string
	}{
		{
			name: "data before the header",
			log:  "#path\tconn\n1.0\tx\n#fields\tts\tuid\n2.0\ty\n",
			want: []string{`{"_path":"conn","ts":"2.0","uid":"y"}`},
			errors: []string{
				"z.log:2: zeek data line before a #fields header",
			},
		},
		{
			name: "two logs in one file",
			log: "#fields\tts\tquery\n#types\ttime\tstring\n1.0\ta.example\n#close\t-\n" +
				"#path\thttp\n#fields\tts\thost\tstatus_code\n#types\ttime\tstring\tcount\n" +
				"2.0\tb.example\t200\n",
			want: []string{
				`{"ts":1.0,"query":"a.example"}`,
				`{"_path":"http","ts":2.0,"host":"b.example","status_code":200}`,
			},
		},
		{
			name: "comma separator, other unset and empty marks",
			log: "#separator \\x2c\n#set_separator,|\n#unset_field,NA\n#empty_field,EMPTY\n" +
				"#fields,ts,tags,note\n#types,time,set[string],string\n" +
				"3.5,a|b\\x2cc,NA\n4,EMPTY,EMPTY\n",
			want: []string{
				`{"ts":3.5,"tags":["a","b,c"]}`,
				`{"ts":4,"tags":[],"note":""}`,
			},
		},
		{
			name: "numbers that are not numbers stay strings",
			log:  "#fields\tts\tn\tok\n#types\ttime\tcount\tbool\n5\tnan\tmaybe\n",
			want: []string{`{"ts":5,"n":"nan","ok":"maybe"}`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t, Config{})
			rep, err := s.Load(context.Background(), "z.log", strings.NewReader(tt.log), nil)
			if err != nil {
				t.Fatal(err)
			}
			var errs []string
			for _, e := range rep.Errors {
				errs = append(errs, e.Error())
			}
			if diff := cmp.Diff(tt.errors, errs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, storedOldestFirst(t, s)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

// storedOldestFirst returns every stored event's raw JSON in load order.
func storedOldestFirst(t *testing.T, s *Store) []string {
	t.Helper()
	rows, err := s.db.Query(`SELECT raw FROM tel_events ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		out = append(out, raw)
	}
	return out
}

func TestLoadNestedArchives(t *testing.T) {
	var gz bytes.Buffer
	gw := gzip.NewWriter(&gz)
	gw.Write([]byte(`{"a":1}` + "\n"))
	gw.Close()

	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.Create("inner.json.gz")
	w.Write(gz.Bytes())
	w, _ = zw.Create("plain.json")
	w.Write([]byte(`{"b":2}` + "\n"))
	zw.Close()

	s := newTestStore(t, Config{})
	rep, err := s.Load(context.Background(), "outer.zip", bytes.NewReader(zb.Bytes()), nil)
	if err != nil || rep.Events != 1 {
		t.Fatalf("Load(zip with gz) = %d events, %v; want 1", rep.Events, err)
	}
	if len(rep.Errors) != 1 || rep.Errors[0].Error() !=
		"outer.zip/inner.json.gz:0: unknown telemetry format: nested archive" {
		t.Errorf("Load(zip with gz) errors = %v, want the nested archive named", rep.Errors)
	}

	var gzZip bytes.Buffer
	gw = gzip.NewWriter(&gzZip)
	gw.Write(zb.Bytes())
	gw.Close()
	_, err = s.Load(context.Background(), "outer.zip.gz", &gzZip, nil)
	if !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("Load(gz with zip) error = %v, want ErrUnknownFormat", err)
	}
}

func TestLoadKeepsCommittedBatchesWhenTheDatabaseFails(t *testing.T) {
	s := newTestStore(t, Config{BatchSize: 10})
	// The 25th event's host makes SQLite refuse the third batch.
	_, err := s.db.Exec(`CREATE TRIGGER fail_on_boom BEFORE INSERT ON tel_events
		WHEN NEW.host = 'BOOM' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for i := 1; i <= 40; i++ {
		host := "WS1"
		if i == 25 {
			host = "BOOM"
		}
		lines = append(lines, fmt.Sprintf(`{"Hostname":%q,"n":%d}`, host, i))
	}

	rep, err := s.Load(context.Background(), "x.json",
		strings.NewReader(strings.Join(lines, "\n")), nil)
	if err == nil || !strings.Contains(err.Error(), "storing events: inserting event") ||
		!strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("Load error = %v, want the database error", err)
	}
	if rep.Events != 20 {
		t.Errorf("Load stored %d events, want the 20 of the first two batches", rep.Events)
	}
	assertTotal(t, s, "", 20)
	assertTotal(t, s, "n:20", 1) // the FTS and field rows of committed batches are there
	assertTotal(t, s, "n:21", 0) // and nothing of the failed one
}

func TestSearchUnknownColumnTermMatchesNothing(t *testing.T) {
	// ParseQuery never makes one, but a hand-built Term must not reach SQL as a name.
	cond, args := termSQL(Term{Kind: TermColumn, Field: "raw; DROP TABLE tel_events"})
	if cond != "0" || args != nil {
		t.Errorf("termSQL(bad column) = %q, %v; want 0", cond, args)
	}
}

func TestSearchEmptyStore(t *testing.T) {
	s := newTestStore(t, Config{})
	res, err := s.Search(context.Background(), Query{Text: "lsass", Since: time.Unix(0, 0)})
	if err != nil || res.Total != 0 || res.Events != nil {
		t.Errorf("Search(empty store) = %+v, %v; want nothing", res, err)
	}
}
