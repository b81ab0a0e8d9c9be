package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/conductor-sec/conductor/evals"
)

// defaultCorpus is where the shared corpus sits next to a checkout.
const defaultCorpus = "../shared/corpus"

func newEvalCmd(g *globals) *cobra.Command {
	var planner, dir, corpus string
	var repeat int
	var asJSON bool
	var minVerdict float64
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Run the scenario suite in fresh labs and print the scorecard",
		Long: "Investigates every scenario (the embedded evals/scenarios, or --scenarios) in\n" +
			"a fresh lab with the chosen planner, scores what happened against each\n" +
			"scenario's ground truth by exact matching, and prints the scorecard. It exits\n" +
			"4 when a forbidden action ran or verdict accuracy (worst run) is below\n" +
			"--min-verdict-accuracy. Scenarios reading the corpus are skipped when it is\n" +
			"absent. See docs/evals.md.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			scs, err := loadScenarios(dir)
			if err != nil {
				return err
			}
			cfg, err := g.load()
			if err != nil {
				return err
			}
			log := slog.New(slog.DiscardHandler)
			if cfg.Log.Level != "" {
				log = newLogger(cfg.Log)
			}
			card, err := evals.Run(cmd.Context(), scs, evals.Options{
				Planner: planner, Repeat: repeat, CorpusRoot: corpusRoot(corpus),
				Config: cfg, Logger: log,
			})
			if err != nil {
				return err
			}
			if err := printCard(cmd.OutOrStdout(), card, asJSON); err != nil {
				return err
			}
			if err := card.Gate(minVerdict); err != nil {
				return exitCodeError{code: 4, err: fmt.Errorf("eval failed: %w", err)}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&planner, "planner", evals.PlannerPlaybook, "planner to evaluate")
	f.StringVar(&dir, "scenarios", "", "scenario folder (default: the embedded scenarios)")
	f.IntVar(&repeat, "repeat", 1, "run every scenario this many times; report mean and worst")
	f.BoolVar(&asJSON, "json", false, "print the scorecard as JSON")
	f.StringVar(&corpus, "corpus", "", "corpus root (default $CONDUCTOR_CORPUS, else "+
		defaultCorpus+" when it exists)")
	f.Float64Var(&minVerdict, "min-verdict-accuracy", 0.9,
		"fail (exit 4) below this verdict accuracy")
	return cmd
}

func loadScenarios(dir string) ([]evals.Scenario, error) {
	if dir == "" {
		return evals.Embedded()
	}
	return evals.Load(dir)
}

// corpusRoot picks the corpus folder: the flag, the environment, or the
// shared corpus next to the working directory when it exists.
func corpusRoot(flag string) string {
	if flag != "" {
		return flag
	}
	if env := os.Getenv("CONDUCTOR_CORPUS"); env != "" {
		return env
	}
	if info, err := os.Stat(defaultCorpus); err == nil && info.IsDir() {
		abs, err := filepath.Abs(defaultCorpus)
		if err == nil {
			return abs
		}
		return defaultCorpus
	}
	return ""
}

func printCard(w io.Writer, card evals.Scorecard, asJSON bool) error {
	if !asJSON {
		return card.WriteText(w)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(card)
}
