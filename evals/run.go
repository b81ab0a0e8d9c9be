package evals

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/agent/answer"
	"github.com/conductor-sec/conductor/internal/app"
	"github.com/conductor-sec/conductor/internal/casework"
	"github.com/conductor-sec/conductor/internal/config"
	"github.com/conductor-sec/conductor/internal/finding"
	"github.com/conductor-sec/conductor/internal/ingest"
	"github.com/conductor-sec/conductor/internal/store"
	"github.com/conductor-sec/conductor/tools/lab"
)

// PlannerPlaybook is the built-in playbook planner's name.
const PlannerPlaybook = "playbook"

// ErrUnknownPlanner is returned for a planner name the binary does not have.
var ErrUnknownPlanner = errors.New("unknown planner")

// Options configures [Run].
type Options struct {
	// Planner names the planner to evaluate; "" means "playbook", the only
	// one built in. Any other name needs NewPlanner.
	Planner string
	// NewPlanner builds a planner for each scenario run (tests script one;
	// the LLM planner will come this way). Nil means the playbook planner.
	NewPlanner func() agent.Planner
	// Repeat runs every scenario this many times; zero means once.
	Repeat int
	// CorpusRoot is the folder corpus inputs are read from; scenarios with
	// corpus inputs are skipped when it is empty or the file is missing.
	CorpusRoot string
	// Config is the base configuration (policies, playbooks, lab, intel,
	// budgets). Its DB is replaced by a new file for every scenario run.
	Config config.Config
	// Logger receives progress; nil discards it.
	Logger *slog.Logger
	// Parallel is how many scenarios run at once; zero means GOMAXPROCS.
	Parallel int
	// TempDir holds the scenario databases; empty means os.TempDir.
	TempDir string
}

