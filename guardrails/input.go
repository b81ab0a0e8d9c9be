package guardrails

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/open-policy-agent/opa/v1/ast"
)

// requestValue builds the policy input for req field by field, the value
// inputValue would parse from req's JSON, without the round trip through
// encoding/json that would cost a decision several microseconds. It reports
// false when req holds something only encoding/json renders faithfully
// (invalid UTF-8, or arguments other than strings, booleans and whole
// numbers); the caller then parses the JSON. FuzzRequestValue keeps the two
// paths equal.
func requestValue(req Request) (ast.Value, bool) {
	var b valueBuilder
	args, ok := argsValue(req.Args, &b)
	if !ok {
		return nil, false
	}

	c := req.Case
	caseItems := append(make([][2]*ast.Term, 0, 5),
		b.str("id", c.ID),
		intItem("score", c.Score),
		b.num("confidence", c.Confidence),
	)
	if c.Verdict != "" {
		caseItems = append(caseItems, b.str("verdict", c.Verdict))
	}
	if c.SuspectedInjection {
		caseItems = append(caseItems, boolItem("suspected_injection", true))
	}

	items := append(make([][2]*ast.Term, 0, 15),
		b.str("id", req.ID),
		b.str("tool", req.Tool),
		ast.Item(ast.InternedTerm("args"), args),
		b.str("risk", req.Risk),
		boolItem("reversible", req.Reversible),
		b.str("actor", req.Actor),
		ast.Item(ast.InternedTerm("case"), ast.NewTerm(ast.NewObject(caseItems...))),
		ast.Item(ast.InternedTerm("recent"), ast.NewTerm(ast.NewObject(
			intItem("same_tool_case", req.Recent.SameToolCase),
			intItem("same_tool_window", req.Recent.SameToolWindow),
			intItem("window_seconds", req.Recent.WindowSeconds),
		))),
		b.str("time", req.Time.Format(time.RFC3339Nano)),
	)
	if req.ActorRole != "" {
		items = append(items, b.str("actor_role", req.ActorRole))
	}
	if req.Lifts {
		items = append(items, boolItem("lifts", true))
	}
	if len(req.Targets) > 0 {
		items = append(items, ast.Item(ast.InternedTerm("targets"),
			targetsValue(req.Targets, &b)))
	}
	if len(req.Provenance) > 0 {
		prov := ast.NewObject()
		for name, src := range req.Provenance {
			prov.Insert(b.term(name), b.term(src))
		}
		items = append(items, ast.Item(ast.InternedTerm("provenance"), ast.NewTerm(prov)))
	}

	if len(req.Approvals) > 0 {
		given := make([]*ast.Term, len(req.Approvals))
		for i, a := range req.Approvals {
			given[i] = ast.NewTerm(ast.NewObject(b.str("id", a.ID), b.str("tool", a.Tool),
				b.str("approver_role", a.ApproverRole), b.str("decided_by", a.DecidedBy)))
		}
		items = append(items, ast.Item(ast.InternedTerm("approvals"), ast.ArrayTerm(given...)))
	}

	if b.invalid {
		return nil, false
	}
	return ast.NewObject(items...), true
}

func targetsValue(targets []Target, b *valueBuilder) *ast.Term {
	terms := make([]*ast.Term, len(targets))
	for i, t := range targets {
		items := append(make([][2]*ast.Term, 0, 12),
			b.str("arg", t.Arg),
			b.str("kind", t.Kind),
			b.str("value", t.Value),
			boolItem("known", t.Known),
		)
		for _, f := range [...]struct{ key, val string }{
			{"asset_type", t.AssetType}, {"criticality", t.Criticality}, {"role", t.Role},
		} {
			if f.val != "" {
				items = append(items, b.str(f.key, f.val))
			}
		}
		for _, f := range [...]struct {
			key string
			val bool
		}{
			{"crown_jewel", t.CrownJewel}, {"vip", t.VIP}, {"break_glass", t.BreakGlass},
			{"internal", t.Internal}, {"allow_listed", t.AllowListed},
			{"public_suffix", t.PublicSuffix},
		} {
			if f.val {
				items = append(items, boolItem(f.key, true))
			}
		}
		terms[i] = ast.NewTerm(ast.NewObject(items...))
	}
	return ast.ArrayTerm(terms...)
}

// argsValue converts the arguments the engine builds: strings, booleans and
// whole numbers. Anything else is left to encoding/json.
func argsValue(args map[string]any, b *valueBuilder) (*ast.Term, bool) {
	if args == nil {
		return ast.NullTerm(), true
	}

	obj := ast.NewObject()
	for k, v := range args {
		var t *ast.Term
		switch x := v.(type) {
		case string:
			t = b.term(x)
		case bool:
			t = ast.InternedTerm(x)
		case int:
			t = ast.InternedTerm(x)
		case nil:
			t = ast.NullTerm()
		default:
			return nil, false
		}
		obj.Insert(b.term(k), t)
	}
	return ast.NewTerm(obj), true
}

// valueBuilder makes terms from Go strings and notes any string that
// encoding/json would have changed.
type valueBuilder struct {
	invalid bool
}

func (b *valueBuilder) term(s string) *ast.Term {
	if !utf8.ValidString(s) {
		b.invalid = true
	}
	return ast.StringTerm(s)
}

func (b *valueBuilder) str(key, val string) [2]*ast.Term {
	return ast.Item(ast.InternedTerm(key), b.term(val))
}

// num renders f as encoding/json does, so reasons that quote it read the same
// whichever path built the input.
func (b *valueBuilder) num(key string, f float64) [2]*ast.Term {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		b.invalid = true
		return ast.Item(ast.InternedTerm(key), ast.NullTerm())
	}

	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	s := strconv.AppendFloat(nil, f, format, -1, 64)
	if format == 'e' {
		// encoding/json writes e-07 as e-7.
		if n := len(s); n >= 4 && s[n-4] == 'e' && s[n-3] == '-' && s[n-2] == '0' {
			s[n-2] = s[n-1]
			s = s[:n-1]
		}
	}
	return ast.Item(ast.InternedTerm(key), ast.NewTerm(ast.Number(s)))
}

func boolItem(key string, v bool) [2]*ast.Term {
	return ast.Item(ast.InternedTerm(key), ast.InternedTerm(v))
}

func intItem(key string, v int) [2]*ast.Term {
	return ast.Item(ast.InternedTerm(key), ast.InternedTerm(v))
}
