package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/conductor-sec/conductor/guardrails"
	"github.com/conductor-sec/conductor/internal/store"
	"github.com/conductor-sec/conductor/tools"
)

// Guard decides actions. The engine never calls a tool without one of its
// decisions or a checked approval.
type Guard interface {
	Decide(ctx context.Context, req guardrails.Request) guardrails.Decision
}

// Toolbox is the tool registry as the engine uses it.
type Toolbox interface {
	Spec(name string) (tools.Spec, bool)
	Specs() []tools.Spec
	Validate(name string, args json.RawMessage) error
	Invoke(ctx context.Context, p guardrails.Permit, call tools.Call) (tools.Result, int, error)
}

// Directory answers what the organisation knows about an entity: the facts a
// policy needs about an action's targets.
type Directory interface {
	Asset(name string) (AssetFacts, bool)
	User(name string) (UserFacts, bool)
	IsInternalIP(ip string) bool
	IsInternalDomain(domain string) bool
	AllowListed(kind, value string) bool
	// KnownBenign returns the reasons an activity is known to be legitimate
	// (a false positive the SOC has explained), matching on structured fields
	// only: hosts, users, techniques and time.
	KnownBenign(hosts, users, techniques []string, at time.Time) []string
}

// Intel looks up threat intelligence on one entity.
type Intel interface {
	Lookup(kind, value string) []IntelHit
}

// Budgets bound one investigation (threat T12). Zero fields take the defaults.
type Budgets struct {
	// MaxActions caps proposals per case; zero means 60.
	MaxActions int
	// MaxRounds caps planner calls per investigation; zero means 25.
	MaxRounds int
	// MaxDuration caps one investigation's wall time; zero means 2 minutes.
	MaxDuration time.Duration
	// MaxTokens caps model tokens per case; zero means 200,000.
	MaxTokens int
}

// Config wires an [Engine]. Store, Guard, Tools and Planner are required.
type Config struct {
	Store   *store.Store
	Guard   Guard
	Tools   Toolbox
	Planner Planner
	// Fallback takes over when Planner fails (an LLM endpoint that is down);
	// nil means no fallback.
	Fallback Planner
	// Directory and Intel may be nil: targets are then unknown and no intel is
	// shown to the planner.
	Directory Directory
	Intel     Intel
	// Memory remembers closed cases and recalls similar ones during
	// enrichment; nil means no memory.
	Memory Memory
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Window is how far apart findings may be to join one case; zero means 24h.
	Window time.Duration
	// RecentWindow is the blast-radius window for counting recent actions of
	// one tool; zero means 1h.
	RecentWindow time.Duration
	Budgets      Budgets
}

// Engine runs investigations. It is safe for concurrent use on different cases.
type Engine struct {
	cfg   Config
	log   *slog.Logger
	now   func() time.Time
	locks *CaseLocks
}

// Errors callers branch on.
var (
	// ErrCaseClosed is returned when an approval or action arrives for a closed
	// case.
	ErrCaseClosed = errors.New("case is closed")
	// ErrNotHeld is returned when an approval's action is no longer waiting.
	ErrNotHeld = errors.New("action is no longer waiting for approval")
	// ErrDeniedNow is returned when the policy in force at approval time
	// denies an action it held when it was proposed (a kill rule, a new
	// allow-list entry): the approval is void and the action never runs.
	ErrDeniedNow = errors.New("the policy in force now denies the action")
)

// New validates cfg and returns an engine.
func New(cfg Config) (*Engine, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("agent config: Store is required")
	case cfg.Guard == nil:
		return nil, errors.New("agent config: Guard is required")
	case cfg.Tools == nil:
		return nil, errors.New("agent config: Tools is required")
	case cfg.Planner == nil:
		return nil, errors.New("agent config: Planner is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Window <= 0 {
		cfg.Window = 24 * time.Hour
	}
	if cfg.RecentWindow <= 0 {
		cfg.RecentWindow = time.Hour
	}
	cfg.Budgets = cfg.Budgets.withDefaults()
	e := &Engine{cfg: cfg, log: cfg.Logger.With("component", "agent"), now: cfg.Now,
		locks: NewCaseLocks()}
	return e, nil
}

// Locks are the engine's case locks. A caller running work on a case from
// several goroutines holds the case's lock around each engine call; the
// engine takes it itself for its background work.
func (e *Engine) Locks() *CaseLocks { return e.locks }

func (b Budgets) withDefaults() Budgets {
	if b.MaxActions <= 0 {
		b.MaxActions = 60
	}
	if b.MaxRounds <= 0 {
		b.MaxRounds = 25
	}
	if b.MaxDuration <= 0 {
		b.MaxDuration = 2 * time.Minute
	}
	if b.MaxTokens <= 0 {
		b.MaxTokens = 200_000
	}
	return b
}

// record appends a step to the audit chain; a failure to record is an error
// the caller must surface, because an unrecorded step must not be acted on.
func (e *Engine) record(ctx context.Context, st *store.Step) error {
	if st.Time.IsZero() {
		st.Time = e.now().UTC()
	}
	if err := e.cfg.Store.AppendStep(ctx, st); err != nil {
		return fmt.Errorf("recording %s step: %w", st.Kind, err)
	}
	return nil
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage(`null`)
	}
	return b
}
