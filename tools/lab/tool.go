package lab

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/conductor-sec/conductor/tools"
)

// labTool is one lab tool: a spec and either a read or a mutating effect.
type labTool struct {
	lab  *Lab
	spec tools.Spec
	// read answers a read-only call.
	read func(ctx context.Context, call tools.Call) (tools.Result, error)
	// write applies a mutating call inside the idempotency transaction.
	write effect
}

var _ tools.Tool = (*labTool)(nil)

// Spec returns a copy of the tool's spec.
func (t *labTool) Spec() tools.Spec {
	s := t.spec
	s.Schema = bytes.Clone(s.Schema)
	s.Targets = maps.Clone(s.Targets)
	return s
}

// Invoke runs the call, injecting any configured fault.
func (t *labTool) Invoke(ctx context.Context, call tools.Call) (tools.Result, error) {
	before, after := t.lab.fault(t.spec.Name)
	if before != nil {
		return tools.Result{}, before
	}
	if t.read != nil {
		return t.read(ctx, call)
	}

	res, err := t.lab.mutate(ctx, t.spec.Name, call, t.write)
	if err != nil {
		return tools.Result{}, err
	}
	t.lab.log.InfoContext(ctx, "lab action", "tool", t.spec.Name, "case_id", call.CaseID,
		"replayed", res.Replayed)
	if after != nil {
		return tools.Result{}, after
	}
	return res, nil
}

func (l *Lab) buildTools() []tools.Tool {
	var ts []tools.Tool
	for _, group := range [][]*labTool{l.edrTools(), l.firewallTools(), l.iamTools(),
		l.mailTools(), l.ticketTools(), l.lookupTools()} {
		for _, t := range group {
			t.lab = l
			ts = append(ts, t)
		}
	}
	slices.SortFunc(ts, func(a, b tools.Tool) int {
		return strings.Compare(a.Spec().Name, b.Spec().Name)
	})
	return ts
}

// decodeArgs decodes a call's arguments strictly. The registry has already
// validated them against the schema; this guards direct callers too.
func decodeArgs(raw json.RawMessage, v any) error {
	if len(raw) == 0 {
		raw = json.RawMessage("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decoding arguments: %v: %w", err, tools.ErrInvalidArgs)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("decoding arguments: data after the object: %w", tools.ErrInvalidArgs)
	}
	return nil
}

// result marshals out as the tool's output.
func result(out any, format string, args ...any) (tools.Result, error) {
	b, err := json.Marshal(out)
	if err != nil {
		return tools.Result{}, fmt.Errorf("encoding output: %w", err)
	}
	return tools.Result{Output: b, Summary: fmt.Sprintf(format, args...)}, nil
}

// invalid reports unusable arguments.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), tools.ErrInvalidArgs)
}

// notFound reports an argument naming something the lab does not know.
func notFound(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrNotFound)
}

// Reusable schema fragments.
const (
	reasonProp = `"reason": {"type": "string", "maxLength": 1000,
		"description": "Why, for the record."}`
)
