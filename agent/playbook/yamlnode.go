package playbook

import (
	"regexp"
	"slices"

	"gopkg.in/yaml.v3"
)

// mapping walks a mapping node in order, refusing duplicate keys and, when
// known is set, keys outside it.
func (w where) mapping(n *yaml.Node, field string, known []string,
	fn func(key string, v *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return w.errf(n.Line, field, "want a mapping, got %s", kindName(n))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Value == "" {
			return w.errf(k.Line, field, "keys are plain words, got %s", kindName(k))
		}
		if seen[k.Value] {
			return w.errf(k.Line, join(field, k.Value), "duplicate key")
		}
		seen[k.Value] = true
		if known != nil && !slices.Contains(known, k.Value) {
			return w.errf(k.Line, field, "unknown field %q%s", k.Value, suggest(k.Value, known))
		}
		if err := fn(k.Value, v); err != nil {
			return err
		}
	}
	return nil
}

func join(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}

// scalar refuses lists and mappings where one value belongs.
func (w where) scalar(n *yaml.Node, field string) error {
	if n.Kind != yaml.ScalarNode {
		return w.errf(n.Line, field, "want a single value, got %s", kindName(n))
	}
	return nil
}

func (w where) str(n *yaml.Node, field string, out *string) error {
	if err := w.scalar(n, field); err != nil {
		return err
	}
	if n.Tag == "!!null" {
		return w.errf(n.Line, field, "is empty")
	}
	*out = n.Value
	return nil
}

func (w where) ident(n *yaml.Node, field string, re *regexp.Regexp, out *string) error {
	if err := w.str(n, field, out); err != nil {
		return err
	}
	if !re.MatchString(*out) {
		return w.errf(n.Line, field, "%q is not a valid name: use lowercase letters, "+
			"digits, - and _ (at most 64)", *out)
	}
	return nil
}

func (w where) integer(n *yaml.Node, field string, lo, hi int, out *int) error {
	if err := w.scalar(n, field); err != nil {
		return err
	}
	if n.Tag != "!!int" || n.Decode(out) != nil {
		return w.errf(n.Line, field, "want a whole number, got %q", n.Value)
	}
	if *out < lo || *out > hi {
		return w.errf(n.Line, field, "%d is outside %d..%d", *out, lo, hi)
	}
	return nil
}

func (w where) boolean(n *yaml.Node, field string, out *bool) error {
	if err := w.scalar(n, field); err != nil {
		return err
	}
	if n.Tag != "!!bool" || n.Decode(out) != nil {
		return w.errf(n.Line, field, "want true or false, got %q", n.Value)
	}
	return nil
}

// expr reads an expression field: a string or a bare true/false.
func (w where) expr(n *yaml.Node, field string, out *rawExpr) error {
	if err := w.scalar(n, field); err != nil {
		return err
	}
	if n.Tag != "!!str" && n.Tag != "!!bool" {
		return w.errf(n.Line, field, "want an expression in quotes, got %q", n.Value)
	}
	if n.Value == "" {
		return w.errf(n.Line, field, "expression is empty")
	}
	*out = rawExpr{src: n.Value, line: n.Line}
	return nil
}

// text checks a text field: a literal string, or "=expression".
func (w where) text(n *yaml.Node, field string) error {
	if err := w.scalar(n, field); err != nil {
		return err
	}
	if n.Tag == "!!null" {
		return w.errf(n.Line, field, "is empty")
	}
	return nil
}

// args checks the shape of a step's arguments: a mapping of names to values,
// where a value may nest lists and mappings.
func (w where) args(n *yaml.Node, field string) error {
	if n.Kind != yaml.MappingNode {
		return w.errf(n.Line, field, "want a mapping of argument names to values, got %s",
			kindName(n))
	}
	return w.argValue(n, field)
}

func (w where) argValue(n *yaml.Node, field string) error {
	switch n.Kind {
	case yaml.MappingNode:
		return w.mapping(n, field, nil, func(key string, v *yaml.Node) error {
			return w.argValue(v, join(field, key))
		})
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if err := w.argValue(c, field); err != nil {
				return err
			}
		}
	}
	return nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "the value " + quoteShort(n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "nothing"
}

// quoteShort quotes a value for an error, cut so a long value does not flood it.
func quoteShort(s string) string {
	const limit = 40
	r := []rune(s)
	if len(r) > limit {
		return `"` + string(r[:limit]) + `…"`
	}
	return `"` + s + `"`
}
