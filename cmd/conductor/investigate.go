package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/conductor-sec/conductor/internal/app"
	"github.com/conductor-sec/conductor/internal/casework"
	"github.com/conductor-sec/conductor/internal/finding"
	"github.com/conductor-sec/conductor/internal/ingest"
	"github.com/conductor-sec/conductor/internal/report"
)

func newInvestigateCmd(g *globals) *cobra.Command {
	var asJSON, timeline bool
	var maxFile int64
	cmd := &cobra.Command{
		Use:   "investigate FILE...",
		Short: "Ingest alert or e-mail files and investigate the cases they open",
		Long: "Reads alerts (Suricata EVE, GuardDuty, Elastic/ECS, OCSF, Wazuh, generic\n" +
			"JSON; one object, an array or NDJSON) and reported e-mails (.eml), correlates\n" +
			"them into cases and investigates each case, printing its timeline.",
		Args: cobra.MinimumNArgs(1),
		RunE: g.withApp(func(cmd *cobra.Command, a *app.App, args []string) error {
			opts := ingestOptions(a, maxFile)
			fs, err := readFindings(cmd.ErrOrStderr(), args, opts)
			if err != nil {
				return err
			}
			docs, err := investigate(cmd.Context(), a, fs)
			if err != nil {
				return err
			}
			return printDocs(cmd.OutOrStdout(), docs, asJSON, timeline)
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON document per case")
	cmd.Flags().BoolVar(&timeline, "timeline", false, "print the full audit timeline")
	cmd.Flags().Int64Var(&maxFile, "max-file-bytes", 0, "largest input file (default 64 MiB)")
	return cmd
}

func ingestOptions(a *app.App, maxFile int64) ingest.Options {
	opts := a.IngestOptions()
	if maxFile > 0 {
		opts.MaxFileBytes = maxFile
	}
	return opts
}

// readFindings parses every file; bad records are reported and skipped, and a
// file that cannot be read at all stops the command before anything is stored.
func readFindings(stderr io.Writer, paths []string, opts ingest.Options) ([]finding.Finding,
	error) {
	var all []finding.Finding
	for _, p := range paths {
		res, err := ingest.ParseFile(p, opts)
		if err != nil {
			return nil, err
		}
		for _, re := range res.Errors {
			fmt.Fprintf(stderr, "skipped: %v\n", re)
		}
		all = append(all, res.Findings...)
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("no findings in %v: nothing to investigate", paths)
	}
	return all, nil
}

// investigate ingests findings and investigates each case they touched.
func investigate(ctx context.Context, a *app.App, fs []finding.Finding) ([]report.Doc, error) {
	return casework.IngestAndInvestigate(ctx, a.Engine, a.Store, fs)
}

func printDocs(w io.Writer, docs []report.Doc, asJSON, timeline bool) error {
	for _, d := range docs {
		if asJSON {
			if err := json.NewEncoder(w).Encode(d); err != nil {
				return err
			}
			continue
		}
		if err := report.Text(w, d); err != nil {
			return err
		}
		if timeline {
			printTimeline(w, d)
		}
		fmt.Fprintln(w)
	}
	return nil
}

func printTimeline(w io.Writer, d report.Doc) {
	fmt.Fprintln(w, "  timeline:")
	for _, e := range d.Timeline {
		fmt.Fprintf(w, "    #%-5d %s  %-16s %-16s %s\n", e.Seq, e.Time.Format("15:04:05.000"),
			e.Actor, e.Kind, report.Clean(e.Summary))
	}
}
