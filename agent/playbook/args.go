package playbook

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// argValue is one argument of a tool step, evaluated per loop item.
type argValue interface {
	eval(r *evaluator) (any, error)
}

// argMap keeps the written order of keys, for messages; JSON sorts them anyway.
type argMap struct {
	keys  []string
	vals  []argValue
	lines []int
}

type argList []argValue

type argLiteral struct{ v any }

type argExpr struct{ e *expression }

func (c *compiler) argMap(n *yaml.Node, field string) (*argMap, error) {
	m := &argMap{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		val, err := c.argValue(v, join(field, k.Value))
		if err != nil {
			return nil, err
		}
		m.keys = append(m.keys, k.Value)
		m.vals = append(m.vals, val)
		m.lines = append(m.lines, k.Line)
	}
	return m, nil
}

func (c *compiler) argValue(n *yaml.Node, field string) (argValue, error) {
	switch n.Kind {
	case yaml.MappingNode:
		return c.argMap(n, field)
	case yaml.SequenceNode:
		var l argList
		for _, item := range n.Content {
			v, err := c.argValue(item, field)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	}
	return c.argScalar(n, field)
}

func (c *compiler) argScalar(n *yaml.Node, field string) (argValue, error) {
	if src, isExpr := exprText(n); isExpr {
		e, err := c.expr(rawExpr{src: src, line: n.Line}, field, len(c.vars))
		return argExpr{e}, err
	}
	var v any
	switch n.Tag {
	case "!!str":
		s, _ := exprText(n)
		return argLiteral{s}, nil
	case "!!int", "!!float", "!!bool", "!!null":
		if err := n.Decode(&v); err != nil {
			return nil, c.w.errf(n.Line, field, "reading %q: %w", n.Value, err)
		}
		return argLiteral{v}, nil
	}
	return nil, c.w.errf(n.Line, field, "unsupported value %q (%s); write a string, "+
		"number, true/false or \"=expression\"", n.Value, n.Tag)
}

// eval builds the JSON object; a value that comes out nil is left out, so an
// optional argument can be dropped by an expression.
func (m *argMap) eval(r *evaluator) (any, error) {
	out := make(map[string]any, len(m.keys))
	for i, k := range m.keys {
		v, err := m.vals[i].eval(r)
		if err != nil {
			return nil, fmt.Errorf("args.%s: %w", k, err)
		}
		if v != nil {
			out[k] = v
		}
	}
	return out, nil
}

func (l argList) eval(r *evaluator) (any, error) {
	out := make([]any, 0, len(l))
	for _, a := range l {
		v, err := a.eval(r)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (a argLiteral) eval(*evaluator) (any, error) { return a.v, nil }

func (a argExpr) eval(r *evaluator) (any, error) { return r.run(a.e) }
