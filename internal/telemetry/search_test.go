package telemetry

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Expected counts were worked out from the test files with jq, awk and a tokenizer
// that splits on everything but letters and digits, as FTS5's unicode61 does.
func TestSearchCounts(t *testing.T) {
	s := loadedStore(t)
	tests := []struct {
		query string
		want  int
	}{
		{"", mordorEvents + zeekEvents},
		{"EventID:10 lsass", 2},
		{"lsass", 18},
		{"LSASS", 18},
		{`"lsass.exe"`, 18},
		{"lsas*", 18},
		{"lsas", 0},
		{"EventID:10", 44},
		{"event_id:10", 44},
		{"EventID:10 OR EventID:1", 45},
		{"EventID:10 -svchost", 34},
		{"EventID:10 NOT svchost", 34},
		{`TargetImage:"C:\windows\system32\lsass.exe"`, 2},
		{`targetimage:"c:\WINDOWS\system32\LSASS.EXE"`, 2},
		{`TargetImage:lsass.exe`, 0}, // values match whole, not by suffix
		{"GrantedAccess:0x1FFFFF", 5},
		{`Image:c:\users\wardog*`, 22},
		{"Hashes:*", 22},
		{`C:\Windows\Temp\dumpert.dmp`, 1},
		{`"C:\Windows\Temp\dumpert.dmp"`, 1},
		{"host:WORKSTATION5", mordorEvents},
		{"host:workstation5", mordorEvents},
		{"host:work*", mordorEvents},
		{"-host:WORKSTATION5", zeekEvents},
		{"host:*", mordorEvents + zeekEvents},
		{"host:192.168.1.42", 114},
		{"source:cmd_lsass*", mordorEvents},
		{"source:conn.log", zeekEvents},
		{"event_type:conn", zeekEvents},
		{"id.orig_h:192.168.1.42", 114},
		{"id.orig_h:192.168.1.42 id.resp_p:88", 5},
		{"id.orig_h:192.168.1.42 krb_tcp", 5},
		{"service:krb_tcp OR service:krb", 5},
		{"conn_state:OTH local_orig:true", 8}, // awk $12=="OTH" && $13=="T"
		{"nosuchword", 0},
		{"EventID:10 OR nosuchword", 44},
		{`Image:100%`, 0}, // LIKE and range wildcards stay literal
		{`host:WORK%`, 0},
		{`host:W_RK*`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res, err := s.Search(context.Background(), Query{Text: tt.query})
			if err != nil {
				t.Fatalf("Search(%q) error: %v", tt.query, err)
			}
			if res.Total != tt.want || len(res.Events) != min(tt.want, defaultLimit) {
				t.Errorf("Search(%q) = total %d, %d events; want %d", tt.query, res.Total,
					len(res.Events), tt.want)
			}
		})
	}
}

