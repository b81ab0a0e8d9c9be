package api

import (
	"context"
	"sync"
)

// caseLocks serializes work on one case. The engine is safe for concurrent
// use on different cases only; two requests investigating, closing or
// acting on the same case take turns here.
type caseLocks struct {
	mu sync.Mutex
	m  map[string]*caseLock
}

type caseLock struct {
	sem  chan struct{}
	refs int
}

func newCaseLocks() *caseLocks { return &caseLocks{m: map[string]*caseLock{}} }

// lock waits for the case's turn, or for ctx to end. The returned function
// releases it.
func (l *caseLocks) lock(ctx context.Context, caseID string) (func(), error) {
	l.mu.Lock()
	cl := l.m[caseID]
	if cl == nil {
		cl = &caseLock{sem: make(chan struct{}, 1)}
		l.m[caseID] = cl
	}
	cl.refs++
	l.mu.Unlock()

	select {
	case cl.sem <- struct{}{}:
		return func() { <-cl.sem; l.release(caseID, cl) }, nil
	case <-ctx.Done():
		l.release(caseID, cl)
		return nil, ctx.Err()
	}
}

// release forgets a case nobody waits on, so the map stays small.
func (l *caseLocks) release(caseID string, cl *caseLock) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cl.refs--
	if cl.refs == 0 {
		delete(l.m, caseID)
	}
}
