package telemetry

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParseQuery checks that any query either fails with a *QueryError or parses to
// a query that renders and parses back the same, and that SQLite and FTS5 accept
// the SQL built from it: no user text can break out of its quoting.
func FuzzParseQuery(f *testing.F) {
	for _, seed := range []string{
		`EventID:10 lsass`, `"lsass.exe" -svchost`, `host:WS* OR source:"a b"`,
		`Image:C:\Windows\cmd.exe NOT id.orig_h:10.0.0.1`, `lsas* "x""y"*`, `a AND b OR NOT c`,
		`"unbalanced`, `NEAR(a b) ^x col:"y" {a} AND OR`, `x:* "*" - -- "-"`, `\"a\"`,
		`http://x/y?z=1 %_\ C:\a`, `'; DROP TABLE tel_events; --`, `a" OR "1"="1`,
	} {
		f.Add(seed)
	}
	s := newTestStore(f, Config{})
	if _, err := s.LoadFile(context.Background(), zeekFile, nil); err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, q string) {
		pq, err := ParseQuery(q)
		if err != nil {
			var qe *QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("ParseQuery(%q) error %T %v, want *QueryError", q, err, err)
			}
			return
		}
		if again := pq.String(); len(again) <= maxQueryBytes {
			back, err := ParseQuery(again)
			if err != nil || !cmp.Equal(pq, back) {
				t.Fatalf("ParseQuery(%q) = %+v, %v; want %+v", again, back, err, pq)
			}
		}
		if _, err := s.Search(context.Background(), Query{Text: q, Limit: 3}); err != nil {
			t.Fatalf("Search(%q) error: %v", q, err)
		}
	})
}

// FuzzLoad feeds arbitrary bytes to the loaders: nothing may panic, only the
// documented errors may end a load, and whatever is stored is a JSON object.
func FuzzLoad(f *testing.F) {
	for _, seed := range loadSeeds(f) {
		f.Add(seed)
	}
	s := newTestStore(f, Config{BatchSize: 7, MaxLineBytes: 4096})

	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := s.Load(context.Background(), "fuzz/input", bytes.NewReader(data), nil)
		if errors.Is(err, errStore) {
			t.Fatalf("Load error from the database: %v", err)
		}
		for _, e := range rep.Errors {
			if e.File == "" || e.Line < 0 || e.Err == nil {
				t.Errorf("bad LineError %+v", e)
			}
		}
		if rep.Events == 0 {
			return
		}
		res, err := s.Search(context.Background(), Query{Limit: rep.Events})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range res.Events {
			var obj map[string]any
			if err := json.Unmarshal(e.Raw, &obj); err != nil {
				t.Fatalf("stored event %s is not a JSON object: %v", e.Raw, err)
			}
		}
	})
}

func loadSeeds(f *testing.F) [][]byte {
	mordor := bytes.Join(bytes.SplitN(readFile(f, mordorFile), []byte("\n"), 4)[:3],
		[]byte("\n"))
	zeek := readFile(f, zeekFile)[:1500]
	seeds := [][]byte{
		mordor, zeek,
		[]byte("[\n{\"a\": 1},\n 2, {\"b\": [true, null, {\"c\": \"d\"}]}\n]"),
		[]byte("{\n \"TimeGenerated\": \"2021-07-20T18:57:13.4557483Z\"\n}\n{\"x\":"),
		[]byte("#separator \\x2c\n#fields,ts,a\n#types,time,set[count]\n1.5,1\\x2c2\n2,(empty)\n"),
		[]byte("{\"ts\": 1e3, \"timestamp\": \"2018-10-03T14:42:44.836744+0000\"}\n\n{]\n"),
	}

	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(mordor)
	zw.Close()
	seeds = append(seeds, gz.Bytes())

	var zb bytes.Buffer
	w := zip.NewWriter(&zb)
	m, _ := w.Create("a/conn.log")
	m.Write(zeek[:600])
	w.Close()
	return append(seeds, zb.Bytes())
}

func readFile(tb testing.TB, path string) []byte {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}
