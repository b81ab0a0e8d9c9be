// Package app wires Conductor's parts from a [config.Config]: the case store,
// the lab, telemetry, intelligence, the guard, the tool registry, the planner
// and the engine. The CLI and the API server both start here, so neither holds
// wiring the other lacks.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/agent/playbook"
	"github.com/conductor-sec/conductor/guardrails"
	"github.com/conductor-sec/conductor/internal/config"
	"github.com/conductor-sec/conductor/internal/ingest"
	"github.com/conductor-sec/conductor/internal/intel"
	"github.com/conductor-sec/conductor/internal/store"
	"github.com/conductor-sec/conductor/internal/telemetry"
	"github.com/conductor-sec/conductor/memory"
	"github.com/conductor-sec/conductor/tools"
	"github.com/conductor-sec/conductor/tools/lab"
)

// App is a running Conductor: every part, wired.
type App struct {
	Config    config.Config
	Store     *store.Store
	Lab       *lab.Lab
	Telemetry *telemetry.Store
	// Intel holds the embedded indicator set and, when configured, the user's.
	Intel     IntelSets
	Guard     *guardrails.Guard
	Tools     *tools.Registry
	Playbooks *playbook.Planner
	// Memory is case memory; nil when the config disables it.
	Memory *memory.Memory
	Engine *agent.Engine
	Logger *slog.Logger
}

// Options adjusts what [Open] builds beyond the config file.
type Options struct {
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Faults inject tool failures into the lab (evals and tests).
	Faults map[string]lab.Fault
	// Planner replaces the playbook planner, which then serves as its
	// fallback (tests, evals, the LLM planner).
	Planner agent.Planner
	// Guard replaces the policy guard the config describes (tests only).
	Guard agent.Guard
	// Memory replaces the case memory the config describes (tests only).
	Memory agent.Memory
}

// Open builds every part. Close releases them.
func Open(ctx context.Context, cfg config.Config, opts Options) (*App, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if cfg.DB == "" {
		cfg.DB = config.DefaultDB()
	}
	a := &App{Config: cfg, Logger: opts.Logger}
	if err := a.open(ctx, opts); err != nil {
		return nil, errors.Join(err, a.Close())
	}
	return a, nil
}

func (a *App) open(ctx context.Context, opts Options) error {
	var err error
	log := opts.Logger
	if a.Store, err = store.Open(ctx, a.Config.DB, store.Options{Logger: log}); err != nil {
		return fmt.Errorf("opening store: %w", err)
	}
	if a.Telemetry, err = telemetry.New(ctx, telemetry.Config{
		DB: a.Store.DB(), Logger: log,
	}); err != nil {
		return fmt.Errorf("opening telemetry: %w", err)
	}
	if err := a.loadIntel(); err != nil {
		return err
	}
	if a.Lab, err = lab.New(ctx, lab.Config{
		DB: a.Store.DB(), File: a.Config.Lab, Logger: log, Now: opts.Now,
		Intel: labIntel{a.Intel}, Search: labSearch{a.Telemetry}, Faults: opts.Faults,
	}); err != nil {
		return fmt.Errorf("opening lab: %w", err)
	}
	if err := a.openGuard(ctx, log, opts.Now); err != nil {
		return err
	}
	if err := a.openTools(log); err != nil {
		return err
	}
	if err := a.openMemory(ctx, log); err != nil {
		return err
	}
	return a.openEngine(opts)
}

func (a *App) loadIntel() error {
	set, err := intel.Defaults()
	if err != nil {
		return fmt.Errorf("loading embedded intel: %w", err)
	}
	a.Intel = IntelSets{set}
	if a.Config.Intel == "" {
		return nil
	}
	extra, fileErrs, err := intel.LoadDir(a.Config.Intel)
	if err != nil {
		return fmt.Errorf("loading intel from %s: %w", a.Config.Intel, err)
	}
	for _, fe := range fileErrs {
		a.Logger.Warn("intel file skipped", "error", fe)
	}
	a.Intel = append(a.Intel, extra)
	return nil
}

