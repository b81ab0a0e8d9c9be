package playbook

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/conductor-sec/conductor/agent"
	"github.com/expr-lang/expr"
)

// maxItems bounds one for_each. The guard's blast-radius limits decide how
// many containment actions run on their own; this only keeps a runaway list
// (thousands of entities) from flooding a round.
const maxItems = 100

// evaluator runs compiled expressions against one case view. It lives for one
// Plan call and is not shared.
type evaluator struct {
	ix     *index
	base   *env
	vars   map[*playbook]varsResult
	cur    env
	failed map[string]error
}

// varsResult is a playbook's vars for one round; failed holds the vars whose
// expression failed, so only the expressions that read them fail in turn.
type varsResult struct {
	vals   map[string]any
	failed map[string]error
}

func newEvaluator(view *agent.CaseView) *evaluator {
	ix := newIndex(view)
	return &evaluator{ix: ix, base: newEnv(ix), vars: map[*playbook]varsResult{}}
}

// scope points the environment at a playbook's vars and a loop item.
func (r *evaluator) scope(owner *playbook, item any) {
	vr, ok := r.vars[owner]
	if !ok {
		vr = r.evalVars(owner)
		r.vars[owner] = vr
	}
	r.cur = *r.base
	r.cur.Vars, r.cur.Item = vr.vals, item
	r.failed = vr.failed
}

// evalVars computes a playbook's vars in order; each sees the ones above it.
func (r *evaluator) evalVars(pb *playbook) varsResult {
	vr := varsResult{vals: make(map[string]any, len(pb.vars)), failed: map[string]error{}}
	r.cur = *r.base
	r.cur.Vars, r.failed = vr.vals, vr.failed
	for _, v := range pb.vars {
		val, err := r.run(v.expr)
		if err != nil {
			vr.failed[v.name] = fmt.Errorf("vars.%s: %w", v.name, err)
			continue
		}
		vr.vals[v.name] = val
	}
	return vr
}

// run evaluates an expression, refusing to when a var it reads has failed:
// a missing var reads as nil, which could quietly pass a test like != "".
func (r *evaluator) run(e *expression) (any, error) {
	if err := r.varFailure(e); err != nil {
		return nil, err
	}
	v, err := expr.Run(e.prog, &r.cur)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", e.src, err)
	}
	return v, nil
}

func (r *evaluator) varFailure(e *expression) error {
	for _, name := range e.vars {
		if err, ok := r.failed[name]; ok {
			return err
		}
		if name != "*" {
			continue
		}
		for _, err := range r.failed {
			return err
		}
	}
	return nil
}

func (r *evaluator) bool(e *expression) (bool, error) {
	v, err := r.run(e)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("%q gave %s, want true or false", e.src, typeName(v))
	}
	return b, nil
}

// text renders a text field; nil renders as "".
func (r *evaluator) text(t *text) (string, error) {
	if t == nil {
		return "", nil
	}
	if t.expr == nil {
		return t.lit, nil
	}
	v, err := r.run(t.expr)
	if err != nil {
		return "", err
	}
	return itemString(v), nil
}

func (r *evaluator) float(t *text) (float64, error) {
	v, err := r.run(t.expr)
	if err != nil {
		return 0, err
	}
	f, ok := v.(float64)
	if !ok {
		return 0, fmt.Errorf("%q gave %s, want a number", t.expr.src, typeName(v))
	}
	return f, nil
}

// list runs a for_each and returns its elements.
func (r *evaluator) list(e *expression) ([]any, error) {
	v, err := r.run(e)
	if err != nil || v == nil {
		return nil, err
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, fmt.Errorf("%q gave %s, want a list", e.src, typeName(v))
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, nil
}

func typeName(v any) string {
	if v == nil {
		return "nil"
	}
	return reflect.TypeOf(v).String()
}

// refPart turns a loop item into the tail of a ref. Items come from case data,
// so one that is long or holds control characters is cut and suffixed with a
// hash of the whole: the ref stays short, printable and stable.
func refPart(s string) string {
	const limit, keep = 128, 96
	clean := len(s) <= limit && utf8.ValidString(s) &&
		!strings.ContainsFunc(s, func(c rune) bool { return c < 0x20 || c == 0x7f })
	if clean {
		return s
	}
	var b strings.Builder
	for _, c := range s {
		if b.Len() >= keep {
			break
		}
		if c >= 0x20 && c != 0x7f && c != utf8.RuneError {
			b.WriteRune(c)
		}
	}
	sum := sha256.Sum256([]byte(s))
	return b.String() + "~" + hex.EncodeToString(sum[:8])
}
