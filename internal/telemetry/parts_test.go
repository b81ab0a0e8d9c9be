package telemetry

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2020-08-07T15:04:11.373Z", time.Date(2020, 8, 7, 15, 4, 11, 373e6, time.UTC)},
		{"2020-10-19 02:56:14.360", time.Date(2020, 10, 19, 2, 56, 14, 360e6, time.UTC)},
		{"2021-07-20T18:57:13.4557483Z", time.Date(2021, 7, 20, 18, 57, 13, 455748300, time.UTC)},
		{"2018-10-03T14:42:44.836744+0000", time.Date(2018, 10, 3, 14, 42, 44, 836744e3, time.UTC)},
		{"2018-10-03T16:42:44+02:00", time.Date(2018, 10, 3, 14, 42, 44, 0, time.UTC)},
		{"2020-10-18 10:56:18", time.Date(2020, 10, 18, 10, 56, 18, 0, time.UTC)},
		{"2020-10-18T10:56:18", time.Date(2020, 10, 18, 10, 56, 18, 0, time.UTC)},
		{"1692374165.735188", time.Date(2023, 8, 18, 15, 56, 5, 735188e3, time.UTC)},
		{"1692374165", time.Date(2023, 8, 18, 15, 56, 5, 0, time.UTC)},
		{"1692374165735", time.Date(2023, 8, 18, 15, 56, 5, 735e6, time.UTC)},
		{"1692374165735188", time.Date(2023, 8, 18, 15, 56, 5, 735188e3, time.UTC)},
		{"1692374165735188123", time.Date(2023, 8, 18, 15, 56, 5, 735188123, time.UTC)},
		{"1.692374165e9", time.Date(2023, 8, 18, 15, 56, 5, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseTime(tt.in)
			if !ok || !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("parseTime(%q) = %v, %v; want %v", tt.in, got, ok, tt.want)
			}
		})
	}

	for _, bad := range []string{"", "yesterday", "-5", "99999999999999999999", "1e300",
		"3000-01-01T00:00:00Z", "2020-13-01 00:00:00", "0x10"} {
		if got, ok := parseTime(bad); ok {
			t.Errorf("parseTime(%q) = %v, want no time", bad, got)
		}
	}
}

func TestTimeFieldOrder(t *testing.T) {
	// @timestamp wins over UtcTime; an unreadable first candidate falls through.
	input := `{"UtcTime":"2020-10-19 02:56:14.360","@timestamp":"2020-10-19T02:56:15.000Z"}
{"@timestamp":"not a time","EventTime":"2020-10-18 19:56:14"}
{"Message":"no time at all"}
`
	s := newTestStore(t, Config{})
	if _, err := s.Load(context.Background(), "t.json", strings.NewReader(input), nil); err != nil {
		t.Fatal(err)
	}
	res, err := s.Search(context.Background(), Query{})
	if err != nil || len(res.Events) != 3 {
		t.Fatalf("Search = %+v, %v", res, err)
	}
	want := []time.Time{
		time.Date(2020, 10, 19, 2, 56, 15, 0, time.UTC),
		time.Date(2020, 10, 18, 19, 56, 14, 0, time.UTC),
		{}, // unknown times sort last
	}
	for i, e := range res.Events {
		if !e.Time.Equal(want[i]) {
			t.Errorf("event %d time = %v, want %v", e.ID, e.Time, want[i])
		}
	}
}

func TestDerivedHostAndType(t *testing.T) {
	input := `{"host":{"name":"web-1"},"event":{"code":"4624","action":"logon"}}
{"Computer":"ADFS01.theshire.local","EventID":412}
{"DeviceName":"ws7","ActionType":"LdapSearch"}
{"host.name":"flat-dotted","eventName":"GetObject"}
`
	s := newTestStore(t, Config{})
	if _, err := s.Load(context.Background(), "h.json", strings.NewReader(input), nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query   string
		host    string
		eventID string
	}{
		{"host:web-1 event_id:4624 event_type:logon", "web-1", "4624"},
		{"host:ADFS01.theshire.local event_id:412", "ADFS01.theshire.local", "412"},
		{"host:ws7 event_type:LdapSearch", "ws7", ""},
		{"host:flat-dotted event_type:getobject", "flat-dotted", ""},
	}
	for _, tt := range tests {
		res, err := s.Search(context.Background(), Query{Text: tt.query})
		if err != nil || res.Total != 1 {
			t.Errorf("Search(%s) = %d, %v; want 1", tt.query, res.Total, err)
			continue
		}
		if e := res.Events[0]; e.Host != tt.host || e.EventID != tt.eventID {
			t.Errorf("Search(%s) = host %q id %q, want %q %q", tt.query, e.Host, e.EventID,
				tt.host, tt.eventID)
		}
	}
}

func TestLongFieldValues(t *testing.T) {
	long := strings.Repeat("powershell -enc AAAA", 20) // 400 bytes
	input := `{"CommandLine":"` + long + `"}` + "\n" +
		`{"CommandLine":"` + long[:300] + `"}` + "\n" +
		`{"CommandLine":"` + strings.Repeat("é", 200) + `"}` + "\n"
	s := newTestStore(t, Config{})
	_, err := s.Load(context.Background(), "long.json", strings.NewReader(input), nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query string
		want  int
	}{
		{`CommandLine:"` + long[:100] + `"*`, 2},
		// Past 256 bytes only the indexed prefix is compared: both long values match.
		{`CommandLine:"` + long + `"`, 2},
		{`CommandLine:"` + long[:255] + `"`, 0},
		{`CommandLine:"` + strings.Repeat("É", 200) + `"`, 1},
		{`CommandLine:` + strings.Repeat("É", 150) + `*`, 1},
	}
	for _, tt := range tests {
		res, err := s.Search(context.Background(), Query{Text: tt.query})
		if err != nil || res.Total != tt.want {
			t.Errorf("Search(%.40s…) = %d, %v; want %d", tt.query, res.Total, err, tt.want)
		}
	}
}

func TestLineReader(t *testing.T) {
	input := "short\r\n" + strings.Repeat("x", 40) + "\nnext\n" + strings.Repeat("y", 50)
	lr := newLineReader(bufio.NewReaderSize(strings.NewReader(input), 16), 32, 1)
	type result struct {
		line int
		text string
		err  error
	}
	var got []result
	for {
		text, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		got = append(got, result{lr.line, string(text), err})
	}
	if len(got) != 4 || got[0].text != "short" || got[2].text != "next" ||
		!errors.Is(got[1].err, ErrLineTooLong) || !errors.Is(got[3].err, ErrLineTooLong) ||
		got[3].line != 4 {
		t.Errorf("lines = %+v, want short, too long, next, too long at line 4", got)
	}
}

func TestLoadTruncatedGzipKeepsEvents(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(readFile(t, mordorFile))
	zw.Close()
	cut := buf.Bytes()[:buf.Len()/2]

	s := newTestStore(t, Config{})
	rep, err := s.Load(context.Background(), "sysmon.json.gz", bytes.NewReader(cut), nil)
	if err != nil {
		t.Fatalf("Load(cut gzip) error: %v", err)
	}
	if rep.Events == 0 || rep.Events >= mordorEvents {
		t.Errorf("Load(cut gzip) = %d events, want some but not all", rep.Events)
	}
	if len(rep.Errors) != 1 || !errors.Is(rep.Errors[0], io.ErrUnexpectedEOF) ||
		rep.Errors[0].Line != rep.Events+1 {
		t.Errorf("Load(cut gzip) errors = %v, want unexpected EOF at line %d", rep.Errors,
			rep.Events+1)
	}
}
