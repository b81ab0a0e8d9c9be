package bench

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/conductor-sec/conductor/internal/telemetry"
)

// telemetryFigures: load Sysmon-shaped NDJSON events, then search them.
func telemetryFigures(ctx context.Context, opts Options) ([]Figure, error) {
	a, err := openApp(ctx, opts, "telemetry")
	if err != nil {
		return nil, err
	}
	defer a.Close()
	data := sysmonEvents(opts.Events)

	start := time.Now()
	rep, err := a.Telemetry.Load(ctx, "bench.json", bytes.NewReader(data), nil)
	if err != nil {
		return nil, err
	}
	load := time.Since(start)

	queries := []string{"EventID:10 lsass", "host:WS-0042", "powershell -encodedcommand",
		"rundll32 EventID:1"}
	var lat []time.Duration
	for i := range 200 {
		t := time.Now()
		if _, err := a.Telemetry.Search(ctx, telemetry.Query{Text: queries[i%len(queries)],
			Limit: 50}); err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(t))
	}
	p50, p99 := percentiles(lat)
	work := fmt.Sprintf("%d Sysmon-shaped NDJSON events", rep.Events)
	return []Figure{
		{Name: "telemetry_load_events_per_second", Value: round(float64(rep.Events) /
			load.Seconds()), Unit: "events/s", Workload: work + " loaded into SQLite FTS5"},
		{Name: "telemetry_search_p50", Value: millis(p50), Unit: "ms",
			Workload: work + "; 200 searches mixing full text and field filters, limit 50"},
		{Name: "telemetry_search_p99", Value: millis(p99), Unit: "ms",
			Workload: work + "; 200 searches mixing full text and field filters, limit 50"},
	}, nil
}

func sysmonEvents(n int) []byte {
	var b strings.Builder
	base := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	images := []string{`C:\\Windows\\System32\\rundll32.exe`, `C:\\Windows\\explorer.exe`,
		`C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe`,
		`C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe`}
	for i := range n {
		ts := base.Add(time.Duration(i) * time.Second).Format("2006-01-02 15:04:05.000")
		id := []int{1, 3, 10, 11}[i%4]
		fmt.Fprintf(&b, `{"@timestamp":"%sZ","UtcTime":%q,"Hostname":"WS-%04d",`+
			`"EventID":%d,"Channel":"Microsoft-Windows-Sysmon/Operational","Image":%q,`+
			`"TargetImage":"C:\\Windows\\System32\\lsass.exe","User":"ACME\\user%d",`+
			`"CommandLine":"%s -encodedcommand SQBFAFgA %d"}`+"\n",
			strings.Replace(ts, " ", "T", 1), ts, i%100, id, images[i%len(images)], i%50,
			"powershell", i)
	}
	return []byte(b.String())
}
