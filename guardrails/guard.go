package guardrails

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// defaultTimeout bounds one decision when [Config.Timeout] is zero.
const defaultTimeout = 50 * time.Millisecond

// NoPolicyVersion is the policy version of decisions made without a valid
// policy, when only read-only tools run.
const NoPolicyVersion = "none"

// noPolicyReason is the reason given for every decision made without a policy.
const noPolicyReason = "no valid policy: only read-only tools run"

// policyErrorPrefix starts the reason of every decision the guard denied
// because the policy failed (T6); the engine pauses the case and raises an
// alert on it.
const policyErrorPrefix = "policy_error: "

// Config configures a [Guard].
type Config struct {
	// Dir is the policy folder; "" uses the defaults embedded from package
	// policies.
	Dir string
	// Logger receives load, reload and policy-error logs; nil discards them.
	Logger *slog.Logger
	// Timeout bounds one decision; zero means 50ms.
	Timeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Watch, when true, reloads Dir on file changes, keeping the last good
	// policy when the new one fails to compile, its tests fail or it fails the
	// canaries. It has no effect on the embedded defaults.
	Watch bool

	// unvetted loads a policy without running its tests and canaries, so the
	// package's tests can exercise how Decide fails on a broken policy.
	unvetted bool
}

// Guard decides proposed actions with a compiled policy. It is safe for
// concurrent use; a reload swaps the policy between two decisions.
type Guard struct {
	cfg Config
	log *slog.Logger

	current  atomic.Pointer[policy] // nil: no valid policy, read-only tools only
	reloadMu sync.Mutex

	failing atomic.Bool  // the latest decision failed closed
	errors  atomic.Int64 // decisions failed closed since start

	mu        sync.Mutex
	lastError string

	watch     *watcher
	closeOnce sync.Once
}

// Status is the guard's health, for the console and metrics.
type Status struct {
	// Version is the content hash of the policy in force, or [NoPolicyVersion].
	Version  string    `json:"version"`
	LoadedAt time.Time `json:"loaded_at,omitzero"`
	// LastError is the latest refused reload or failed decision, cleared when
	// a policy loads.
	LastError string `json:"last_error,omitempty"`
	// Degraded is true without a valid policy, or when the latest decision
	// failed closed.
	Degraded bool `json:"degraded"`
	// Errors counts decisions that failed closed since the guard started.
	Errors int64 `json:"errors"`
}

// New loads, tests and compiles the policy in cfg.Dir (or the embedded
// defaults) and returns a guard that decides with it. A policy is refused when
// it does not compile, one of its Rego tests fails, or it fails the built-in
// canaries; then New returns an error wrapping [ErrNoPolicy], and the caller
// may run [NewReadOnly] instead.
func New(ctx context.Context, cfg Config) (*Guard, error) {
	g, err := newGuard(cfg)
	if err != nil {
		return nil, err
	}

	if err := g.Reload(ctx); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoPolicy, err)
	}

	if err := g.startWatch(); err != nil {
		return nil, err
	}
	return g, nil
}

// NewReadOnly returns a guard without a policy: it allows read-only tools and
// denies everything else with the reason "no valid policy: only read-only
// tools run". With cfg.Watch it watches cfg.Dir and takes the first policy
// there that passes; [Guard.Reload] does the same on demand.
func NewReadOnly(ctx context.Context, cfg Config) (*Guard, error) {
	g, err := newGuard(cfg)
	if err != nil {
		return nil, err
	}

	g.setLastError(noPolicyReason)
	g.log.WarnContext(ctx, "no valid policy: only read-only tools run", "dir", cfg.Dir)
	if err := g.startWatch(); err != nil {
		return nil, err
	}
	return g, nil
}

func newGuard(cfg Config) (*Guard, error) {
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("guard config: negative timeout %s", cfg.Timeout)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = defaultTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Guard{cfg: cfg, log: cfg.Logger.With("component", "guardrails")}, nil
}

// Version returns the content hash of the policy files and data in force, or
// [NoPolicyVersion].
func (g *Guard) Version() string {
	if p := g.current.Load(); p != nil {
		return p.version
	}
	return NoPolicyVersion
}

// Status reports the policy in force and the guard's health.
func (g *Guard) Status() Status {
	g.mu.Lock()
	last := g.lastError
	g.mu.Unlock()

	s := Status{Version: NoPolicyVersion, LastError: last, Errors: g.errors.Load()}
	p := g.current.Load()
	if p != nil {
		s.Version, s.LoadedAt = p.version, p.loadedAt
	}
	s.Degraded = p == nil || g.failing.Load()
	return s
}

// Reload reads, tests and compiles the policy again and puts it in force. On
// any failure the policy in force stays, the error is logged at warn level,
// recorded in [Status] and returned.
func (g *Guard) Reload(ctx context.Context) error {
	g.reloadMu.Lock()
	defer g.reloadMu.Unlock()

	p, err := g.load(ctx)
	if err != nil {
		g.setLastError(err.Error())
		msg := "policy refused; the last good policy stays"
		if g.current.Load() == nil {
			msg = "policy refused; with no policy in force only read-only tools run"
		}
		g.log.WarnContext(ctx, msg, "dir", g.cfg.Dir, "version", g.Version(), "error", err)
		return err
	}
	g.setLastError("")
	if p == g.current.Load() {
		return nil
	}

	g.current.Store(p)
	g.failing.Store(false)
	g.log.InfoContext(ctx, "policy loaded", "dir", g.cfg.Dir, "version", p.version)
	return nil
}

