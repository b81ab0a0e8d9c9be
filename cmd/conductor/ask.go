package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/conductor-sec/conductor/internal/app"

	"github.com/conductor-sec/conductor/agent/answer"
)

func newAskCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ask CASE-ID QUESTION...",
		Short: "Answer a plain-language question about a case from its record",
		Long: "Answers from the case's record alone, without a model: the verdict and why,\n" +
			"what was blocked, isolated, disabled or quarantined, what waits for approval,\n" +
			"the hosts, users, addresses, domains and links involved, ATT&CK techniques,\n" +
			"the e-mail's sender, SPF/DKIM/DMARC and attachments, the score and its\n" +
			"factors, what failed, and when it started. Answers cite step numbers and\n" +
			"finding ids; a question it does not recognise gets \"" + answer.NoAnswer + "\"",
		Args: cobra.MinimumNArgs(2),
		RunE: g.withRecord(func(cmd *cobra.Command, a *app.App, args []string) error {
			src := answer.Record{Engine: a.Engine, Store: a.Store}
			ans, err := answer.Ask(cmd.Context(), src, args[0], strings.Join(args[1:], " "))
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return json.NewEncoder(w).Encode(ans)
			}
			_, err = fmt.Fprintln(w, ans.Text)
			return err
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false,
		"print the answer, its intent and citations as JSON")
	return cmd
}
