package agent

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestCaseLocksSerializeOneCase(t *testing.T) {
	l := NewCaseLocks()
	var inside, most atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock, err := l.Lock(context.Background(), "CASE-000001")
			if err != nil {
				t.Error(err)
				return
			}
			n := inside.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(time.Millisecond)
			inside.Add(-1)
			unlock()
		}()
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Errorf("%d goroutines held one case's lock at once, want 1", most.Load())
	}
	if len(l.m) != 0 {
		t.Errorf("%d locks left after every holder released, want 0", len(l.m))
	}
}

func TestCaseLocksOtherCasesAndCancel(t *testing.T) {
	l := NewCaseLocks()
	unlock, err := l.Lock(context.Background(), "CASE-000001")
	if err != nil {
		t.Fatal(err)
	}

	other, err := l.Lock(context.Background(), "CASE-000002")
	if err != nil {
		t.Fatalf("another case waited on CASE-000001's lock: %v", err)
	}
	other()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := l.Lock(ctx, "CASE-000001"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("lock of a held case with a short deadline = %v, want DeadlineExceeded", err)
	}
	unlock()
	if len(l.m) != 0 {
		t.Errorf("%d locks left, want 0", len(l.m))
	}
}
