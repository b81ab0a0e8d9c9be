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
	"runtime/debug"
	"syscall"
)

// gcPercent and memoryLimit trade memory for guard latency. Each policy
// decision allocates tens of kilobytes, so with Go's default (GOGC=100) on a
// small heap a collection runs every few hundred decisions and the slowest 1%
// wait behind it (p99 ~0.7 ms on 2 cores; ~0.3 ms at 400). The soft limit makes
// the collector work harder again as the heap nears 1 GiB. GOGC and GOMEMLIMIT
// in the environment override both.
const (
	gcPercent   = 400
	memoryLimit = 1 << 30
)

func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}

func main() {
	tuneGC()
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
