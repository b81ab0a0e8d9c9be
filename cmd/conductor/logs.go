package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/conductor-sec/conductor/internal/app"

	"github.com/conductor-sec/conductor/internal/report"
	"github.com/conductor-sec/conductor/internal/telemetry"
)

func newLogsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "logs", Short: "Load telemetry and search it (backs siem.search)"}
	cmd.AddCommand(newLogsLoadCmd(g), newLogsSearchCmd(g))
	return cmd
}

func newLogsLoadCmd(g *globals) *cobra.Command {
	var quiet bool
	cmd := &cobra.Command{
		Use:   "load FILE...",
		Short: "Load NDJSON, JSON arrays, Zeek TSV logs or zip files of them",
		Args:  cobra.MinimumNArgs(1),
		RunE: g.withApp(func(cmd *cobra.Command, a *app.App, args []string) error {
			out, errw := cmd.OutOrStdout(), cmd.ErrOrStderr()
			for _, p := range args {
				rep, err := a.Telemetry.LoadFile(cmd.Context(), p, progressPrinter(errw, quiet))
				if err != nil {
					return err
				}
				for _, le := range rep.Errors {
					fmt.Fprintf(errw, "skipped: %v\n", le)
				}
				fmt.Fprintf(out, "%s: %d events loaded in %s (%d lines skipped)\n", p,
					rep.Events, rep.Elapsed.Round(time.Millisecond), len(rep.Errors))
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&quiet, "quiet", false, "no progress output")
	return cmd
}

// progressPrinter shows progress for files over 8 MiB, at most every 5%.
func progressPrinter(w io.Writer, quiet bool) func(telemetry.Progress) {
	last := -1
	return func(p telemetry.Progress) {
		if quiet || p.Total < 8<<20 {
			return
		}
		pct := int(p.Bytes * 100 / p.Total)
		if pct/5 == last/5 {
			return
		}
		last = pct
		fmt.Fprintf(w, "\r%s: %3d%% (%d events)", p.File, pct, p.Events)
		if pct >= 100 {
			fmt.Fprintln(w)
		}
	}
}

func newLogsSearchCmd(g *globals) *cobra.Command {
	var asJSON bool
	var limit int
	var since, until string
	cmd := &cobra.Command{
		Use:   "search QUERY",
		Short: "Search loaded telemetry (words, \"phrases\", field:value, -term, OR)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if limit < 1 || limit > 1000 {
				return usageError("--limit %d: give 1 to 1000 events", limit)
			}
			q := telemetry.Query{Text: strings.Join(args, " "), Limit: limit}
			var err error
			if q.Since, err = parseTime("--since", since); err != nil {
				return err
			}
			if q.Until, err = parseTime("--until", until); err != nil {
				return err
			}
			a, err := g.openRecord(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			res, err := a.Telemetry.Search(cmd.Context(), q)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return json.NewEncoder(w).Encode(res)
			}
			fmt.Fprintf(w, "%d matching events (showing %d)\n", res.Total, len(res.Events))
			for _, e := range res.Events {
				fmt.Fprintf(w, "%s  %-28s %-6s %s\n", e.Time.Format(time.RFC3339), e.Host,
					e.EventID, report.Clean(trim(string(e.Raw), 140)))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().IntVar(&limit, "limit", 20, "at most this many events")
	cmd.Flags().StringVar(&since, "since", "", "only events at or after this RFC 3339 time")
	cmd.Flags().StringVar(&until, "until", "", "only events before this RFC 3339 time")
	return cmd
}

func parseTime(flag, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, usageError("%s %q: want an RFC 3339 time such as 2020-10-20T05:00:00Z",
			flag, v)
	}
	return t, nil
}