func TestSearchReturnsNewestFirst(t *testing.T) {
	s := loadedStore(t)
	res, err := s.Search(context.Background(), Query{Text: "EventID:10 lsass", Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	// Lines 53 and 51 are Outflank-Dumpert.exe opening lsass.exe with 0x1fffff, at the
	// same millisecond; ties go to the later line.
	var ids []int64
	for _, e := range res.Events {
		ids = append(ids, e.ID)
		var ev struct{ SourceImage, TargetImage, GrantedAccess string }
		if err := json.Unmarshal(e.Raw, &ev); err != nil {
			t.Fatal(err)
		}
		want := `C:\Users\wardog\Desktop\Outflank-Dumpert.exe`
		if ev.SourceImage != want || ev.GrantedAccess != "0x1fffff" {
			t.Errorf("event %d = %+v, want SourceImage %s with 0x1fffff", e.ID, ev, want)
		}
	}
	if diff := cmp.Diff([]int64{53, 51}, ids); diff != "" {
		t.Errorf("event ids (-want +got):\n%s", diff)
	}

	res, err = s.Search(context.Background(), Query{Text: "EventID:10", Limit: 3})
	if err != nil || res.Total != 44 || len(res.Events) != 3 {
		t.Fatalf("Search(EventID:10, limit 3) = %d total, %d events, %v; want 44, 3",
			res.Total, len(res.Events), err)
	}
	wantTime := time.Date(2020, 10, 19, 2, 56, 18, 954e6, time.UTC) // the file's last UtcTime
	if got := res.Events[0].Time; !got.Equal(wantTime) {
		t.Errorf("newest EventID:10 at %v, want %v", got, wantTime)
	}
}

func TestSearchTimeRange(t *testing.T) {
	s := loadedStore(t)
	tests := []struct {
		name         string
		query        string
		since, until time.Time
		want         int
	}{
		{
			name:  "sysmon second of the dump",
			since: time.Date(2020, 10, 19, 2, 56, 14, 0, time.UTC),
			until: time.Date(2020, 10, 19, 2, 56, 15, 0, time.UTC),
			want:  32,
		},
		{
			name:  "until is exclusive",
			query: "EventID:10 lsass",
			since: time.Date(2020, 10, 19, 2, 56, 14, 0, time.UTC),
			until: time.Date(2020, 10, 19, 2, 56, 14, 360e6, time.UTC),
			want:  0,
		},
		{
			name:  "since is inclusive",
			query: "EventID:10 lsass",
			since: time.Date(2020, 10, 19, 2, 56, 14, 360e6, time.UTC),
			want:  2,
		},
		{
			name:  "zeek: the first minute of the capture",
			query: "source:conn.log",
			until: time.Unix(1692374163+60, 0), // awk '$1 < 1692374223'
			want:  50,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := s.Search(context.Background(), Query{Text: tt.query, Since: tt.since,
				Until: tt.until})
			if err != nil || res.Total != tt.want {
				t.Errorf("Search(%q, %v..%v) = %d, %v; want %d", tt.query, tt.since, tt.until,
					res.Total, err, tt.want)
			}
		})
	}
}

func TestSearchRejects(t *testing.T) {
	s := loadedStore(t)
	tests := []struct {
		name string
		q    Query
	}{
		{"bad query text", Query{Text: `"lsass`}},
		{"since after until", Query{Since: time.Unix(100, 0), Until: time.Unix(50, 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.Search(context.Background(), tt.q); !errors.Is(err, ErrBadQuery) {
				t.Errorf("Search(%+v) error = %v, want ErrBadQuery", tt.q, err)
			}
		})
	}
}

func TestSearchLimit(t *testing.T) {
	s := loadedStore(t)
	tests := []struct {
		limit, want int
	}{
		{0, defaultLimit},
		{-5, defaultLimit},
		{7, 7},
		{maxLimit + 1, mordorEvents + zeekEvents},
	}
	for _, tt := range tests {
		res, err := s.Search(context.Background(), Query{Limit: tt.limit})
		if err != nil || len(res.Events) != tt.want {
			t.Errorf("Search(limit %d) = %d events, %v; want %d", tt.limit, len(res.Events),
				err, tt.want)
		}
	}
}

func TestSearchString(t *testing.T) {
	s := loadedStore(t)
	total, events, err := s.SearchString(context.Background(),
		"id.orig_h:192.168.1.42 id.resp_p:88", 2, time.Time{}, time.Time{})
	if err != nil || total != 5 || len(events) != 2 {
		t.Fatalf("SearchString = %d, %d events, %v; want 5, 2", total, len(events), err)
	}
	var conn struct {
		UID string `json:"uid"`
	}
	if err := json.Unmarshal(events[0], &conn); err != nil || conn.UID != "CJClRG37hGYBqP2y9i" {
		t.Errorf("newest kerberos connection = %q, %v; want CJClRG37hGYBqP2y9i", conn.UID, err)
	}
}
