// Package bench measures the product's performance figures on this machine:
// ingest throughput, guard decision latency, playbook investigation latency,
// policy replay time, telemetry load and search, and peak memory. Each figure
// names its workload, so a number is never read without what produced it.
package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/conductor-sec/conductor/guardrails"
	"github.com/conductor-sec/conductor/internal/app"
	"github.com/conductor-sec/conductor/internal/config"
	"github.com/conductor-sec/conductor/internal/finding"
	"github.com/conductor-sec/conductor/internal/ingest"
)

// Figure is one measured number.
type Figure struct {
	Name     string  `json:"name"`
	Value    float64 `json:"value"`
	Unit     string  `json:"unit"`
	Workload string  `json:"workload"`
	// Target is the figure the project aims for, when there is one.
	Target string `json:"target,omitempty"`
}

// Options sizes the workloads. Zero fields take the defaults in brackets.
type Options struct {
	// Dir holds the scratch databases; empty means a new temporary folder.
	Dir string
	// Alerts for the ingest figure [40,000].
	Alerts int
	// Decisions for the guard latency figure [20,000].
	Decisions int
	// Cases for the investigation latency figure [200].
	Cases int
	// Replay decisions for the replay figure [100,000].
	Replay int
	// Events for the telemetry figures [50,000].
	Events int
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.Alerts, 40_000)
	def(&o.Decisions, 20_000)
	def(&o.Cases, 200)
	def(&o.Replay, 100_000)
	def(&o.Events, 50_000)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Run measures every figure in turn.
