package tools

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// maxBackoff caps one wait, so a large MaxAttempts cannot stall a case for
// hours.
const maxBackoff = 30 * time.Second

// retry runs call on e until it succeeds, fails for good, exhausts the
// attempts or ctx ends.
func (r *Registry) retry(ctx context.Context, e *entry, call Call) (Result, int, error) {
	var err error
	for attempt := 1; attempt <= r.maxAttempts; attempt++ {
		if cerr := ctx.Err(); cerr != nil {
			return Result{}, attempt - 1, fmt.Errorf("invoking %s: %w", call.Tool, cerr)
		}

		var res Result
		res, err = runOnce(ctx, e.tool, call)
		if err == nil {
			return res, attempt, nil
		}
		if !errors.Is(err, ErrTransient) || attempt == r.maxAttempts {
			return Result{}, attempt, fmt.Errorf("invoking %s (attempt %d of %d): %w",
				call.Tool, attempt, r.maxAttempts, err)
		}

		wait := r.delay(attempt)
		r.log.WarnContext(ctx, "tool call failed, retrying", "tool", call.Tool,
			"attempt", attempt, "wait_ms", wait.Milliseconds(), "error", err)
		if serr := r.sleep(ctx, wait); serr != nil {
			return Result{}, attempt, fmt.Errorf("invoking %s: waiting to retry: %w (last error: %w)",
				call.Tool, serr, err)
		}
	}
	return Result{}, r.maxAttempts, err
}

// runOnce calls the tool, turning a panic into an error so a faulty connector
// cannot take the engine down.
func runOnce(ctx context.Context, t Tool, call Call) (res Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("tool panicked: %v", p)
		}
	}()
	return t.Invoke(ctx, call)
}

// delay is the wait before retry number attempt: the base doubled per earlier
// retry, capped, then drawn from its upper half so that many callers failing
// together do not retry in lockstep.
func (r *Registry) delay(attempt int) time.Duration {
	d := r.backoff
	for i := 1; i < attempt && d < maxBackoff; i++ {
		d *= 2
	}
	d = min(d, maxBackoff)
	half := d / 2
	return half + rand.N(half+1)
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
