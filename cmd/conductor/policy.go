package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/conductor-sec/conductor/guardrails"
	"github.com/conductor-sec/conductor/internal/store"
)

func newPolicyCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "policy", Short: "Test, evaluate and replay Rego policies"}
	cmd.AddCommand(newPolicyTestCmd(g), newPolicyEvalCmd(g), newPolicyReplayCmd(g))
	return cmd
}

func newPolicyTestCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use: "test [DIR]",
		Short: "Run the Rego unit tests of a policy folder (default: the embedded policies) " +
			"and every other check the guard makes before loading it",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := g.policies
			if len(args) == 1 {
				dir = args[0]
			}
			// Vet runs the tests once and then the rest of what a live reload
			// checks; the tests passing is not all of it.
			res, refusal := guardrails.Vet(cmd.Context(), dir)
			if res == nil && refusal != nil {
				return refusal
			}
			w := cmd.OutOrStdout()
			if asJSON {
				if err := json.NewEncoder(w).Encode(res); err != nil {
					return err
				}
			}
			failed := 0
			for _, r := range res {
				if !r.Pass {
					failed++
				}
				if !asJSON {
					mark := "PASS"
					if !r.Pass {
						mark = "FAIL"
					}
					fmt.Fprintf(w, "%s  %s.%s (%s) %s\n", mark, r.Package, r.Name,
						r.Duration.Round(time.Microsecond), r.Fail)
				}
			}
			if !asJSON {
				fmt.Fprintf(w, "%d passed, %d failed\n", len(res)-failed, failed)
			}
			if failed > 0 {
				return exitCodeError{code: 3, err: fmt.Errorf("%d policy tests failed", failed)}
			}
			if refusal != nil {
				return exitCodeError{code: 3, err: fmt.Errorf("the guard would refuse this "+
					"policy: %w", refusal)}
			}
			if !asJSON {
				fmt.Fprintln(w, "the guard would load this policy (data, tests and canaries pass)")
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newPolicyEvalCmd(g *globals) *cobra.Command {
	var input string
	cmd := &cobra.Command{
		Use:   "eval --input FILE",
		Short: "Print the decision and reasons for one policy input (a JSON Request)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if input == "" {
				return usageError("--input is required: a JSON file holding one policy " +
					"input (see policies/README.md)")
			}
			gd, err := guardrails.New(cmd.Context(), guardrails.Config{Dir: g.policies})
			if err != nil {
				return err
			}
			defer gd.Close()
			d, err := guardrails.EvalFile(cmd.Context(), gd, input)
			if err != nil {
				return err
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(evalView{Decision: d, UndoAfter: durationText(d.UndoAfter)})
		},
	}
	cmd.Flags().StringVar(&input, "input", "", "JSON file with one policy input")
	return cmd
}

// evalView is a decision as `policy eval` prints it: the time limit reads as
// a duration ("4h0m0s"), not as the nanoseconds the record keeps.
type evalView struct {
	guardrails.Decision
	UndoAfter string `json:"undo_after,omitempty"`
}

func durationText(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return d.String()
}

func newPolicyReplayCmd(g *globals) *cobra.Command {
	var dir string
	var since time.Duration
	var asJSON bool
	var show int
	cmd := &cobra.Command{
		Use:   "replay --policy DIR [--since DURATION]",
		Short: "Re-decide every recorded action with a candidate policy and show what changes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return usageError("--policy is required: the folder of the candidate policy")
			}
			if since < 0 {
				return usageError("--since %s is negative: give how far back to replay, "+
					"such as 24h or 168h for a week", since)
			}
			a, err := g.openRecord(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			cand, err := guardrails.New(cmd.Context(), guardrails.Config{Dir: dir})
			if err != nil {
				return fmt.Errorf("candidate policy: %w", err)
			}
			defer cand.Close()

			var from time.Time
			if since > 0 {
				from = time.Now().Add(-since)
			}
			rep, err := replay(cmd, a.Store, cand, from)
			if err != nil {
				return err
			}
			if asJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(rep)
			}
			printReplay(cmd, rep, show)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "policy", "", "candidate policy folder")
	cmd.Flags().DurationVar(&since, "since", 0, "only actions decided within this long")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().IntVar(&show, "show", 50, "list at most this many changes")
	return cmd
}

// replay streams the decision log into the candidate guard.
func replay(cmd *cobra.Command, st *store.Store, cand *guardrails.Guard,
	since time.Time) (guardrails.ReplayReport, error) {
	recs := make(chan store.DecisionRecord, 256)
	errc := make(chan error, 1)
	go func() {
		defer close(recs)
		errc <- st.DecisionsFunc(cmd.Context(), since, func(d store.DecisionRecord) error {
			select {
			case recs <- d:
				return nil
			case <-cmd.Context().Done():
				return cmd.Context().Err()
			}
		})
	}()
	next := func() (string, string, json.RawMessage, guardrails.Outcome, bool, error) {
		d, ok := <-recs
		if !ok {
			return "", "", nil, "", false, nil
		}
		return d.ActionID, d.CaseID, d.Input, guardrails.Outcome(d.Outcome), true, nil
	}
	rep, err := guardrails.Replay(cmd.Context(), cand, next)
	for range recs {
	}
	return rep, errors.Join(err, <-errc)
}

func printReplay(cmd *cobra.Command, rep guardrails.ReplayReport, show int) {
	w := cmd.OutOrStdout()
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACTION\tCASE\tTOOL\tOLD\tNEW\tREASON")
	for i, c := range rep.Changes {
		if i >= show {
			fmt.Fprintf(tw, "… %d more\t\t\t\t\t\n", len(rep.Changes)-show)
			break
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.ActionID, c.CaseID, c.Tool, c.Old, c.New,
			firstReason(c.Reasons))
	}
	tw.Flush()
	keys := make([]string, 0, len(rep.ByTransition))
	for k := range rep.ByTransition {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, rep.ByTransition[k]))
	}
	fmt.Fprintf(w, "%d decisions replayed in %s; %d would change (%s)\n", rep.Total,
		rep.Elapsed.Round(time.Millisecond), rep.Changed, strings.Join(parts, ", "))
}
