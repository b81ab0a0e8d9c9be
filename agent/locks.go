package agent

import (
	"context"
	"sync"
)

// CaseLocks serializes work on one case. The engine is safe for concurrent
// use on different cases only: two callers investigating, approving, closing
// or acting on the same case take turns here. The engine's own background
// work (due time limits, lapsed approvals) takes the same locks, so callers
// such as the REST API must use [Engine.Locks] rather than locks of their own.
type CaseLocks struct {
	mu sync.Mutex
	m  map[string]*caseLock
}

type caseLock struct {
	sem  chan struct{}
	refs int
}

// NewCaseLocks returns an empty set of case locks.
func NewCaseLocks() *CaseLocks { return &CaseLocks{m: map[string]*caseLock{}} }

// Lock waits for the case's turn, or for ctx to end. The returned function
// releases it.
func (l *CaseLocks) Lock(ctx context.Context, caseID string) (func(), error) {
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
func (l *CaseLocks) release(caseID string, cl *caseLock) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cl.refs--
	if cl.refs == 0 {
		delete(l.m, caseID)
	}
}
