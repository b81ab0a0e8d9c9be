package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/conductor-sec/conductor/internal/bench"
)

func newBenchCmd(g *globals) *cobra.Command {
	var asJSON bool
	var opts bench.Options
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure and print the product's performance figures on this machine",
		Long: "Runs each workload on scratch databases in a temporary folder and prints\n" +
			"one table: ingest throughput, guard decision latency, playbook investigation\n" +
			"latency, policy replay time, telemetry load and search, peak memory. Each\n" +
			"figure names its workload and, where the project sets one, its target.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load()
			if err != nil {
				return err
			}
			opts.Logger = newLogger(cfg.Log)
			figs, err := bench.Run(cmd.Context(), opts)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(figs)
			}
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "FIGURE\tVALUE\tUNIT\tTARGET\tWORKLOAD")
			for _, f := range figs {
				fmt.Fprintf(tw, "%s\t%g\t%s\t%s\t%s\n", f.Name, f.Value, f.Unit, f.Target,
					f.Workload)
			}
			return tw.Flush()
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "print JSON")
	f.IntVar(&opts.Alerts, "alerts", 0, "alerts for the ingest figure (default 40000)")
	f.IntVar(&opts.Decisions, "decisions", 0, "guard decisions timed (default 20000)")
	f.IntVar(&opts.Cases, "cases", 0, "cases investigated (default 200)")
	f.IntVar(&opts.Replay, "replay", 0, "decisions replayed (default 100000)")
	f.IntVar(&opts.Events, "events", 0, "telemetry events loaded (default 50000)")
	return cmd
}
