package telemetry

import (
	"bytes"
	"context"
	"fmt"
	"testing"
)

// benchCopies repeats the Mordor file into an input of about 10,000 events.
const benchCopies = 85

func benchInput(b *testing.B) []byte {
	return bytes.Repeat(readFile(b, mordorFile), benchCopies)
}

// BenchmarkLoad measures loading NDJSON into a file database: parse, derive,
// flatten, and insert into the event table, the field index and FTS5.
func BenchmarkLoad(b *testing.B) {
	data := benchInput(b)
	s := newTestStore(b, Config{})
	b.SetBytes(int64(len(data)))
	events, n := 0, 0
	for b.Loop() {
		n++
		rep, err := s.Load(context.Background(), fmt.Sprintf("bench-%d.json", n),
			bytes.NewReader(data), nil)
		if err != nil || rep.Events != benchCopies*mordorEvents {
			b.Fatalf("Load = %d events, %v", rep.Events, err)
		}
		events += rep.Events
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkSearch runs typical analyst queries over about 10,000 events.
func BenchmarkSearch(b *testing.B) {
	s := newTestStore(b, Config{})
	_, err := s.Load(context.Background(), "bench.json", bytes.NewReader(benchInput(b)), nil)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.LoadFile(context.Background(), zeekFile, nil); err != nil {
		b.Fatal(err)
	}

	queries := []string{
		"EventID:10 lsass",
		`"lsass.exe" -svchost`,
		`TargetImage:"C:\windows\system32\lsass.exe"`,
		`Image:c:\users\wardog*`,
		"host:WORKSTATION5 EventID:1 OR EventID:10",
		"id.orig_h:192.168.1.42 id.resp_p:88",
		"dump*",
	}
	for _, q := range queries {
		b.Run(q, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Search(context.Background(), Query{Text: q, Limit: 20}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
