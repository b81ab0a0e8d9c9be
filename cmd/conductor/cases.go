package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/conductor-sec/conductor/internal/app"

	"github.com/conductor-sec/conductor/internal/casework"
	"github.com/conductor-sec/conductor/internal/report"
	"github.com/conductor-sec/conductor/internal/store"
)

func newCasesCmd(g *globals) *cobra.Command {
	var asJSON bool
	var state string
	var limit int
	cmd := &cobra.Command{
		Use:   "cases",
		Short: "List cases, newest first",
		Args:  cobra.NoArgs,
		RunE: g.withRecord(func(cmd *cobra.Command, a *app.App, _ []string) error {
			cs, err := a.Store.ListCases(cmd.Context(), store.CaseFilter{State: state, Limit: limit})
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return json.NewEncoder(w).Encode(report.CasesOf(cs))
			}
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSTATE\tVERDICT\tSEVERITY\tSCORE\tFINDINGS\tTITLE")
			for _, c := range cs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\n", c.ID, c.State, c.Verdict,
					c.Severity, c.Score, c.FindingCount, report.Clean(trim(c.Title, 60)))
			}
			return tw.Flush()
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&state, "state", "", "only cases in this state")
	cmd.Flags().IntVar(&limit, "limit", 100, "at most this many cases")
	return cmd
}

func newCaseCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "case", Short: "Show or close one case"}
	cmd.AddCommand(newCaseShowCmd(g), newCaseCloseCmd(g))
	return cmd
}

func newCaseShowCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show a case with its actions, decisions, approvals and timeline",
		Args:  cobra.ExactArgs(1),
		RunE: g.withRecord(func(cmd *cobra.Command, a *app.App, args []string) error {
			doc, err := casework.Doc(cmd.Context(), a.Engine, a.Store, args[0])
			if err != nil {
				return err
			}
			return printDocs(cmd.OutOrStdout(), []report.Doc{doc}, asJSON, true)
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newCaseCloseCmd(g *globals) *cobra.Command {
	var verdict, note string
	var who identity
	cmd := &cobra.Command{
		Use:   "close ID --verdict V --note TEXT",
		Short: "Close a case with an analyst's verdict, kept beside the planner's",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if verdict == "" {
				return usageError("--verdict is required: malicious, suspicious, benign " +
					"or inconclusive")
			}
			a, err := g.openRecord(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			me, err := who.principal()
			if err != nil {
				return err
			}
			c, err := a.Engine.Close(cmd.Context(), args[0], verdict, note, me)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s closed as %s by %s (planner said %s)\n",
				c.ID, c.AnalystVerdict, c.AnalystName, c.Verdict)
			return nil
		},
	}
	cmd.Flags().StringVar(&verdict, "verdict", "", "malicious, suspicious, benign or inconclusive")
	cmd.Flags().StringVar(&note, "note", "", "the analyst's reasoning")
	who.flags(cmd)
	return cmd
}

func trim(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
