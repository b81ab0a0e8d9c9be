package api

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/conductor-sec/conductor/guardrails"
	"github.com/conductor-sec/conductor/internal/store"
)

// scrapeTimeout bounds the store queries of one scrape.
const scrapeTimeout = 5 * time.Second

// metrics holds the server's own registry, so that two servers in one
// process (tests) never collide on the global one.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(st *store.Store) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conductor_http_requests_total",
			Help: "HTTP requests served, by route template, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "conductor_http_request_duration_seconds",
			Help:    "HTTP request latency, by route template, method and status code.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 120},
		}, []string{"route", "method", "code"}),
	}
	m.reg.MustRegister(m.requests, m.latency, newStoreCollector(st),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observe(route, method, code string, d time.Duration) {
	m.requests.WithLabelValues(route, method, code).Inc()
	m.latency.WithLabelValues(route, method, code).Observe(d.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// storeCollector reads what the record says at scrape time: decisions by
// outcome and cases by state. Reading the store rather than counting in
// this process also counts what the CLI and other processes decided on the
// same database.
type storeCollector struct {
	st        *store.Store
	decisions *prometheus.Desc
	cases     *prometheus.Desc

	mu sync.Mutex
	// counts holds decisions seen so far by outcome; since and atSince are the
	// cursor: the newest decision time read and the ids read at that time
	// (the store's query includes its bound).
	counts  map[string]float64
	since   time.Time
	atSince map[string]bool
}

func newStoreCollector(st *store.Store) *storeCollector {
	return &storeCollector{
		st: st,
		decisions: prometheus.NewDesc("conductor_decisions_total",
			"Guard decisions in the decision log, by outcome.", []string{"outcome"}, nil),
		cases: prometheus.NewDesc("conductor_cases",
			"Cases, by state.", []string{"state"}, nil),
		counts: map[string]float64{string(guardrails.Allow): 0,
			string(guardrails.NeedsApproval): 0, string(guardrails.Deny): 0},
		atSince: map[string]bool{},
	}
}

// Describe implements prometheus.Collector.
func (sc *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- sc.decisions
	ch <- sc.cases
}

// Collect implements prometheus.Collector.
func (sc *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	sc.collectDecisions(ctx, ch)
	sc.collectCases(ctx, ch)
}

func (sc *storeCollector) collectDecisions(ctx context.Context, ch chan<- prometheus.Metric) {
	sc.mu.Lock()
	defer sc.mu.Unlock()

	err := sc.st.DecisionsFunc(ctx, sc.since, func(d store.DecisionRecord) error {
		if d.Time.Equal(sc.since) && sc.atSince[d.ID] {
			return nil
		}
		if d.Time.After(sc.since) {
			sc.since, sc.atSince = d.Time, map[string]bool{}
		}
		sc.atSince[d.ID] = true
		sc.counts[d.Outcome]++
		return nil
	})
	if err != nil {
		ch <- prometheus.NewInvalidMetric(sc.decisions, err)
		return
	}
	for outcome, n := range sc.counts {
		ch <- prometheus.MustNewConstMetric(sc.decisions, prometheus.CounterValue, n, outcome)
	}
}

// collectCases counts cases by state; a state with none reads 0.
func (sc *storeCollector) collectCases(ctx context.Context, ch chan<- prometheus.Metric) {
	byState, err := sc.st.CountCases(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(sc.cases, err)
		return
	}
	counts := map[string]float64{}
	for _, s := range caseStates {
		if s != store.FilterOpen {
			counts[s] = 0
		}
	}
	for state, n := range byState {
		counts[state] = float64(n)
	}
	for state, n := range counts {
		ch <- prometheus.MustNewConstMetric(sc.cases, prometheus.GaugeValue, n, state)
	}
}
