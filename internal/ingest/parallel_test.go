package ingest

import (
	"fmt"
	"strings"
	"testing"
)

// TestParseLargeFileKeepsOrder: a file big enough to be parsed on two cores
// gives the same findings, in file order, with its bad records reported
// against their own record numbers.
func TestParseLargeFileKeepsOrder(t *testing.T) {
	var b strings.Builder
	n := parallelMin + 10
	for i := range n {
		if i == 7 || i == n-3 {
			b.WriteString("{not json}\n")
			continue
		}
		fmt.Fprintf(&b, `{"title":"alert %d","severity":"low","time":"2026-11-30T10:00:00Z"}`+"\n", i)
	}

	res, err := Parse("big.ndjson", []byte(b.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != n-2 || len(res.Errors) != 2 {
		t.Fatalf("Parse = %d findings, %d errors; want %d and 2", len(res.Findings),
			len(res.Errors), n-2)
	}
	for i, want := range map[int]string{0: "alert 0", 7: "alert 8", n - 3: "alert " +
		fmt.Sprint(n-1)} {
		if got := res.Findings[i].Title; got != want {
			t.Errorf("finding %d = %q, want %q", i, got, want)
		}
	}
	if res.Errors[0].Record != 8 || res.Errors[1].Record != n-2 {
		t.Errorf("error records = %d, %d; want 8 and %d", res.Errors[0].Record,
			res.Errors[1].Record, n-2)
	}
}
