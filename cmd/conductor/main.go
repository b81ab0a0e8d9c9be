// Command conductor investigates security incidents under policy: it turns
// alerts and reported e-mails into cases, plans and runs tool calls through an
// OPA guard, and records every step in a tamper-evident chain.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCmd().ExecuteContext(ctx)
	stop()
	os.Exit(exitCode(err))
}

// exitCodeError carries a specific exit code: 3 for a broken audit chain or a
// failing policy test, 4 for an eval below its thresholds.
type exitCodeError struct {
	code int
	err  error
}

func (e exitCodeError) Error() string { return e.err.Error() }
func (e exitCodeError) Unwrap() error { return e.err }

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ec exitCodeError
	if errors.As(err, &ec) {
		if ec.err != nil && ec.err.Error() != "" {
			fmt.Fprintln(os.Stderr, "conductor:", ec.err)
		}
		return ec.code
	}
	fmt.Fprintln(os.Stderr, "conductor:", err)
	return 1
}