// load builds a vetted policy, or returns the one in force when the files
// have not changed.
func (g *Guard) load(ctx context.Context) (*policy, error) {
	fsys, err := policySource(g.cfg.Dir)
	if err != nil {
		return nil, err
	}

	pf, err := readPolicy(fsys)
	if err != nil {
		return nil, err
	}
	if cur := g.current.Load(); cur != nil && cur.version == pf.version {
		return cur, nil
	}

	// Compiling first checks the data too, whose refusal names the setting.
	p, err := pf.compile(ctx, g.cfg.Now())
	if err != nil {
		return nil, err
	}
	if g.cfg.unvetted {
		return p, nil
	}

	if err := pf.checkTests(ctx); err != nil {
		return nil, err
	}
	if err := checkCanaries(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// Close stops watching the policy folder. Decide keeps working after Close.
func (g *Guard) Close() error {
	var err error
	g.closeOnce.Do(func() {
		if g.watch != nil {
			err = g.watch.close()
		}
	})
	return err
}

func (g *Guard) setLastError(msg string) {
	g.mu.Lock()
	g.lastError = msg
	g.mu.Unlock()
}

// Decide returns the decision for req. It never fails: an engine error, a
// timeout, an undefined or malformed result is a [Deny] whose reason starts
// with "policy_error:", logged at error level, and marks the guard degraded
// (T6). An [Allow] carries the [Permit] for exactly req's tool, arguments and
// case.
func (g *Guard) Decide(ctx context.Context, req Request) Decision {
	d := Decision{ID: newDecisionID(), Time: g.cfg.Now(), PolicyVersion: NoPolicyVersion}

	raw, err := json.Marshal(req)
	if err != nil {
		return g.failClosed(ctx, d, req, fmt.Errorf("encoding policy input: %w", err))
	}
	d.InputDigest = digest(raw)

	p := g.current.Load()
	if p == nil {
		return g.readOnly(ctx, d, req)
	}
	d.PolicyVersion = p.version

	input, ok := requestValue(req)
	if !ok {
		if input, err = inputValue(raw); err != nil {
			return g.failClosed(ctx, d, req, err)
		}
	}

	v, err := p.eval(ctx, input, g.cfg.Timeout)
	if err != nil {
		return g.failClosed(ctx, d, req, err)
	}
	if g.failing.Load() {
		g.failing.Store(false)
	}
	return g.apply(ctx, d, req, v)
}

// apply fills d from a well-formed verdict, with a permit for an allow.
func (g *Guard) apply(ctx context.Context, d Decision, req Request, v verdict) Decision {
	d.Outcome, d.Reasons = v.outcome, v.reasons
	if v.outcome == NeedsApproval {
		d.ApproverRole = v.approverRole
		d.ExpiresAt = d.Time.Add(v.ttl)
	}
	if v.outcome != Allow {
		return d
	}
	d.UndoAfter = v.undoAfter

	permit, err := permitFor(req, d.ID)
	if err != nil {
		return g.failClosed(ctx, d, req, err)
	}
	d.Permit = permit
	return d
}

// readOnly decides without a policy: read-only tools run, nothing else does.
// A deny here is the guard's failure, not the policy's answer, so its reason
// starts with "policy_error:" like every other failure (T6): the engine
// pauses the case and decides the action again once a policy loads.
func (g *Guard) readOnly(ctx context.Context, d Decision, req Request) Decision {
	d.Reasons = []string{noPolicyReason}
	if req.Risk != "read_only" {
		d.Outcome = Deny
		d.Reasons = []string{policyErrorPrefix + noPolicyReason}
		return d
	}
	return g.apply(ctx, d, req, verdict{outcome: Allow, reasons: d.Reasons})
}

// failClosed turns a policy failure into a deny that says why.
func (g *Guard) failClosed(ctx context.Context, d Decision, req Request, err error) Decision {
	g.failing.Store(true)
	g.errors.Add(1)
	g.setLastError(fmt.Sprintf("decision %s: %v", d.ID, err))
	g.log.ErrorContext(ctx, "policy failed; action denied", "decision_id", d.ID,
		"action_id", req.ID, "case_id", req.Case.ID, "tool", req.Tool,
		"policy_version", d.PolicyVersion, "error", err)

	d.Outcome = Deny
	d.Reasons = []string{policyErrorPrefix + err.Error()}
	d.ApproverRole, d.ExpiresAt, d.Permit = "", time.Time{}, Permit{}
	return d
}

// permitFor binds a permit to req's tool, arguments and case.
func permitFor(req Request, decisionID string) (Permit, error) {
	args := json.RawMessage("{}")
	if req.Args != nil {
		b, err := json.Marshal(req.Args)
		if err != nil {
			return Permit{}, fmt.Errorf("encoding arguments: %w", err)
		}
		args = b
	}
	return issuePermit(req.Tool, args, req.Case.ID, decisionID)
}

func newDecisionID() string { return "DEC-" + rand.Text() }

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
