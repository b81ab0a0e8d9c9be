package main

import (
	"github.com/spf13/cobra"

	"github.com/conductor-sec/conductor/api"
	"github.com/conductor-sec/conductor/internal/app"
)

func newMCPCmd(g *globals) *cobra.Command {
	var client string
	cmd := &cobra.Command{
		Use:   "mcp [--client NAME]",
		Short: "Serve MCP on stdin and stdout for a local AI agent",
		Long: "Speaks the Model Context Protocol on stdin and stdout. Every registry tool is\n" +
			"offered with an extra required case_id argument; each call goes through the\n" +
			"same policy, approvals and audit chain as the planner's, recorded as\n" +
			"mcp:NAME with role agent. Read tools case_get, cases_list, approvals_list\n" +
			"and the playbooks (as resources) are offered too. Logs go to stderr.\n" +
			"For MCP over HTTP, see `conductor serve` (/mcp) and docs/api.md.",
		Args: cobra.NoArgs,
		RunE: g.withApp(func(cmd *cobra.Command, a *app.App, _ []string) error {
			return api.ServeStdio(cmd.Context(), api.StdioConfig{App: a, Client: client,
				Logger: a.Logger}, cmd.InOrStdin(), cmd.OutOrStdout())
		}),
	}
	cmd.Flags().StringVar(&client, "client", "stdio",
		"the client's name: its calls are recorded as mcp:NAME")
	return cmd
}
