package telemetry

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLoadFileCountsEvents(t *testing.T) {
	tests := []struct {
		name   string
		path   string
		events int
	}{
		{"mordor ndjson", mordorFile, mordorEvents},
		{"zeek conn", zeekFile, zeekEvents},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t, Config{BatchSize: 50})
			var calls []Progress
			rep, err := s.LoadFile(context.Background(), tt.path, func(p Progress) {
				calls = append(calls, p)
			})
			if err != nil {
				t.Fatalf("LoadFile(%s) error: %v", tt.path, err)
			}
			if rep.Events != tt.events || len(rep.Errors) != 0 {
				t.Errorf("LoadFile(%s) = %d events, errors %v; want %d, none",
					tt.path, rep.Events, rep.Errors, tt.events)
			}

			st, _ := os.Stat(tt.path)
			last := calls[len(calls)-1]
			want := Progress{File: tt.path, Bytes: st.Size(), Total: st.Size(), Events: tt.events}
			if diff := cmp.Diff(want, last); diff != "" {
				t.Errorf("last progress (-want +got):\n%s", diff)
			}
			// One call per committed batch of 50, then one at the end.
			if wantCalls := tt.events/50 + 1; len(calls) != wantCalls {
				t.Errorf("progress called %d times, want %d", len(calls), wantCalls)
			}
		})
	}
}

func TestLoadDerivesColumns(t *testing.T) {
	s := loadedStore(t)
	tests := []struct {
		name  string
		query string
		want  Event // Raw is checked separately
		line  []byte
	}{
		{
			name:  "sysmon time from UtcTime",
			query: `EventID:10 lsass`,
			want: Event{ID: 53, Host: "WORKSTATION5", Source: mordorSource, EventID: "10",
				Time: time.Date(2020, 10, 19, 2, 56, 14, 360e6, time.UTC)},
			line: fileLine(t, mordorFile, 53),
		},
		{
			name:  "security event falls back to TimeCreated, read as UTC",
			query: `RecordNumber:* OR FilterRTID:69895`,
			want: Event{ID: 1, Host: "WORKSTATION5", Source: mordorSource, EventID: "5156",
				Time: time.Date(2020, 10, 18, 10, 56, 18, 799e6, time.UTC)},
			line: fileLine(t, mordorFile, 1),
		},
		{
			name:  "zeek ts with microseconds, host from id.orig_h",
			query: `uid:CxXuuz2ent30eBGjwc`,
			want: Event{ID: mordorEvents + 1, Host: "192.168.1.42", Source: "conn.log",
				Time: time.Unix(1692374165, 735188000).UTC()},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := s.Search(context.Background(), Query{Text: tt.query, Limit: 1})
			if err != nil || len(res.Events) == 0 {
				t.Fatalf("Search(%q) = %+v, %v", tt.query, res, err)
			}
			got := res.Events[0]
			raw := got.Raw
			got.Raw = nil
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Search(%q) event (-want +got):\n%s", tt.query, diff)
			}
			if tt.line != nil && !bytes.Equal(raw, tt.line) {
				t.Errorf("Raw = %.80s…, want the file's line %.80s…", raw, tt.line)
			}
		})
	}
}

func TestLoadZeekJSONShape(t *testing.T) {
	s := loadedStore(t)
	_, events, err := s.SearchString(context.Background(), "uid:CFkkxy3d2YvKT8uv0a", 5,
		time.Time{}, time.Time{})
	if err != nil || len(events) != 1 {
		t.Fatalf("SearchString = %d events, %v; want 1", len(events), err)
	}
	// The unset fields (tunnel_parents) are left out; numbers keep Zeek's digits;
	// booleans are JSON booleans; the string-typed service stays one string.
	want := `{"_path":"conn","ts":1692374163.981266,"uid":"CFkkxy3d2YvKT8uv0a",` +
		`"id.orig_h":"192.168.1.42","id.orig_p":49604,"id.resp_h":"192.168.1.4",` +
		`"id.resp_p":445,"proto":"tcp","service":"krb,gssapi,smb","duration":10.784547,` +
		`"orig_bytes":0,"resp_bytes":1705,"conn_state":"OTH","local_orig":true,` +
		`"local_resp":true,"missed_bytes":0,"history":"^hda","orig_pkts":0,` +
		`"orig_ip_bytes":0,"resp_pkts":10,"resp_ip_bytes":2117}`
	if got := string(events[0]); got != want {
		t.Errorf("zeek event =\n%s\nwant\n%s", got, want)
	}
}

