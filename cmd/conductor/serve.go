package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/conductor-sec/conductor/api"
	"github.com/conductor-sec/conductor/guardrails"
	"github.com/conductor-sec/conductor/internal/app"
)

func newServeCmd(g *globals) *cobra.Command {
	var addr, keysPath, newKey, role string
	var shutdown, tick time.Duration
	cmd := &cobra.Command{
		Use:   "serve [--addr HOST:PORT] [--keys FILE]",
		Short: "Serve the REST API, the MCP HTTP mount, the analyst console and metrics",
		Long: "Serves /api/v1, /mcp (streamable HTTP), the console at / and /metrics on one\n" +
			"address. Callers authenticate with API keys from --keys, a YAML file holding\n" +
			"each key's name, role and the SHA-256 of its token. Without --keys it listens\n" +
			"only on a loopback address, with a one-time admin token printed on stderr.\n" +
			"--new-key NAME --role ROLE makes a token, adds it to --keys and prints it once.\n" +
			"Every --timer-interval it undoes due, unconfirmed time-limited containment\n" +
			"and expires lapsed approvals, as `conductor timers run` does, and resumes\n" +
			"cases a policy outage paused once a policy is in force.\n" +
			"SIGTERM or Ctrl-C shuts down gracefully. See docs/api.md.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("new-key") && !api.ValidName(newKey) {
				return usageError("--new-key %q: give the key's name, 1-64 letters, digits, "+
					"'.', '_', '@' or '-'", newKey)
			}
			if newKey != "" {
				return printNewKey(cmd.OutOrStdout(), keysPath, newKey, role)
			}
			if tick <= 0 {
				return usageError("--timer-interval must be positive, such as 30s")
			}
			keys, err := serveKeys(cmd.ErrOrStderr(), addr, keysPath)
			if err != nil {
				return err
			}
			return g.withApp(func(cmd *cobra.Command, a *app.App, _ []string) error {
				return serve(cmd, a, addr, keys, shutdown, tick)
			})(cmd, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	f.StringVar(&keysPath, "keys", "", "API keys file (required off loopback)")
	f.StringVar(&newKey, "new-key", "", "make a token for a new key NAME, print it once, exit")
	f.StringVar(&role, "role", api.RoleAnalyst, "role of --new-key: analyst, lead, agent, admin")
	f.DurationVar(&shutdown, "shutdown-timeout", 30*time.Second,
		"how long a graceful shutdown waits for requests in flight")
	f.DurationVar(&tick, "timer-interval", 30*time.Second,
		"how often due time limits are undone and lapsed approvals expired")
	return cmd
}

// runTimersEvery undoes due time-limited containment and expires lapsed
// approvals every interval until ctx ends, so a server keeps the promise that
// unconfirmed containment is undone when its time is up.
func runTimersEvery(ctx context.Context, a *app.App, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		fired, err := a.Engine.RunTimers(ctx)
		if err != nil && ctx.Err() == nil {
			a.Logger.Error("running due time limits", "error", err)
		}
		expired, err := a.Engine.ExpireApprovals(ctx)
		if err != nil && ctx.Err() == nil {
			a.Logger.Error("expiring approvals", "error", err)
		}
		// Cases a policy outage paused go on once a policy is in force again.
		if a.Guard.Version() != guardrails.NoPolicyVersion {
			if ids, err := a.Engine.ResumePaused(ctx); err != nil && ctx.Err() == nil {
				a.Logger.Error("resuming paused cases", "error", err)
			} else if len(ids) > 0 {
				a.Logger.Info("resumed cases a policy outage paused", "cases", ids)
			}
		}
		if len(fired) > 0 || expired > 0 {
			a.Logger.Info("timers run", "time_limits_reached", len(fired),
				"approvals_expired", expired)
		}

		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func serve(cmd *cobra.Command, a *app.App, addr string, keys *api.Keys,
	shutdown, tick time.Duration) error {
	log := a.Logger

	// A previous process may have died mid-case; finish what it left.
	if ids, err := a.Engine.Resume(cmd.Context()); err != nil {
		log.Warn("resuming unfinished cases", "error", err)
	} else if len(ids) > 0 {
		log.Info("resumed unfinished cases", "cases", ids)
	}

	// The timer loop stops with the server, before the app closes.
	ctx, stop := context.WithCancel(cmd.Context())
	timers := make(chan struct{})
	go func() {
		defer close(timers)
		runTimersEvery(ctx, a, tick)
	}()
	defer func() {
		stop()
		<-timers
	}()

	srv, err := api.New(api.Config{App: a, Keys: keys, Logger: log, ShutdownTimeout: shutdown})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "conductor serving on http://%s (database %s)\n",
		ln.Addr(), a.Config.DB)
	return srv.Serve(cmd.Context(), ln)
}

// serveKeys loads the keys file, or, on a loopback address without one,
// makes a one-time admin key for this run and shows its token once.
func serveKeys(stderr io.Writer, addr, path string) (*api.Keys, error) {
	if path != "" {
		keys, err := api.LoadKeys(path)
		if err != nil {
			return nil, err
		}
		if keys.Len() == 0 {
			return nil, usageError("%s holds no keys: add one with --new-key NAME --role "+
				"ROLE --keys %s", path, path)
		}
		return keys, nil
	}
	if !api.Loopback(addr) {
		return nil, usageError("refusing to listen on %s without --keys: off loopback every "+
			"caller needs an API key (make one with --new-key NAME --role ROLE --keys FILE)",
			addr)
	}

	k, token, err := api.NewKey("local", api.RoleAdmin)
	if err != nil {
		return nil, err
	}
	keys, err := api.NewKeys(k)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "no --keys file: this run accepts one admin key, shown once:\n"+
		"  Authorization: Bearer %s\n", token)
	return keys, nil
}

func printNewKey(w io.Writer, path, name, role string) error {
	if path == "" {
		k, token, err := api.NewKey(name, role)
		if err != nil {
			return usageError("%v", err)
		}
		fmt.Fprintf(w, "token (shown once, store it now): %s\n"+
			"add to your keys file:\nkeys:\n  - name: %s\n    role: %s\n    sha256: %s\n",
			token, k.Name, k.Role, k.SHA256)
		return nil
	}
	token, err := api.AddKey(path, name, role)
	if err != nil {
		return usageError("%v", err)
	}
	fmt.Fprintf(w, "added %s (%s) to %s\ntoken (shown once, store it now): %s\n", name, role,
		path, token)
	return nil
}
