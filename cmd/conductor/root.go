package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/conductor-sec/conductor/internal/app"
	"github.com/conductor-sec/conductor/internal/config"
)

// globals are the flags every command takes.
type globals struct {
	configPath string
	db         string
	logLevel   string
	policies   string
	playbooks  string
	lab        string
	intel      string
}

func newRootCmd() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "conductor",
		Short: "Policy-bounded investigation of security incidents",
		Long: "Conductor turns alerts and reported e-mails into cases, enriches and scores\n" +
			"them, plans tool calls, sends every call through an OPA policy (allow,\n" +
			"needs approval, deny) and records each step in a tamper-evident chain.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	f := root.PersistentFlags()
	f.StringVar(&g.configPath, "config", os.Getenv("CONDUCTOR_CONFIG"),
		"configuration file (YAML; see docs/configuration.md)")
	f.StringVar(&g.db, "db", "", "SQLite database file (default "+config.DefaultDB()+")")
	f.StringVar(&g.logLevel, "log-level", "", "log level: debug, info, warn, error")
	f.StringVar(&g.policies, "policies", "", "policy folder replacing the embedded policies")
	f.StringVar(&g.playbooks, "playbooks", "", "playbook folder overriding embedded playbooks")
	f.StringVar(&g.lab, "lab", "", "lab organisation file replacing the embedded Acme Corp")
	f.StringVar(&g.intel, "intel", "", "folder of indicator files added to the embedded set")

	root.AddCommand(
		newInvestigateCmd(g), newDemoCmd(g), newCasesCmd(g), newCaseCmd(g),
		newApprovalsCmd(g), newApproveCmd(g, true), newApproveCmd(g, false),
		newAuditCmd(g), newLogsCmd(g), newPolicyCmd(g), newBenchCmd(g),
		newTimersCmd(g), newConfirmCmd(g), newResumeCmd(g),
		newEvalCmd(g), newAskCmd(g),
		newServeCmd(g), newMCPCmd(g),
	)
	return root
}

// load reads the config file and applies flags over it.
func (g *globals) load() (config.Config, error) {
	cfg, err := config.Load(g.configPath)
	if err != nil {
		return cfg, err
	}
	override(&cfg.DB, g.db)
	override(&cfg.Policies, g.policies)
	override(&cfg.Playbooks, g.playbooks)
	override(&cfg.Lab, g.lab)
	override(&cfg.Intel, g.intel)
	override(&cfg.Log.Level, g.logLevel)
	return cfg, nil
}

func override(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

// open builds the application from flags and config.
func (g *globals) open(ctx context.Context) (*app.App, error) { return g.openApp(ctx, false) }

// openRecord opens the application on a database that must already exist:
// commands that read or decide on the record (audit verify, cases,
// approvals) would otherwise make an empty one at a mistyped --db and report
// on nothing, such as an intact chain of zero steps.
func (g *globals) openRecord(ctx context.Context) (*app.App, error) {
	return g.openApp(ctx, true)
}

func (g *globals) openApp(ctx context.Context, mustExist bool) (*app.App, error) {
	cfg, err := g.load()
	if err != nil {
		return nil, err
	}
	path := cfg.DB
	if path == "" {
		path = config.DefaultDB()
	}
	if _, err := os.Stat(path); mustExist && errors.Is(err, fs.ErrNotExist) {
		return nil, usageError("no database at %s: pass the --db of an existing record, or "+
			"make one with `conductor demo --db %s` or `conductor investigate --db %s FILE`",
			path, path, path)
	}
	return app.Open(ctx, cfg, app.Options{Logger: newLogger(cfg.Log)})
}

// newLogger writes structured logs to stderr; warn and above by default so
// command output stays readable.
func newLogger(c config.Log) *slog.Logger {
	var level slog.Level
	switch strings.ToLower(c.Level) {
	case "debug":
		level = slog.LevelDebug
	case "info":
		level = slog.LevelInfo
	case "error":
		level = slog.LevelError
	default:
		level = slog.LevelWarn
	}
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

// usageError marks a bad invocation.
func usageError(format string, args ...any) error {
	return exitCodeError{code: 2, err: fmt.Errorf(format, args...)}
}

// withApp adapts a command body that needs the application: it builds it
// from flags and config, and closes it when the body returns.
func (g *globals) withApp(fn func(cmd *cobra.Command, a *app.App, args []string) error) func(
	*cobra.Command, []string) error {
	return runWith(g.open, fn)
}

// withRecord is withApp for commands on an existing record (see openRecord).
func (g *globals) withRecord(fn func(cmd *cobra.Command, a *app.App, args []string) error) func(
	*cobra.Command, []string) error {
	return runWith(g.openRecord, fn)
}

func runWith(open func(context.Context) (*app.App, error),
	fn func(cmd *cobra.Command, a *app.App, args []string) error) func(
	*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		a, err := open(cmd.Context())
		if err != nil {
			return err
		}
		defer a.Close()
		return fn(cmd, a, args)
	}
}