func (o Options) withDefaults() (Options, error) {
	if o.Planner == "" {
		o.Planner = PlannerPlaybook
	}
	if o.Planner != PlannerPlaybook && o.NewPlanner == nil {
		return o, fmt.Errorf("planner %q: %w; this binary has: %s", o.Planner,
			ErrUnknownPlanner, PlannerPlaybook)
	}
	if o.Repeat <= 0 {
		o.Repeat = 1
	}
	if o.Parallel <= 0 {
		o.Parallel = runtime.GOMAXPROCS(0)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

// Run investigates every scenario Repeat times, each run in a fresh lab,
// and scores the outcome. It fails when the product cannot start at all (a
// policy folder the guard refuses, say); a scenario that goes wrong on its
// own is a failing row of the scorecard.
func Run(ctx context.Context, scenarios []Scenario, opts Options) (Scorecard, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return Scorecard{}, err
	}
	log := opts.Logger.With("component", "evals")

	runs := make([][]ScenarioResult, 0, opts.Repeat)
	for i := range opts.Repeat {
		log.Info("eval run starting", "run", i+1, "scenarios", len(scenarios))
		res, err := runAll(ctx, scenarios, opts)
		if err != nil {
			return Scorecard{}, err
		}
		runs = append(runs, res)
	}
	return newScorecard(opts, runs), nil
}

// runAll runs the scenarios on a pool of workers and returns their results
// in scenario order.
func runAll(ctx context.Context, scenarios []Scenario, opts Options) ([]ScenarioResult, error) {
	out := make([]ScenarioResult, len(scenarios))
	errs := make([]error, len(scenarios))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(opts.Parallel, len(scenarios)) {
		wg.Go(func() {
			for i := range next {
				out[i], errs[i] = runScenario(ctx, &scenarios[i], opts)
			}
		})
	}
	for i := range scenarios {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("running scenarios: %w", err)
	}
	return out, errors.Join(errs...)
}

// runScenario runs one scenario in a fresh lab and scores it. Only a product
// that cannot start is an error; anything else is a failing result.
func runScenario(ctx context.Context, sc *Scenario, opts Options) (ScenarioResult, error) {
	res := ScenarioResult{Name: sc.Name, Category: sc.Category, File: sc.File,
		Want: sc.Expect.Verdict}
	inputs, skip := resolveCorpus(sc, opts.CorpusRoot)
	if skip != "" {
		res.Skipped, res.SkipReason = true, skip
		return res, nil
	}

	out, err := investigate(ctx, sc, inputs, opts)
	if errors.Is(err, errCannotStart) {
		return res, err
	}
	if err != nil {
		res.Error = err.Error()
		res.Checks = []Check{{Name: "run", Detail: err.Error()}}
		return res, nil
	}
	score(sc, out, &res)
	opts.Logger.Debug("scenario scored", "component", "evals", "scenario", sc.Name,
		"pass", res.Pass, "verdict", res.Verdict)
	return res, nil
}

// errCannotStart marks a product that did not start; Run stops on it.
var errCannotStart = errors.New("conductor cannot start")

// resolveCorpus reads corpus inputs; it returns why the scenario is skipped
// when the corpus or a file in it is missing.
func resolveCorpus(sc *Scenario, root string) ([]Input, string) {
	inputs := append([]Input(nil), sc.Inputs...)
	if !sc.corpusInputs() {
		return inputs, ""
	}
	if root == "" {
		return nil, "needs the corpus; none found (set --corpus or CONDUCTOR_CORPUS)"
	}
	for i, in := range inputs {
		if in.Corpus == "" {
			continue
		}
		data, err := readCapped(filepath.Join(root, filepath.FromSlash(in.Corpus)))
		if err != nil {
			return nil, fmt.Sprintf("corpus file %s not found under %s", in.Corpus, root)
		}
		inputs[i].Data = data
	}
	return inputs, ""
}

// outcome is what one scenario run left behind, as the scorer reads it.
type outcome struct {
	primary   string
	caseIDs   []string
	reports   map[string]agent.Report
	usage     map[string]agent.Usage
	durations map[string]time.Duration
	risks     map[string]string
	lab       lab.Snapshot
	answers   []answer.Answer
	notes     []string
}

// investigate opens a fresh product, feeds it the scenario wave by wave and
// collects the record.
func investigate(ctx context.Context, sc *Scenario, inputs []Input,
	opts Options) (*outcome, error) {
	dir, err := os.MkdirTemp(opts.TempDir, "conductor-eval-")
	if err != nil {
		return nil, fmt.Errorf("%w: making a temp folder: %w", errCannotStart, err)
	}
	defer os.RemoveAll(dir)

	a, err := openApp(ctx, sc, opts, filepath.Join(dir, "eval.db"))
	if err != nil {
		return nil, err
	}
	defer a.Close()

	out := &outcome{reports: map[string]agent.Report{}, usage: map[string]agent.Usage{},
		durations: map[string]time.Duration{}, risks: map[string]string{}}
	for _, s := range a.Tools.Specs() {
		out.risks[s.Name] = string(s.Risk)
	}
	if err := checkTools(sc, out.risks); err != nil {
		return nil, err
	}
	for _, w := range sc.waves() {
		if err := runWave(ctx, a, inputs, w, out); err != nil {
			return nil, err
		}
	}
	return out, collect(ctx, a, sc, out)
}

func openApp(ctx context.Context, sc *Scenario, opts Options, db string) (*app.App, error) {
	cfg := opts.Config
	cfg.DB, cfg.WatchPolicies = db, new(bool)
	faults := map[string]lab.Fault{}
	for tool, f := range sc.Faults {
		faults[tool] = lab.Fault{Transient: f.Transient, AfterEffect: f.AfterEffect,
			Permanent: f.Permanent}
	}
	ao := app.Options{Logger: opts.Logger, Faults: faults}
	if opts.NewPlanner != nil {
		ao.Planner = opts.NewPlanner()
	}
	a, err := app.Open(ctx, cfg, ao)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errCannotStart, err)
	}
	return a, nil
}

// runWave loads a wave's telemetry, ingests its alerts and investigates every
// case they touched, in the order first touched.
func runWave(ctx context.Context, a *app.App, inputs []Input, w int, out *outcome) error {
	fs, err := loadWave(ctx, a, inputs, w, out)
	if err != nil || len(fs) == 0 {
		return err
	}
	placed, err := a.Engine.Ingest(ctx, fs)
	if err != nil {
		return fmt.Errorf("ingesting wave %d: %w", w, err)
	}

	for _, id := range casework.Touched(placed) {
		if out.primary == "" {
			out.primary = id
		}
		if _, ok := out.reports[id]; !ok {
			out.caseIDs = append(out.caseIDs, id)
		}
		start := time.Now()
		rep, err := a.Engine.Investigate(ctx, id)
		out.durations[id] += time.Since(start)
		if err != nil {
			return fmt.Errorf("investigating %s: %w", id, err)
		}
		out.reports[id] = rep
		out.usage[id] = out.usage[id].Add(rep.Usage)
	}
	return nil
}