func Run(ctx context.Context, opts Options) ([]Figure, error) {
	opts = opts.withDefaults()
	if opts.Dir == "" {
		dir, err := os.MkdirTemp("", "conductor-bench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		opts.Dir = dir
	}

	var figs []Figure
	steps := []func(context.Context, Options) ([]Figure, error){
		ingestFigures, guardFigures, demoMixFigures, investigateFigures, replayFigures,
		telemetryFigures,
	}
	for _, step := range steps {
		f, err := step(ctx, opts)
		if err != nil {
			return figs, err
		}
		figs = append(figs, f...)
	}
	return append(figs, memoryFigure()), nil
}

func openApp(ctx context.Context, opts Options, name string) (*app.App, error) {
	return app.Open(ctx, config.Config{DB: filepath.Join(opts.Dir, name+".db")},
		app.Options{Logger: opts.Logger})
}

// SuricataAlerts writes n EVE alert lines: 500 internal sources talking to 2,000
// outside addresses under 50 signatures, so correlation sees both new and
// joining findings as a real sensor feed does.
func SuricataAlerts(n int) []byte {
	var b strings.Builder
	base := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	for i := range n {
		ts := base.Add(time.Duration(i) * 50 * time.Millisecond).Format("2006-01-02T15:04:05.000000-0700")
		fmt.Fprintf(&b, `{"timestamp":%q,"flow_id":%d,"event_type":"alert",`+
			`"src_ip":"10.%d.%d.%d","src_port":%d,"dest_ip":"198.51.%d.%d","dest_port":443,`+
			`"proto":"TCP","alert":{"action":"allowed","gid":1,"signature_id":%d,"rev":1,`+
			`"signature":"BENCH signature %d","category":"A Network Trojan was detected",`+
			`"severity":%d,"metadata":{"mitre_technique_id":["T1071.001"]}}}`+"\n",
			ts, 1_000_000_000+i, i%4, (i/4)%5, i%500%250+1, 40000+i%20000, (i/7)%8, i%2000%250+1,
			2_100_000+i%50, i%50, 1+i%3)
	}
	return []byte(b.String())
}

// ingestFigures: parse, normalize, correlate and store alerts in durable
// batches of 5,000 on two workers, the way `conductor investigate` takes a
// large file.
func ingestFigures(ctx context.Context, opts Options) ([]Figure, error) {
	a, err := openApp(ctx, opts, "ingest")
	if err != nil {
		return nil, err
	}
	defer a.Close()
	data := SuricataAlerts(opts.Alerts)

	start := time.Now()
	res, err := ingest.Parse("bench.ndjson", data, ingest.Options{})
	if err != nil {
		return nil, err
	}
	if _, err := a.Engine.Ingest(ctx, res.Findings); err != nil {
		return nil, err
	}
	el := time.Since(start)
	return []Figure{{
		Name: "ingest_alerts_per_second", Value: round(float64(len(res.Findings)) / el.Seconds()),
		Unit: "alerts/s", Target: ">= 20000",
		Workload: fmt.Sprintf("%d Suricata EVE alerts parsed, normalized, correlated and "+
			"stored in SQLite (WAL) in durable batches of 5,000 (two workers)", len(res.Findings)),
	}}, nil
}

// guardFigures: one decision at a time with the default policies over a mix
// of read-only lookups, workstation isolation and a crown-jewel hold.
func guardFigures(ctx context.Context, opts Options) ([]Figure, error) {
	g, err := guardrails.New(ctx, guardrails.Config{})
	if err != nil {
		return nil, err
	}
	defer g.Close()
	reqs := SampleRequests()

	lat := make([]time.Duration, opts.Decisions)
	var contain []time.Duration
	for i := range lat {
		req := reqs[i%len(reqs)]
		t := time.Now()
		g.Decide(ctx, req)
		lat[i] = time.Since(t)
		if req.Risk == "containment" {
			contain = append(contain, lat[i])
		}
	}
	work := fmt.Sprintf("%d decisions with the default policies, %d request shapes "+
		"(lookup, workstation isolation, crown-jewel isolation, internal block)",
		len(lat), len(reqs))
	p50, p99 := percentiles(lat)
	c50, c99 := percentiles(contain)
	return []Figure{
		{Name: "guard_decision_p50", Value: micros(p50), Unit: "µs", Workload: work,
			Target: "<= 50"},
		{Name: "guard_decision_p99", Value: micros(p99), Unit: "µs", Workload: work,
			Target: "<= 500"},
		{Name: "guard_containment_p50", Value: micros(c50), Unit: "µs", Target: "<= 50",
			Workload: fmt.Sprintf("the %d containment decisions of that mix", len(contain))},
		{Name: "guard_containment_p99", Value: micros(c99), Unit: "µs",
			Workload: fmt.Sprintf("the %d containment decisions of that mix", len(contain))},
	}, nil
}

// SampleRequests are representative policy inputs.
func SampleRequests() []guardrails.Request {
	now := time.Now().UTC()
	c := guardrails.CaseFacts{ID: "CASE-000001", Score: 85, Confidence: 0.8}
	ws := guardrails.Target{Arg: "host", Kind: "host", Value: "WS-0142", Known: true,
		AssetType: "workstation", Criticality: "medium"}
	dc := guardrails.Target{Arg: "host", Kind: "host", Value: "DC-01", Known: true,
		AssetType: "domain_controller", Criticality: "critical", CrownJewel: true}
	ip := guardrails.Target{Arg: "ip", Kind: "ip", Value: "10.0.0.0/8", Known: true,
		Internal: true}
	prov := map[string]string{"host": guardrails.FromCaseEntity}
	return []guardrails.Request{
		{ID: "ACT-1", Tool: "intel.lookup", Risk: "read_only", Reversible: true,
			Actor: "agent:playbook", Case: c, Time: now,
			Args: map[string]any{"kind": "ip", "value": "203.0.113.66"}},
		{ID: "ACT-2", Tool: "edr.isolate_host", Risk: "containment", Reversible: true,
			Actor: "agent:playbook", Case: c, Targets: []guardrails.Target{ws},
			Provenance: prov, Time: now, Args: map[string]any{"host": "WS-0142"}},
		{ID: "ACT-3", Tool: "edr.isolate_host", Risk: "containment", Reversible: true,
			Actor: "agent:llm", Case: c, Targets: []guardrails.Target{dc},
			Provenance: prov, Time: now, Args: map[string]any{"host": "DC-01"}},
		{ID: "ACT-4", Tool: "firewall.block_ip", Risk: "containment", Reversible: true,
			Actor: "agent:llm", Case: c, Targets: []guardrails.Target{ip}, Time: now,
			Provenance: map[string]string{"ip": guardrails.FromUntrustedText},
			Args:       map[string]any{"ip": "10.0.0.0/8"}},
	}
}

// investigateFigures: a playbook investigation of one alert with the lab tools,
// each case a fresh C2 alert from a different workstation address.
func investigateFigures(ctx context.Context, opts Options) ([]Figure, error) {
	a, err := openApp(ctx, opts, "investigate")
	if err != nil {
		return nil, err
	}
	defer a.Close()
	res, err := ingest.Parse("bench.ndjson", SuricataAlerts(opts.Cases*7), ingest.Options{})
	if err != nil {
		return nil, err
	}

	var lat []time.Duration
	for i := 0; len(lat) < opts.Cases && i < len(res.Findings); i += 7 {
		d, err := investigateOne(ctx, a, res.Findings[i])
		if err != nil {
			return nil, err
		}
		lat = append(lat, d)
	}
	p50, p99 := percentiles(lat)
	work := fmt.Sprintf("%d single-alert cases (Suricata C2 alert), playbook planner, lab "+
		"tools, every step recorded in SQLite", len(lat))
	return []Figure{
		{Name: "investigation_p50", Value: millis(p50), Unit: "ms", Workload: work,
			Target: "<= 20"},
		{Name: "investigation_p99", Value: millis(p99), Unit: "ms", Workload: work},
	}, nil
}

func investigateOne(ctx context.Context, a *app.App, f finding.Finding) (time.Duration, error) {
	f.Raw = append(f.Raw, []byte(strconv.FormatInt(time.Now().UnixNano(), 10))...)
	start := time.Now()
	placed, err := a.Engine.Ingest(ctx, []finding.Finding{f})
	if err != nil {
		return 0, err
	}
	if _, err := a.Engine.Investigate(ctx, placed[0].CaseID); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// replayFigures: re-decide recorded policy inputs with a candidate policy.
func replayFigures(ctx context.Context, opts Options) ([]Figure, error) {
	g, err := guardrails.New(ctx, guardrails.Config{})
	if err != nil {
		return nil, err
	}
	defer g.Close()
	var inputs []json.RawMessage
	for _, r := range SampleRequests() {
		b, err := json.Marshal(r)
		if err != nil {
			return nil, err
		}
		inputs = append(inputs, b)
	}

	i := 0
	next := func() (string, string, json.RawMessage, guardrails.Outcome, bool, error) {
		if i >= opts.Replay {
			return "", "", nil, "", false, nil
		}
		i++
		return "ACT-" + strconv.Itoa(i), "CASE-1", inputs[i%len(inputs)], guardrails.Allow,
			true, nil
	}
	start := time.Now()
	rep, err := guardrails.Replay(ctx, g, next)
	if err != nil {
		return nil, err
	}
	return []Figure{{
		Name: "policy_replay_seconds", Value: round3(time.Since(start).Seconds()), Unit: "s",
		Target: "<= 10 for 100,000",
		Workload: fmt.Sprintf("%d recorded decisions re-decided with the default policies",
			rep.Total),
	}}, nil
}

func memoryFigure() Figure {
	runtime.GC()
	return Figure{Name: "peak_resident_memory", Value: peakRSSMiB(), Unit: "MiB",
		Workload: "peak resident set of this process over every workload above (VmHWM)"}
}

// peakRSSMiB reads the high-water mark of resident memory from /proc.
func peakRSSMiB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return round(kb / 1024)
		}
	}
	return 0
}

func percentiles(d []time.Duration) (p50, p99 time.Duration) {
	if len(d) == 0 {
		return 0, 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)*50/100], s[min(len(s)*99/100, len(s)-1)]
}

func micros(d time.Duration) float64 { return round3(float64(d.Nanoseconds()) / 1e3) }
func millis(d time.Duration) float64 { return round3(float64(d.Nanoseconds()) / 1e6) }
func round(v float64) float64        { return float64(int64(v + 0.5)) }
func round3(v float64) float64       { return float64(int64(v*1000+0.5)) / 1000 }