func TestZeekValues(t *testing.T) {
	log := "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n" +
		"#path\tdns\n#fields\tts\tquery\tanswers\tTTLs\trejected\tnote\n" +
		"#types\ttime\tstring\tvector[string]\tvector[interval]\tbool\tstring\n" +
		"1692374165.5\tevil\\x09tab.example\t1.2.3.4,5.6.7.8\t60.0,(empty)\tF\t(empty)\n" +
		"1692374166\t-\t(empty)\t-\tT\tback\\\\slash\n" +
		"1692374167\tshort line\n"
	s := newTestStore(t, Config{})
	rep, err := s.Load(context.Background(), "dns.log", strings.NewReader(log), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) != 1 || rep.Errors[0].Line != 10 {
		t.Fatalf("Load errors = %v, want one at line 10", rep.Errors)
	}

	_, events, err := s.SearchString(context.Background(), "", 10, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"_path":"dns","ts":1692374166,"answers":[],"rejected":true,"note":"back\\slash"}`,
		`{"_path":"dns","ts":1692374165.5,"query":"evil\ttab.example",` +
			`"answers":["1.2.3.4","5.6.7.8"],"TTLs":[60.0,"(empty)"],"rejected":false,"note":""}`,
	}
	var got []string
	for _, e := range events {
		got = append(got, string(e))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("zeek events (-want +got):\n%s", diff)
	}
}

func TestLoadKeepsGoodLines(t *testing.T) {
	input := strings.Join([]string{
		`{"EventID":4624,"Hostname":"DC1","TargetUserName":"alice"}`,
		`{"EventID":4625,"Hostname":"DC1","TargetUserName":`, // cut off
		`[1,2,3]`,
		``,
		`{"EventID":4625,"Hostname":"DC1","TargetUserName":"` + strings.Repeat("b", 300) + `"}`,
		`{"EventID":4624,"Hostname":"DC1","TargetUserName":"carol"} trailing`,
		`{"EventID":4634,"Hostname":"DC1","TargetUserName":"dave"}`,
	}, "\r\n")
	s := newTestStore(t, Config{MaxLineBytes: 200})
	rep, err := s.Load(context.Background(), "security.json", strings.NewReader(input), nil)
	if err != nil {
		t.Fatalf("Load error: %v", err)
	}
	if rep.Events != 2 {
		t.Errorf("Load stored %d events, want 2 (lines 1 and 7)", rep.Events)
	}

	var got []string
	for _, e := range rep.Errors {
		got = append(got, e.Error())
	}
	want := []string{
		"security.json:2: invalid JSON: unexpected end of JSON input",
		"security.json:3: not a JSON object (found an array)",
		"security.json:5: line too long: over 200 bytes, skipped",
		"security.json:6: invalid JSON: invalid character 't' after top-level value",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Load errors (-want +got):\n%s", diff)
	}
	if !errors.Is(rep.Errors[2], ErrLineTooLong) {
		t.Errorf("errors.Is(%v, ErrLineTooLong) = false, want true", rep.Errors[2])
	}

	res, err := s.Search(context.Background(), Query{Text: "TargetUserName:alice OR dave"})
	if err != nil || res.Total != 2 {
		t.Errorf("Search(alice OR dave) = %d, %v; want 2", res.Total, err)
	}
}

func TestLoadCapsErrorList(t *testing.T) {
	input := strings.Repeat("{broken\n", maxLineErrors+5) + `{"ok":1}` + "\n"
	s := newTestStore(t, Config{})
	rep, err := s.Load(context.Background(), "junk.json", strings.NewReader(input), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Events != 1 || len(rep.Errors) != maxLineErrors+1 {
		t.Fatalf("Load = %d events, %d errors; want 1, %d", rep.Events, len(rep.Errors),
			maxLineErrors+1)
	}
	last := rep.Errors[maxLineErrors]
	if !errors.Is(last, ErrTooManyErrors) || !strings.Contains(last.Error(), "5 more") {
		t.Errorf("last error = %v, want ErrTooManyErrors with 5 more", last)
	}
}

func TestLoadJSONDocuments(t *testing.T) {
	tests := []struct {
		name   string
		input  string
		events int
		errs   []string
	}{
		{
			name: "pretty array with a bad element",
			input: "[\n  {\"EventID\": 1,\n   \"Hostname\": \"WS1\"},\n  42,\n" +
				"  {\"EventID\": 3}\n]\n",
			events: 2,
			errs:   []string{"doc.json:4: not a JSON object (found a scalar)"},
		},
		{
			name:   "single pretty object",
			input:  "\n\n{\n  \"EventID\": 4688,\n  \"Computer\": \"SRV\"\n}\n",
			events: 1,
		},
		{
			name:   "cut-off first line of NDJSON",
			input:  "{\"a\":\n{\"b\":2}\n{\"c\":3}\n",
			events: 2,
			errs:   []string{"doc.json:1: invalid JSON: unexpected end of JSON input"},
		},
		{
			name:   "concatenated pretty objects",
			input:  "{\n\"a\": 1\n}\n{\n\"b\": 2\n}",
			events: 2,
		},
		{
			name:   "array cut short keeps the elements before",
			input:  "[{\"a\":1},\n{\"b\":2},\n{\"c\":",
			events: 2,
			errs: []string{"doc.json:3: invalid JSON, rest of input skipped: " +
				"unexpected EOF"},
		},
		{
			name:   "garbage after the array",
			input:  "[{\"a\":1}]\n{\"b\":2}",
			events: 1,
			errs: []string{"doc.json:2: unexpected { after the JSON value; " +
				"rest of input skipped"},
		},
		{
			name:   "byte order mark",
			input:  "\xEF\xBB\xBF{\"a\":1}\n",
			events: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t, Config{})
			rep, err := s.Load(context.Background(), "doc.json", strings.NewReader(tt.input), nil)
			if err != nil {
				t.Fatalf("Load error: %v", err)
			}
			var errs []string
			for _, e := range rep.Errors {
				errs = append(errs, e.Error())
			}
			if rep.Events != tt.events || !cmp.Equal(errs, tt.errs) {
				t.Errorf("Load = %d events, errors %q; want %d, %q", rep.Events, errs,
					tt.events, tt.errs)
			}
		})
	}
}

func TestLoadKeepsBigIntegers(t *testing.T) {
	input := `{"RecordNumber":9007199254740993,"Hostname":"WS1","Value":1.50}` + "\n"
	s := newTestStore(t, Config{})
	_, err := s.Load(context.Background(), "big.json", strings.NewReader(input), nil)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		query string
		want  int
	}{
		{"RecordNumber:9007199254740993", 1},
		{"RecordNumber:9007199254740992", 0}, // the float64 neighbour
		{"Value:1.50", 1},
	}
	for _, tt := range tests {
		res, err := s.Search(context.Background(), Query{Text: tt.query})
		if err != nil || res.Total != tt.want {
			t.Errorf("Search(%s) = %d, %v; want %d", tt.query, res.Total, err, tt.want)
		}
	}
	res, _ := s.Search(context.Background(), Query{})
	if got := string(res.Events[0].Raw); got != strings.TrimSpace(input) {
		t.Errorf("Raw = %s, want %s", got, input)
	}
}

func TestLoadTwiceStoresOnce(t *testing.T) {
	s := newTestStore(t, Config{})
	for i, want := range []int{mordorEvents, 0} {
		rep, err := s.LoadFile(context.Background(), mordorFile, nil)
		if err != nil || rep.Events != want {
			t.Errorf("load %d: LoadFile = %d events, %v; want %d", i+1, rep.Events, err, want)
		}
	}
	res, err := s.Search(context.Background(), Query{})
	if err != nil || res.Total != mordorEvents {
		t.Errorf("Search() total = %d, %v; want %d", res.Total, err, mordorEvents)
	}
}

// writeZip builds an archive of the two test files, a text file and a folder.
func writeZip(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	members := map[string]string{
		"windows/" + mordorSource: mordorFile,
		"zeek/conn.log":           zeekFile,
	}
	for name, path := range members {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		w, _ := zw.Create(name)
		w.Write(data)
	}
	w, _ := zw.Create("README.txt")
	w.Write([]byte("Exported from the lab SIEM.\n"))
	zw.Create("empty-folder/")
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestLoadZip(t *testing.T) {
	data := writeZip(t)
	path := filepath.Join(t.TempDir(), "bundle.zip")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}

	loaders := map[string]func(*Store) (LoadReport, error){
		"file": func(s *Store) (LoadReport, error) {
			return s.LoadFile(context.Background(), path, nil)
		},
		"reader": func(s *Store) (LoadReport, error) {
			return s.Load(context.Background(), "bundle.zip", bytes.NewReader(data), nil)
		},
	}
	for name, load := range loaders {
		t.Run(name, func(t *testing.T) {
			s := newTestStore(t, Config{})
			rep, err := load(s)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Events != mordorEvents+zeekEvents {
				t.Errorf("Load(zip) = %d events, want %d", rep.Events, mordorEvents+zeekEvents)
			}
			if len(rep.Errors) != 1 || !errors.Is(rep.Errors[0], ErrUnknownFormat) ||
				!strings.HasSuffix(rep.Errors[0].File, "bundle.zip/README.txt") {
				t.Errorf("Load(zip) errors = %v, want README.txt unknown format", rep.Errors)
			}
			assertTotal(t, s, "source:bundle.zip/conn.log id.orig_h:192.168.1.42", 114)
			assertTotal(t, s, "source:bundle.zip/"+mordorSource+" EventID:10 lsass", 2)
		})
	}
}

func TestLoadGzip(t *testing.T) {
	data, err := os.ReadFile(zeekFile)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	zw.Close()

	s := newTestStore(t, Config{})
	rep, err := s.Load(context.Background(), "/var/log/zeek/conn.log.gz", &buf, nil)
	if err != nil || rep.Events != zeekEvents {
		t.Fatalf("Load(gz) = %d events, %v; want %d", rep.Events, err, zeekEvents)
	}
	assertTotal(t, s, "source:conn.log", zeekEvents)
}

func TestLoadRejectsUnknownFormat(t *testing.T) {
	s := newTestStore(t, Config{})
	rep, err := s.Load(context.Background(), "notes.txt",
		strings.NewReader("\n  Dear analyst,\nplease look.\n"), nil)
	if !errors.Is(err, ErrUnknownFormat) || rep.Events != 0 {
		t.Errorf("Load(text) = %d events, %v; want 0, ErrUnknownFormat", rep.Events, err)
	}
	if err != nil && !strings.Contains(err.Error(), `line 2 starts with 'D'`) {
		t.Errorf("Load(text) error = %v, want it to name line 2", err)
	}
}

func TestLoadFileErrors(t *testing.T) {
	s := newTestStore(t, Config{})
	for _, path := range []string{"testdata/zeek", "testdata/no-such-file.json"} {
		rep, err := s.LoadFile(context.Background(), path, nil)
		if err == nil || rep.Events != 0 || rep.File != path {
			t.Errorf("LoadFile(%s) = %+v, %v; want an error", path, rep, err)
		}
	}
}

func TestLoadEmptyInput(t *testing.T) {
	s := newTestStore(t, Config{})
	rep, err := s.Load(context.Background(), "empty.json", strings.NewReader(" \n\n"), nil)
	if err != nil || rep.Events != 0 || len(rep.Errors) != 0 {
		t.Errorf("Load(blank) = %+v, %v; want nothing", rep, err)
	}
}

func TestLoadStopsWhenCancelled(t *testing.T) {
	s := newTestStore(t, Config{BatchSize: 10})
	ctx, cancel := context.WithCancel(context.Background())
	rep, err := s.LoadFile(ctx, mordorFile, func(p Progress) {
		if p.Events >= 20 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("LoadFile error = %v, want context.Canceled", err)
	}
	if rep.Events < 20 || rep.Events >= mordorEvents {
		t.Errorf("LoadFile stored %d events, want the committed batches only", rep.Events)
	}
}

func TestLoadDoesNotLogEventContent(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := newTestStore(t, Config{Logger: logger})
	input := `{"CommandLine":"net user admin Hunter2secret /add"}` + "\n{bad\n"
	_, err := s.Load(context.Background(), "cmd.json", strings.NewReader(input), nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "Hunter2secret") {
		t.Errorf("log holds event content: %s", logs.String())
	}
	var line map[string]any
	err = json.Unmarshal(logs.Bytes(), &line)
	if err != nil || line["msg"] != "telemetry loaded" || line["events"] != 1.0 ||
		line["bad_lines"] != 1.0 || line["component"] != "telemetry" {
		t.Errorf("log line = %s, want telemetry loaded with events 1, bad_lines 1", logs.String())
	}
}

func TestNewValidatesConfig(t *testing.T) {
	db := openDB(t)
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no database", Config{}},
		{"negative batch", Config{DB: db, BatchSize: -1}},
		{"negative line limit", Config{DB: db, MaxLineBytes: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(context.Background(), tt.cfg); err == nil {
				t.Errorf("New(%+v) error = nil, want one", tt.cfg)
			}
		})
	}
	// Creating the tables twice is fine: New runs at every start.
	for range 2 {
		if _, err := New(context.Background(), Config{DB: db}); err != nil {
			t.Errorf("New twice: %v", err)
		}
	}
}

func assertTotal(t *testing.T, s *Store, query string, want int) {
	t.Helper()
	res, err := s.Search(context.Background(), Query{Text: query})
	if err != nil || res.Total != want {
		t.Errorf("Search(%s) total = %d, %v; want %d", query, res.Total, err, want)
	}
}
