package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/conductor-sec/conductor/internal/app"

	"github.com/conductor-sec/conductor/internal/report"
	"github.com/conductor-sec/conductor/internal/store"
)

func newTimersCmd(g *globals) *cobra.Command {
	var asJSON bool
	var status string
	cmd := &cobra.Command{
		Use:   "timers",
		Short: "List time limits on reversible containment (pending by default)",
		Args:  cobra.NoArgs,
		RunE: g.withRecord(func(cmd *cobra.Command, a *app.App, _ []string) error {
			st, err := statusFilter(status, store.TimerPending, store.TimerConfirmed,
				store.TimerFired, store.TimerSuperseded)
			if err != nil {
				return err
			}
			ts, err := a.Store.ListTimers(cmd.Context(), st)
			if err != nil {
				return err
			}
			if ts == nil {
				ts = []store.Timer{}
			}
			if asJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(ts)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TIMER\tACTION\tCASE\tDUE\tSTATUS\tUNDO")
			for _, t := range ts {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s %s\n", t.ID, t.ActionID, t.CaseID,
					t.Due.Format(time.RFC3339), t.Status, t.Tool, report.Clean(string(t.Args)))
			}
			return tw.Flush()
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&status, "status", "pending",
		"pending, confirmed, fired, superseded, or all")
	cmd.AddCommand(&cobra.Command{
		Use:   "run",
		Short: "Undo every due, unconfirmed containment (through the guard) and expire approvals",
		Args:  cobra.NoArgs,
		RunE: g.withRecord(func(cmd *cobra.Command, a *app.App, _ []string) error {
			fired, err := a.Engine.RunTimers(cmd.Context())
			if err != nil {
				return err
			}
			expired, err := a.Engine.ExpireApprovals(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d time limits reached, %d approvals expired\n",
				len(fired), expired)
			return nil
		}),
	})
	return cmd
}

func newConfirmCmd(g *globals) *cobra.Command {
	var note string
	var who identity
	cmd := &cobra.Command{
		Use:   "confirm ACTION-ID",
		Short: "Keep a time-limited containment in force: its undo will not run",
		Args:  cobra.ExactArgs(1),
		RunE: g.withRecord(func(cmd *cobra.Command, a *app.App, args []string) error {
			me, err := who.principal()
			if err != nil {
				return err
			}
			t, err := a.Engine.Confirm(cmd.Context(), args[0], me, note)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s confirmed: %s will not run (timer %s)\n",
				args[0], t.Tool, t.ID)
			return nil
		}),
	}
	cmd.Flags().StringVar(&note, "note", "", "why it should stand")
	who.flags(cmd)
	return cmd
}

func newResumeCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "resume",
		Short: "Finish what a stopped process left: retry running actions once, re-plan open cases",
		Long: "Actions recorded as running when a process died are decided again and retried\n" +
			"with their idempotency key, so a tool that already acted does not act twice;\n" +
			"cases left investigating are investigated again.",
		Args: cobra.NoArgs,
		RunE: g.withRecord(func(cmd *cobra.Command, a *app.App, _ []string) error {
			ids, err := a.Engine.Resume(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d cases resumed %v\n", len(ids), ids)
			return nil
		}),
	}
}
