package guardrails

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// errUndefined is a policy that produced no decision, such as one whose rule
// path has a typo (T6).
var errUndefined = errors.New("decision is undefined")

// verdict is a well-formed policy result.
type verdict struct {
	outcome      Outcome
	reasons      []string
	approverRole string
	ttl          time.Duration
	// undoAfter is the time limit of an allowed reversible action.
	undoAfter time.Duration
}

// inputValue parses canonical input JSON into the value the policy sees.
// Parsing the JSON, rather than converting the Request field by field, means
// Decide, Replay, EvalFile and `opa eval -i` give the policy the same input.
// Trailing data after the object is an error: a recorded input is untrusted.
func inputValue(raw []byte) (ast.Value, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return nil, fmt.Errorf("parsing policy input: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("parsing policy input: data after the JSON value")
	}

	v, err := ast.InterfaceToValue(x)
	if err != nil {
		return nil, fmt.Errorf("parsing policy input: %w", err)
	}
	return v, nil
}

// eval evaluates the decision rule for input within timeout. The result stays
// an AST value (no conversion to Go maps) and OPA's metrics are off: both cost
// microseconds on every decision.
func (p *policy) eval(ctx context.Context, input ast.Value,
	timeout time.Duration) (verdict, error) {
	// The query stops when the caller gives up or the time is up. A timer and
	// a context hook cost less than the goroutine OPA otherwise starts to
	// watch the context of every evaluation.
	stop := topdown.NewCancel()
	deadline := time.Now().Add(timeout)
	timer := time.AfterFunc(timeout, stop.Cancel)
	unhook := context.AfterFunc(ctx, stop.Cancel)
	rs, err := p.query.Eval(ctx, rego.EvalParsedInput(input), rego.EvalExternalCancel(stop),
		rego.EvalMetrics(metrics.NoOp()), rego.EvalGenerateJSON(keepAST))
	timer.Stop()
	unhook()

	// A result that arrives as the deadline passes may be cut short, whether
	// or not the timer has fired yet.
	if !time.Now().Before(deadline) {
		return verdict{}, fmt.Errorf("evaluating policy: no decision within %s: %w",
			timeout, context.DeadlineExceeded)
	}
	if ctx.Err() != nil {
		return verdict{}, fmt.Errorf("evaluating policy: %w", ctx.Err())
	}
	if err != nil {
		return verdict{}, fmt.Errorf("evaluating policy: %w", err)
	}
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return verdict{}, errUndefined
	}
	t, ok := rs[0].Expressions[0].Value.(*ast.Term)
	if !ok {
		return verdict{}, fmt.Errorf("decision is %T, not a term", rs[0].Expressions[0].Value)
	}
	return parseVerdict(t.Value)
}

// keepAST hands OPA's result back as the term it is.
func keepAST(t *ast.Term, _ *rego.EvalContext) (any, error) { return t, nil }

// parseVerdict checks the shape of the decision object. Anything unexpected
// is an error, which the caller turns into a deny.
func parseVerdict(v ast.Value) (verdict, error) {
	obj, ok := v.(ast.Object)
	if !ok {
		return verdict{}, fmt.Errorf("decision is %s, not an object", ast.ValueName(v))
	}

	var out verdict
	o, _ := field(obj, "outcome").(ast.String)
	out.outcome = Outcome(o)
	if out.outcome != Allow && out.outcome != NeedsApproval && out.outcome != Deny {
		return verdict{}, fmt.Errorf("decision outcome %q is not allow, needs_approval or deny",
			string(o))
	}

	reasons, err := parseReasons(field(obj, "reasons"))
	if err != nil {
		return verdict{}, err
	}
	out.reasons = reasons

	if out.outcome == Allow {
		return parseUndo(out, obj)
	}
	if out.outcome != NeedsApproval {
		return out, nil
	}
	return parseHold(out, obj)
}

// field returns obj[key], or nil when it is absent.
func field(obj ast.Object, key string) ast.Value {
	t := obj.Get(ast.StringTerm(key))
	if t == nil {
		return nil
	}
	return t.Value
}

// parseUndo reads the optional time limit of an allowed action; absent or 0
// means the action stands.
func parseUndo(out verdict, obj ast.Object) (verdict, error) {
	v := field(obj, "undo_after_seconds")
	if v == nil {
		return out, nil
	}
	if n, isNum := v.(ast.Number); isNum {
		if f, ok := n.Float64(); ok && f == 0 {
			return out, nil
		}
	}
	d, err := seconds(v)
	if err != nil {
		return verdict{}, fmt.Errorf("undo_after_seconds: %w", err)
	}
	out.undoAfter = d
	return out, nil
}

func parseReasons(v ast.Value) ([]string, error) {
	list, ok := v.(*ast.Array)
	if !ok {
		return nil, fmt.Errorf("decision reasons are %s, not an array", valueName(v))
	}

	out := make([]string, list.Len())
	for i := range list.Len() {
		s, ok := list.Elem(i).Value.(ast.String)
		if !ok {
			return nil, fmt.Errorf("decision reason %d is %s, not a string", i,
				valueName(list.Elem(i).Value))
		}
		out[i] = string(s)
	}
	return out, nil
}

// parseHold reads who may approve a held action, and for how long.
func parseHold(out verdict, obj ast.Object) (verdict, error) {
	role, _ := field(obj, "approver_role").(ast.String)
	if _, ok := roleRank[string(role)]; !ok {
		return verdict{}, fmt.Errorf("decision approver_role %q is not analyst, lead or admin",
			string(role))
	}
	out.approverRole = string(role)

	ttl, err := seconds(field(obj, "ttl_seconds"))
	if err != nil {
		return verdict{}, err
	}
	out.ttl = ttl
	return out, nil
}

// seconds reads a positive number of seconds of at most a week.
func seconds(v ast.Value) (time.Duration, error) {
	n, ok := v.(ast.Number)
	if !ok {
		return 0, fmt.Errorf("decision ttl_seconds is %s, not a number", valueName(v))
	}
	f, ok := n.Float64()
	if !ok {
		return 0, fmt.Errorf("decision ttl_seconds %s is not a finite number", n)
	}

	if f <= 0 || f > 7*24*3600 {
		return 0, fmt.Errorf("decision ttl_seconds %v is not between 0 and a week", f)
	}
	return time.Duration(f * float64(time.Second)), nil
}

// valueName names the type of a Rego value, or "absent" for nil.
func valueName(v ast.Value) string {
	if v == nil {
		return "absent"
	}
	return ast.ValueName(v)
}
