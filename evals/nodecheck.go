package evals

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

var (
	stringsType = reflect.TypeOf(Strings(nil))
	anyType     = reflect.TypeOf((*any)(nil)).Elem()
)

func typeOf(v any) reflect.Type {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// checkNode walks a YAML node against the Go type it will decode into and
// refuses what the decoder would silently accept or garble: unknown and
// duplicate keys, a list where a value belongs, a mapping where a list
// belongs. Errors read "LINE: FIELD: problem; fix".
func checkNode(n *yaml.Node, t reflect.Type, field string) error {
	if n == nil || isNull(n) {
		return nil
	}
	if n.Kind == yaml.AliasNode {
		return nodeErr(n, field, "aliases are not supported; write the value out")
	}
	switch {
	case t == stringsType:
		return checkStrings(n, field)
	case t == anyType:
		return nil
	}

	switch t.Kind() {
	case reflect.Struct:
		return checkStruct(n, t, field)
	case reflect.Map:
		return checkMap(n, t, field)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return nodeErr(n, field, "want a list, got %s", kindName(n))
		}
		for i, c := range n.Content {
			if err := checkNode(c, t.Elem(), fmt.Sprintf("%s[%d]", field, i)); err != nil {
				return err
			}
		}
		return nil
	}
	if n.Kind != yaml.ScalarNode {
		return nodeErr(n, field, "want a single value, got %s", kindName(n))
	}
	return nil
}

func checkStrings(n *yaml.Node, field string) error {
	switch n.Kind {
	case yaml.ScalarNode:
		return nil
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return nodeErr(c, fmt.Sprintf("%s[%d]", field, i),
					"want a single value, got %s", kindName(c))
			}
		}
		return nil
	}
	return nodeErr(n, field, "want a value or a list of values, got %s", kindName(n))
}

func checkStruct(n *yaml.Node, t reflect.Type, field string) error {
	if n.Kind != yaml.MappingNode {
		return nodeErr(n, field, "want a mapping, got %s", kindName(n))
	}
	fields := yamlFields(t)
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		sub := join(field, k.Value)
		if seen[k.Value] {
			return nodeErr(k, sub, "duplicate key")
		}
		seen[k.Value] = true
		ft, ok := fields[k.Value]
		if !ok {
			return nodeErr(k, sub, "unknown field (allowed: %s)", fieldNames(fields))
		}
		if err := checkNode(v, ft, sub); err != nil {
			return err
		}
	}
	return nil
}

func checkMap(n *yaml.Node, t reflect.Type, field string) error {
	if n.Kind != yaml.MappingNode {
		return nodeErr(n, field, "want a mapping, got %s", kindName(n))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nodeErr(k, field, "keys are plain words, got %s", kindName(k))
		}
		sub := join(field, k.Value)
		if seen[k.Value] {
			return nodeErr(k, sub, "duplicate key")
		}
		seen[k.Value] = true
		if err := checkNode(v, t.Elem(), sub); err != nil {
			return err
		}
	}
	return nil
}

// yamlFields maps the YAML keys of a struct to their types; fields tagged "-"
// are not part of the file.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if tag == "-" || !f.IsExported() {
			continue
		}
		if tag == "" {
			tag = strings.ToLower(f.Name)
		}
		out[tag] = f.Type
	}
	return out
}

func fieldNames(fields map[string]reflect.Type) string {
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("the value %q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "a document"
}

func join(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}

func nodeErr(n *yaml.Node, field, format string, args ...any) error {
	if field == "" {
		field = "(top level)"
	}
	return fmt.Errorf("%d: %s: %s: %w", n.Line, field, fmt.Sprintf(format, args...),
		ErrInvalid)
}
