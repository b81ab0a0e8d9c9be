package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/conductor-sec/conductor/api"
	"github.com/conductor-sec/conductor/guardrails"
	"github.com/conductor-sec/conductor/internal/app"
	"github.com/conductor-sec/conductor/internal/report"
	"github.com/conductor-sec/conductor/internal/store"
)

// identity is who runs a command that decides something. On the CLI the
// operator of the machine is trusted to say their name and role; the API
// authenticates them instead.
type identity struct {
	name string
	role string
}

func (i *identity) flags(cmd *cobra.Command) {
	def := os.Getenv("CONDUCTOR_USER")
	if def == "" {
		if u, err := user.Current(); err == nil {
			def = u.Username
		}
	}
	cmd.Flags().StringVar(&i.name, "as", def, "your analyst name")
	cmd.Flags().StringVar(&i.role, "role", "analyst", "your role: analyst, lead or admin")
}

// principal is the person the flags name, refused when --as is not a plain
// name (so "--as mcp:lee" cannot pass for someone other than lee) or --role
// is not a human role.
func (i identity) principal() (guardrails.Principal, error) {
	if !api.ValidName(i.name) {
		return guardrails.Principal{}, usageError("--as %q: give your name, 1-64 letters, "+
			"digits, '.', '_', '@' or '-' (no prefix such as analyst:)", i.name)
	}
	if !slices.Contains([]string{api.RoleAnalyst, api.RoleLead, api.RoleAdmin}, i.role) {
		return guardrails.Principal{}, usageError("--role %q: give analyst, lead or admin",
			i.role)
	}
	return guardrails.Principal{Name: "analyst:" + i.name, Role: i.role}, nil
}

// statusFilter checks a --status value against the statuses a list knows and
// returns what the store takes: "" for all ("all" or "").
func statusFilter(status string, known ...string) (string, error) {
	if status == "all" || status == "" {
		return "", nil
	}
	if !slices.Contains(known, status) {
		return "", usageError("--status %q: give one of %s, or all", status,
			strings.Join(known, ", "))
	}
	return status, nil
}

func newApprovalsCmd(g *globals) *cobra.Command {
	var asJSON bool
	var status string
	cmd := &cobra.Command{
		Use:   "approvals",
		Short: "List approval requests (pending by default)",
		Args:  cobra.NoArgs,
		RunE: g.withRecord(func(cmd *cobra.Command, a *app.App, _ []string) error {
			st, err := statusFilter(status, "pending", "approved", "rejected", "expired",
				"used", "void")
			if err != nil {
				return err
			}
			if _, err := a.Engine.ExpireApprovals(cmd.Context()); err != nil {
				return err
			}
			aps, err := a.Store.ListApprovals(cmd.Context(), st)
			if err != nil {
				return err
			}
			if asJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(aps)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tCASE\tSTATUS\tROLE\tTOOL\tARGS\tEXPIRES\tWHY")
			for _, ap := range aps {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", ap.ID, ap.CaseID, ap.Status,
					ap.ApproverRole, ap.Tool, report.Clean(string(ap.Args)),
					ap.ExpiresAt.Format(time.RFC3339), report.Clean(firstReason(ap.Reasons)))
			}
			return tw.Flush()
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&status, "status", "pending",
		"pending, approved, rejected, expired, used, void, or all")
	cmd.AddCommand(newApprovalShowCmd(g))
	return cmd
}

func newApprovalShowCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show what an approver needs: the call, why it was held, evidence, blast radius, undo",
		Args:  cobra.ExactArgs(1),
		RunE: g.withRecord(func(cmd *cobra.Command, a *app.App, args []string) error {
			v, err := a.Engine.Explain(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return json.NewEncoder(w).Encode(v)
			}
			ap := v.Approval
			fmt.Fprintf(w, "%s  %s %s on %s (%s)\n", ap.ID, ap.Tool,
				report.Clean(string(ap.Args)), ap.CaseID, ap.Status)
			fmt.Fprintf(w, "  requested by %s; the role %s may approve until %s\n", ap.RequestedBy,
				ap.ApproverRole, ap.ExpiresAt.Format(time.RFC3339))
			section(w, "held because", ap.Reasons)
			section(w, "evidence", v.Evidence)
			section(w, "blast radius", v.BlastRadius)
			fmt.Fprintf(w, "  undo: %s\n", v.Undo)
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func section(w io.Writer, title string, lines []string) {
	fmt.Fprintf(w, "  %s:\n", title)
	for _, l := range lines {
		fmt.Fprintf(w, "    - %s\n", report.Clean(l))
	}
}

func firstReason(rs []string) string {
	if len(rs) == 0 {
		return ""
	}
	return trim(rs[0], 70)
}

func newApproveCmd(g *globals, approve bool) *cobra.Command {
	var note string
	var asJSON bool
	var who identity
	use, short := "approve ID", "Approve a held action: it runs once and the case resumes"
	if !approve {
		use, short = "reject ID", "Reject a held action: it never runs and the case resumes"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: g.withRecord(func(cmd *cobra.Command, a *app.App, args []string) error {
			decide := a.Engine.Approve
			if !approve {
				decide = a.Engine.Reject
			}
			me, err := who.principal()
			if err != nil {
				return err
			}
			out, err := decide(cmd.Context(), args[0], me, note)
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no approval or action %s: list the pending ones with "+
					"`conductor approvals`: %w", args[0], err)
			}
			if err != nil {
				return fmt.Errorf("%s refused: %w", args[0], err)
			}
			if asJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(out)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s: %s %s is %s\n", out.Approval.ID,
				out.Approval.Status, out.Action.Tool, report.Clean(string(out.Action.Args)),
				out.Action.Status)
			if out.Report != nil {
				r := out.Report
				fmt.Fprintf(cmd.OutOrStdout(), "%s resumed: state %s, verdict %s\n",
					r.Case.ID, r.Case.State, r.Case.Verdict)
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&note, "note", "", "why")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	who.flags(cmd)
	return cmd
}
