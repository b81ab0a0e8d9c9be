package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/conductor-sec/conductor/internal/app"
	"github.com/conductor-sec/conductor/internal/demo"
	"github.com/conductor-sec/conductor/internal/report"
)

func newDemoCmd(g *globals) *cobra.Command {
	var verbose, asJSON bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Investigate the bundled samples on embedded defaults and print a summary",
		Long: "Runs the main job with no model, no server and no network: loads bundled\n" +
			"attack telemetry, ingests bundled alerts and reported e-mails, investigates\n" +
			"every case with the playbook planner under the default policies, and prints\n" +
			"cases, verdicts, held approvals and the audit check. Without --db it uses a\n" +
			"fresh database in a temporary folder, so every run starts clean.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if g.db == "" {
				dir, err := os.MkdirTemp("", "conductor-demo-")
				if err != nil {
					return err
				}
				g.db = filepath.Join(dir, "demo.db")
			}
			a, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			return runDemo(cmd.Context(), a, cmd.OutOrStdout(), verbose, asJSON)
		},
	}
	cmd.Flags().BoolVar(&verbose, "verbose", false, "print every case's timeline too")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON document per case")
	return cmd
}

func runDemo(ctx context.Context, a *app.App, w io.Writer, verbose, asJSON bool) error {
	events, err := demo.LoadTelemetry(ctx, a)
	if err != nil {
		return err
	}
	fs, err := demo.Findings(a.IngestOptions())
	if err != nil {
		return err
	}
	docs, err := investigate(ctx, a, fs)
	if err != nil {
		return err
	}
	if asJSON {
		return printDocs(w, docs, true, false)
	}

	fmt.Fprintf(w, "Conductor demo: %d findings from the bundled samples, %d telemetry events "+
		"loaded, database %s\n\n", len(fs), events, a.Config.DB)
	if verbose {
		if err := printDocs(w, docs, false, true); err != nil {
			return err
		}
	}
	printSummary(w, docs)
	printHeld(w, docs)
	if err := printTimers(ctx, a, w); err != nil {
		return err
	}
	return printAudit(ctx, a, w)
}

func printSummary(w io.Writer, docs []report.Doc) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CASE\tSOURCE\tVERDICT\tSEVERITY\tSCORE\tRAN\tHELD\tDENIED\tSTATE\tTITLE")
	for _, d := range docs {
		ran, held, denied := 0, 0, 0
		for _, s := range d.Steps {
			switch s.Status {
			case "executed":
				ran++
			case "held":
				held++
			case "denied":
				denied++
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\n", d.Case.ID,
			strings.Join(d.Case.Sources, ","), d.Case.Verdict, d.Case.Severity, d.Case.Score,
			ran, held, denied, d.Case.State, report.Clean(trim(d.Case.Title, 56)))
	}
	tw.Flush()
	fmt.Fprintln(w)
}

func printHeld(w io.Writer, docs []report.Doc) {
	fmt.Fprintln(w, "Held for human approval:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	n := 0
	for _, d := range docs {
		for _, ap := range d.Approvals {
			if ap.Status != "pending" {
				continue
			}
			n++
			fmt.Fprintf(tw, "  %s\t%s\t%s %s\t%s\t%s\n", ap.ID, ap.CaseID, ap.Tool,
				report.Clean(trim(string(ap.Args), 60)), ap.ApproverRole,
				report.Clean(firstReason(ap.Reasons)))
		}
	}
	tw.Flush()
	if n == 0 {
		fmt.Fprintln(w, "  none")
	}
	fmt.Fprintln(w)
}

func printTimers(ctx context.Context, a *app.App, w io.Writer) error {
	ts, err := a.Store.ListTimers(ctx, "pending")
	if err != nil || len(ts) == 0 {
		return err
	}
	fmt.Fprintln(w, "Containment that ran on its own, undone when due unless a human confirms it:")
	for _, t := range ts {
		fmt.Fprintf(w, "  %s on %s: its undo %s %s runs at %s unless you run "+
			"`conductor confirm %s`\n", t.ActionID, t.CaseID, t.Tool,
			report.Clean(string(t.Args)), t.Due.Format(time.RFC3339), t.ActionID)
	}
	fmt.Fprintln(w)
	return nil
}

func printAudit(ctx context.Context, a *app.App, w io.Writer) error {
	rep, err := a.Store.VerifyChain(ctx)
	if err != nil {
		return err
	}
	if rep.OK {
		fmt.Fprintf(w, "Audit chain intact: %d steps verified.\n", rep.Checked)
	} else {
		fmt.Fprintf(w, "Audit chain BROKEN at step %d: %s\n", rep.BrokenSeq, rep.Reason)
	}
	fmt.Fprintf(w, "\nNext: conductor --db %s case show CASE-000001\n", a.Config.DB)
	fmt.Fprintf(w, "      conductor --db %s approve <APR-ID> --as lead.name --role lead\n",
		a.Config.DB)
	return nil
}
