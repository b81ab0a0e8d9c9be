package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/conductor-sec/conductor/internal/app"
)

func newAuditCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Check the tamper-evident record"}
	var asJSON bool
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Verify the whole hash chain and name the first broken link",
		Args:  cobra.NoArgs,
		RunE: g.withRecord(func(cmd *cobra.Command, a *app.App, _ []string) error {
			rep, err := a.Store.VerifyChain(cmd.Context())
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				if err := json.NewEncoder(w).Encode(rep); err != nil {
					return err
				}
			} else if rep.OK {
				fmt.Fprintf(w, "audit chain intact: %d steps verified\n", rep.Checked)
			} else {
				fmt.Fprintf(w, "audit chain BROKEN at step %d: %s (%d steps checked)\n",
					rep.BrokenSeq, rep.Reason, rep.Checked)
			}
			if !rep.OK {
				return exitCodeError{code: 3, err: errors.New("")}
			}
			return nil
		}),
	}
	verify.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(verify)
	return cmd
}
