package api

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/conductor-sec/conductor/internal/store"
)

// metricValue finds one sample in a Prometheus text exposition.
func metricValue(t *testing.T, text, name, labels string) float64 {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name+"{"+labels+"}") + ` (\S+)$`)
	m := re.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no sample %s{%s} in the metrics", name, labels)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestMetrics(t *testing.T) {
	e := newEnv(t)
	e.ingestFile("injection.json")
	e.holdDC01("bot")
	e.must(200, "GET", "/api/v1/cases", "lee", nil)
	e.must(200, "GET", "/api/v1/cases", "lee", nil)
	e.do("GET", "/api/v1/cases/CASE-000404", "lee", nil)

	decisions, err := e.app.Store.Decisions(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{}
	for _, d := range decisions {
		want[d.Outcome]++
	}

	text := string(e.must(200, "GET", "/metrics", "ada", nil).body)
	tests := []struct {
		name, labels string
		want         float64
	}{
		{"conductor_http_requests_total",
			`code="200",method="GET",route="/api/v1/cases"`, 2},
		{"conductor_http_requests_total",
			`code="404",method="GET",route="/api/v1/cases/:id"`, 1},
		{"conductor_http_request_duration_seconds_count",
			`code="200",method="POST",route="/api/v1/ingest"`, 1},
		{"conductor_decisions_total", `outcome="allow"`, want["allow"]},
		{"conductor_decisions_total", `outcome="needs_approval"`, 1},
		{"conductor_decisions_total", `outcome="deny"`, want["deny"]},
		{"conductor_cases", `state="waiting_approval"`, 1},
		{"conductor_cases", `state="closed"`, 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s{%s}", tt.name, tt.labels), func(t *testing.T) {
			if got := metricValue(t, text, tt.name, tt.labels); got != tt.want {
				t.Errorf("%s{%s} = %v, want %v", tt.name, tt.labels, got, tt.want)
			}
		})
	}
	if want["allow"] < 3 {
		t.Errorf("only %v allow decisions; the playbook should have run lookups", want["allow"])
	}

	// A second scrape counts only what is new: one more decision.
	e.must(200, "POST", "/api/v1/cases/CASE-000001/actions", "lee",
		actionRequest{Tool: "asset.get", Args: []byte(`{"host":"WS-0142"}`)})
	text = string(e.must(200, "GET", "/metrics", "ada", nil).body)
	if got := metricValue(t, text, "conductor_decisions_total", `outcome="allow"`); got !=
		want["allow"]+1 {
		t.Errorf("after one more lookup allow = %v, want %v", got, want["allow"]+1)
	}
}

// TestDecisionCountsAreIncremental logs decisions that share one time, the
// cursor's edge case, and scrapes between them: each counts once.
func TestDecisionCountsAreIncremental(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	put := func(id, outcome string) {
		t.Helper()
		if err := e.app.Store.PutDecision(ctx, store.DecisionRecord{ID: id, Time: at,
			Outcome: outcome, Input: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	sc := newStoreCollector(e.app.Store)
	reg := prometheus.NewRegistry()
	reg.MustRegister(sc)
	scrape := func() map[string]float64 {
		t.Helper()
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]float64{}
		for _, mf := range mfs {
			if mf.GetName() != "conductor_decisions_total" {
				continue
			}
			for _, m := range mf.GetMetric() {
				out[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
			}
		}
		return out
	}

	put("DEC-A", "allow")
	put("DEC-B", "deny")
	first := scrape()
	put("DEC-C", "allow")
	second := scrape()
	third := scrape()
	want := []map[string]float64{
		{"allow": 1, "deny": 1, "needs_approval": 0},
		{"allow": 2, "deny": 1, "needs_approval": 0},
		{"allow": 2, "deny": 1, "needs_approval": 0},
	}
	for i, got := range []map[string]float64{first, second, third} {
		if diff := cmp.Diff(want[i], got); diff != "" {
			t.Errorf("scrape %d (-want +got):\n%s", i+1, diff)
		}
	}
}
