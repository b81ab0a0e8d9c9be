package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/conductor-sec/conductor/guardrails"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Sentinel errors callers branch on.
var (
	// ErrUnknownTool is returned for a call to a tool that is not registered.
	ErrUnknownTool = errors.New("unknown tool")
	// ErrInvalidArgs is returned when arguments do not match the tool's schema,
	// or a tool finds them unusable (an unparsable address, an unknown host).
	ErrInvalidArgs = errors.New("invalid arguments")
	// ErrTransient marks an error a retry may cure: a timeout, a connector
	// that is briefly unavailable.
	ErrTransient = errors.New("transient tool error")
	// ErrInvalidSpec is returned by [Registry.Register] for a malformed [Spec].
	ErrInvalidSpec = errors.New("invalid tool spec")
)

// namePattern is "area.verb" ("edr.isolate_host"); a bare verb ("notify") is
// accepted for tools that belong to no area.
var namePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}(\.[a-z][a-z0-9_]{0,47})?$`)

// RegistryConfig configures a [Registry].
type RegistryConfig struct {
	// Logger receives retry warnings; nil discards them.
	Logger *slog.Logger
	// MaxAttempts bounds the tries of one call, the first included; zero means 3.
	MaxAttempts int
	// Backoff is the wait before the first retry; it doubles for each further
	// retry, with jitter. Zero means 100ms.
	Backoff time.Duration
	// Sleep waits d or until ctx ends; nil means a real timer. Tests pass a
	// fake to run retries instantly.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Registry holds the tools a deployment offers, validates their arguments and
// runs them. It is safe for concurrent use.
type Registry struct {
	log         *slog.Logger
	maxAttempts int
	backoff     time.Duration
	sleep       func(ctx context.Context, d time.Duration) error

	mu    sync.RWMutex
	tools map[string]*entry
}

// entry is a registered tool with its compiled schema.
type entry struct {
	tool   Tool
	spec   Spec
	schema *jsonschema.Schema
	// fields are the top-level property names, sorted, for error hints.
	fields []string
}

// NewRegistry returns an empty registry.
func NewRegistry(cfg RegistryConfig) *Registry {
	r := &Registry{
		log:         cfg.Logger,
		maxAttempts: cfg.MaxAttempts,
		backoff:     cfg.Backoff,
		sleep:       cfg.Sleep,
		tools:       make(map[string]*entry),
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.maxAttempts <= 0 {
		r.maxAttempts = 3
	}
	if r.backoff <= 0 {
		r.backoff = 100 * time.Millisecond
	}
	if r.sleep == nil {
		r.sleep = sleepCtx
	}
	return r
}

// Register adds t. It refuses a spec whose name is not "area.verb", whose risk
// is not one of the four classes, whose schema does not compile or is not a
// closed object, whose targets name undeclared arguments, or whose name is
// already taken.
func (r *Registry) Register(t Tool) error {
	spec := t.Spec()
	e, err := newEntry(t, spec)
	if err != nil {
		return fmt.Errorf("registering %q: %w", spec.Name, err)
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.tools[spec.Name]; dup {
		return fmt.Errorf("registering %q: name already registered: %w", spec.Name, ErrInvalidSpec)
	}
	r.tools[spec.Name] = e
	return nil
}

// newEntry checks spec and compiles its schema.
func newEntry(t Tool, spec Spec) (*entry, error) {
	if !namePattern.MatchString(spec.Name) {
		return nil, fmt.Errorf("name must look like area.verb in lowercase: %w", ErrInvalidSpec)
	}
	if !knownRisk(spec.Risk) {
		return nil, fmt.Errorf("risk %q is not one of read_only, write, containment, "+
			"destructive: %w", spec.Risk, ErrInvalidSpec)
	}

	sch, fields, err := compileSchema(spec.Name, spec.Schema)
	if err != nil {
		return nil, err
	}
	for arg := range spec.Targets {
		if !slices.Contains(fields, arg) {
			return nil, fmt.Errorf("target %q is not a schema property: %w", arg, ErrInvalidSpec)
		}
	}
	spec.Schema = slices.Clone(spec.Schema)
	return &entry{tool: t, spec: spec, schema: sch, fields: fields}, nil
}

func knownRisk(r Risk) bool {
	switch r {
	case RiskRead, RiskWrite, RiskContain, RiskDestructive:
		return true
	}
	return false
}

// Specs returns the specs of every registered tool, sorted by name.
func (r *Registry) Specs() []Spec {
	r.mu.RLock()
	defer r.mu.RUnlock()

	specs := make([]Spec, 0, len(r.tools))
	for _, e := range r.tools {
		specs = append(specs, e.spec)
	}
	slices.SortFunc(specs, func(a, b Spec) int { return strings.Compare(a.Name, b.Name) })
	return specs
}

// Spec returns the spec of the tool called name.
func (r *Registry) Spec(name string) (Spec, bool) {
	e, ok := r.lookup(name)
	if !ok {
		return Spec{}, false
	}
	return e.spec, true
}

func (r *Registry) lookup(name string) (*entry, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e, ok := r.tools[name]
	return e, ok
}

// Validate checks args against the schema of the tool called name. A mismatch
// (invalid JSON, an unknown field, a wrong type, a missing required field)
// returns an error wrapping [ErrInvalidArgs] whose message names the field and
// what to send instead.
func (r *Registry) Validate(name string, args json.RawMessage) error {
	e, ok := r.lookup(name)
	if !ok {
		return fmt.Errorf("validating %q: %w", name, ErrUnknownTool)
	}
	return e.validate(args)
}

// Invoke runs call if permit authorizes exactly this tool, these arguments and
// this case; anything else is refused with an error wrapping
// [guardrails.ErrNoPermit] before the tool is looked up. It then validates the
// arguments and retries errors wrapping [ErrTransient] with bounded
// exponential backoff, honouring ctx. It returns the attempts made, zero when
// the tool was never reached.
func (r *Registry) Invoke(ctx context.Context, permit guardrails.Permit, call Call) (
	Result, int, error) {
	if err := permit.Authorizes(call.Tool, call.Args, call.CaseID); err != nil {
		return Result{}, 0, fmt.Errorf("invoking %s: %w", call.Tool, err)
	}
	return r.invoke(ctx, call)
}

// invoke is [Registry.Invoke] after the permit check. It must stay
// unexported: it is the only path to a tool and the permit is its guard.
func (r *Registry) invoke(ctx context.Context, call Call) (Result, int, error) {
	e, ok := r.lookup(call.Tool)
	if !ok {
		return Result{}, 0, fmt.Errorf("invoking %q: %w", call.Tool, ErrUnknownTool)
	}
	if err := e.validate(call.Args); err != nil {
		return Result{}, 0, fmt.Errorf("invoking %s: %w", call.Tool, err)
	}
	if len(call.Args) == 0 {
		call.Args = json.RawMessage("{}")
	}
	return r.retry(ctx, e, call)
}
