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
	"github.com/open-policy-agent/opa/v1/rego"
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

// eval evaluates the decision rule for input within timeout.
func (p *policy) eval(ctx context.Context, input ast.Value,
	timeout time.Duration) (verdict, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	rs, err := p.query.Eval(ctx, rego.EvalParsedInput(input))

	// A result that arrives as the deadline passes may be cut short.
	if ctx.Err() != nil {
		return verdict{}, fmt.Errorf("evaluating policy: no decision within %s: %w",
			timeout, ctx.Err())
	}
	if err != nil {
		return verdict{}, fmt.Errorf("evaluating policy: %w", err)
	}
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return verdict{}, errUndefined
	}
	return parseVerdict(rs[0].Expressions[0].Value)
}

// parseVerdict checks the shape of the decision object. Anything unexpected
// is an error, which the caller turns into a deny.
func parseVerdict(v any) (verdict, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return verdict{}, fmt.Errorf("decision is %T, not an object", v)
	}

	var out verdict
	o, _ := m["outcome"].(string)
	out.outcome = Outcome(o)
	if out.outcome != Allow && out.outcome != NeedsApproval && out.outcome != Deny {
		return verdict{}, fmt.Errorf("decision outcome %q is not allow, needs_approval or deny", o)
	}

	reasons, err := parseReasons(m["reasons"])
	if err != nil {
		return verdict{}, err
	}
	out.reasons = reasons

	if out.outcome == Allow {
		return parseUndo(out, m)
	}
	if out.outcome != NeedsApproval {
		return out, nil
	}
	return parseHold(out, m)
}

// parseUndo reads the optional time limit of an allowed action; absent or 0
// means the action stands.
func parseUndo(out verdict, m map[string]any) (verdict, error) {
	v, ok := m["undo_after_seconds"]
	if !ok {
		return out, nil
	}
	if n, isNum := v.(json.Number); isNum && n.String() == "0" {
		return out, nil
	}
	if f, isFloat := v.(float64); isFloat && f == 0 {
		return out, nil
	}
	d, err := seconds(v)
	if err != nil {
		return verdict{}, fmt.Errorf("undo_after_seconds: %w", err)
	}
	out.undoAfter = d
	return out, nil
}

func parseReasons(v any) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("decision reasons are %T, not an array", v)
	}

	out := make([]string, len(list))
	for i, r := range list {
		s, ok := r.(string)
		if !ok {
			return nil, fmt.Errorf("decision reason %d is %T, not a string", i, r)
		}
		out[i] = s
	}
	return out, nil
}

// parseHold reads who may approve a held action, and for how long.
func parseHold(out verdict, m map[string]any) (verdict, error) {
	role, _ := m["approver_role"].(string)
	if _, ok := roleRank[role]; !ok {
		return verdict{}, fmt.Errorf("decision approver_role %q is not analyst, lead or admin",
			role)
	}
	out.approverRole = role

	ttl, err := seconds(m["ttl_seconds"])
	if err != nil {
		return verdict{}, err
	}
	out.ttl = ttl
	return out, nil
}

// seconds reads a positive number of seconds of at most a week.
func seconds(v any) (time.Duration, error) {
	var f float64
	switch n := v.(type) {
	case json.Number:
		x, err := n.Float64()
		if err != nil {
			return 0, fmt.Errorf("decision ttl_seconds %q: %w", n, err)
		}
		f = x
	case float64:
		f = n
	default:
		return 0, fmt.Errorf("decision ttl_seconds is %T, not a number", v)
	}

	if f <= 0 || f > 7*24*3600 {
		return 0, fmt.Errorf("decision ttl_seconds %v is not between 0 and a week", f)
	}
	return time.Duration(f * float64(time.Second)), nil
}