func (a *App) openGuard(ctx context.Context, log *slog.Logger, now func() time.Time) error {
	timeout := time.Duration(a.Config.PolicyTimeout)
	if timeout <= 0 {
		timeout = 500 * time.Millisecond
	}
	cfg := guardrails.Config{
		Dir: a.Config.Policies, Logger: log, Now: now, Watch: a.Config.Watch(),
		Timeout: timeout,
	}
	g, err := guardrails.New(ctx, cfg)
	if errors.Is(err, guardrails.ErrNoPolicy) {
		// A lead's broken file must not take the service down: with no valid
		// policy only read-only tools run, the guard reports itself degraded,
		// and (watching) the first good policy saved takes over.
		log.ErrorContext(ctx, "no valid policy: only read-only tools run until one loads",
			"dir", a.Config.Policies, "error", err)
		g, err = guardrails.NewReadOnly(ctx, cfg)
	}
	if err != nil {
		return fmt.Errorf("loading policies: %w", err)
	}
	a.Guard = g
	return nil
}

func (a *App) openTools(log *slog.Logger) error {
	a.Tools = tools.NewRegistry(tools.RegistryConfig{Logger: log})
	for _, t := range a.Lab.Tools() {
		if err := a.Tools.Register(t); err != nil {
			return fmt.Errorf("registering %s: %w", t.Spec().Name, err)
		}
	}
	return nil
}

func (a *App) openEngine(opts Options) error {
	log := opts.Logger
	pb, err := playbook.New(playbook.Config{Dir: a.Config.Playbooks, Logger: log})
	if err != nil {
		return fmt.Errorf("loading playbooks: %w", err)
	}
	if err := pb.Validate(a.Tools.Specs()); err != nil {
		return fmt.Errorf("checking playbooks against tools: %w", err)
	}
	a.Playbooks = pb

	var planner, fallback agent.Planner = pb, nil
	if opts.Planner != nil {
		planner, fallback = opts.Planner, pb
	} else if a.Config.LLM.BaseURL != "" {
		if planner, err = a.llmPlanner(log); err != nil {
			return err
		}
		fallback = pb
	}
	var guard agent.Guard = a.Guard
	if opts.Guard != nil {
		guard = opts.Guard
	}
	var mem agent.Memory // a nil *memory.Memory must stay a nil interface
	if a.Memory != nil {
		mem = a.Memory
	}
	if opts.Memory != nil {
		mem = opts.Memory
	}
	b := a.Config.Budgets
	a.Engine, err = agent.New(agent.Config{
		Store: a.Store, Guard: guard, Tools: a.Tools, Planner: planner, Fallback: fallback,
		Directory: directory{a.Lab}, Intel: engineIntel{a.Intel}, Memory: mem,
		Logger: log, Now: opts.Now, Window: time.Duration(a.Config.Window),
		Budgets: agent.Budgets{
			MaxActions: b.MaxActions, MaxRounds: b.MaxRounds,
			MaxDuration: time.Duration(b.MaxDuration), MaxTokens: b.MaxTokens,
		},
	})
	if err != nil {
		return fmt.Errorf("starting engine: %w", err)
	}
	return nil
}

// Close releases every part that was opened.
func (a *App) Close() error {
	var errs []error
	if a.Guard != nil {
		errs = append(errs, a.Guard.Close())
	}
	if a.Memory != nil {
		errs = append(errs, a.Memory.Close())
	}
	if a.Store != nil {
		errs = append(errs, a.Store.Close())
	}
	return errors.Join(errs...)
}

// IngestOptions are the parser limits the configuration sets, with the lab's
// domains as the organisation's.
func (a *App) IngestOptions() ingest.Options {
	c := a.Config.Ingest
	return ingest.Options{
		MaxFileBytes: c.MaxFileBytes, MaxRecordBytes: c.MaxRecordBytes,
		MaxTextBytes: c.MaxTextBytes, OrgDomain: a.Lab.IsInternalDomain,
	}
}