// loadWave loads the wave's telemetry and parses its alerts and e-mails.
func loadWave(ctx context.Context, a *app.App, inputs []Input, w int,
	out *outcome) ([]finding.Finding, error) {
	var fs []finding.Finding
	for _, in := range inputs {
		if wave(in) != w {
			continue
		}
		if !in.IsTelemetry() {
			got, err := parseInput(in, a.IngestOptions(), out)
			if err != nil {
				return nil, err
			}
			fs = append(fs, got...)
			continue
		}
		if _, err := a.Telemetry.Load(ctx, in.Name, bytes.NewReader(in.Data), nil); err != nil {
			return nil, fmt.Errorf("loading telemetry %s: %w", in.Name, err)
		}
	}
	return fs, nil
}

func parseInput(in Input, opts ingest.Options, out *outcome) ([]finding.Finding, error) {
	res, err := ingest.Parse(in.Name, in.Data, opts)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", in.Name, err)
	}
	for _, re := range res.Errors {
		out.notes = append(out.notes, fmt.Sprintf("%s: record skipped: %v", in.Name, re))
	}
	if len(res.Findings) == 0 {
		return nil, fmt.Errorf("parsing %s: no findings (%d records skipped)", in.Name,
			len(res.Errors))
	}
	return res.Findings, nil
}

// collect reads the final record of every case, the lab's state and the
// answers to the scenario's questions.
func collect(ctx context.Context, a *app.App, sc *Scenario, out *outcome) error {
	for _, id := range out.caseIDs {
		rep, err := a.Engine.CaseReport(ctx, id)
		if err != nil {
			return fmt.Errorf("reading %s: %w", id, err)
		}
		rep.Status, rep.Reason = out.reports[id].Status, out.reports[id].Reason
		out.reports[id] = rep
	}
	var err error
	if out.lab, err = a.Lab.State(ctx); err != nil {
		return fmt.Errorf("reading lab state: %w", err)
	}
	if out.primary == "" {
		return errors.New("the inputs opened no case")
	}
	src := answer.Record{Engine: a.Engine, Store: a.Store}
	for _, q := range sc.Expect.Questions {
		ans, err := answer.Ask(ctx, src, out.primary, q.Ask)
		if err != nil {
			return fmt.Errorf("asking %q: %w", q.Ask, err)
		}
		out.answers = append(out.answers, ans)
	}
	return nil
}

// checkTools refuses expectations naming a tool the product does not have,
// which would otherwise never match and silently pass a must_not.
func checkTools(sc *Scenario, risks map[string]string) error {
	e := sc.Expect
	groups := map[string][]ActionSpec{"must": e.Must, "may": e.May, "must_not": e.MustNot,
		"approvals": e.Approvals}
	var errs []error
	for name, specs := range groups {
		for i, s := range specs {
			if s.Tool == "" || hasToolPrefix(s.Tool, risks) {
				continue
			}
			errs = append(errs, fmt.Errorf("%s: expect.%s[%d].tool: no tool named %q",
				sc.File, name, i, s.Tool))
		}
	}
	for tool := range sc.Faults {
		if _, ok := risks[tool]; !ok {
			errs = append(errs, fmt.Errorf("%s: faults.%s: no tool of that name", sc.File, tool))
		}
	}
	return errors.Join(errs...)
}

func hasToolPrefix(pattern string, risks map[string]string) bool {
	for name := range risks {
		if (ActionSpec{Tool: pattern}).toolMatches(observed{Tool: name}) {
			return true
		}
	}
	return false
}

// caseTasks returns the tasks of every case of the run.
func (o *outcome) tasks() []store.Task {
	var out []store.Task
	for _, id := range o.caseIDs {
		out = append(out, o.reports[id].Tasks...)
	}
	return out
}
