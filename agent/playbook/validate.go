package playbook

import (
	"encoding/json"
	"errors"
	"slices"
	"sort"

	"github.com/conductor-sec/conductor/tools"
)

// Validate checks every tool step of every playbook against the offered tools:
// the tool must exist, each argument must be a property of its schema, and
// every argument the schema requires must be given. All problems are joined.
func (s *Set) Validate(specs []tools.Spec) error {
	byName := map[string]tools.Spec{}
	var names []string
	for _, sp := range specs {
		byName[sp.Name] = sp
		names = append(names, sp.Name)
	}
	sort.Strings(names)

	var errs []error
	for _, pb := range s.ordered {
		for _, st := range pb.steps {
			if st.kind == toolStep {
				errs = append(errs, checkTool(pb, st, byName, names))
			}
		}
	}
	return errors.Join(errs...)
}

// schemaShape is the part of a JSON Schema the check reads.
type schemaShape struct {
	Properties map[string]json.RawMessage `json:"properties"`
	Required   []string                   `json:"required"`
}

func checkTool(pb *playbook, st *stepDef, specs map[string]tools.Spec, names []string) error {
	w := where{file: pb.file, playbook: pb.name, step: st.id}
	spec, ok := specs[st.tool]
	if !ok {
		return w.errf(st.line, "tool", "unknown tool %q%s", st.tool, suggest(st.tool, names))
	}
	var schema schemaShape
	if len(spec.Schema) == 0 || json.Unmarshal(spec.Schema, &schema) != nil {
		return nil
	}
	var given []string
	if st.args != nil {
		given = st.args.keys
	}
	return checkArgs(w, st, spec.Name, schema, given)
}

func checkArgs(w where, st *stepDef, tool string, schema schemaShape, given []string) error {
	props := make([]string, 0, len(schema.Properties))
	for k := range schema.Properties {
		props = append(props, k)
	}
	sort.Strings(props)

	for i, k := range given {
		if schema.Properties != nil && !slices.Contains(props, k) {
			return w.errf(st.args.lines[i], "args."+k, "%s takes no argument %q%s", tool, k,
				suggest(k, props))
		}
	}
	for _, k := range schema.Required {
		if !slices.Contains(given, k) {
			return w.errf(st.line, "args", "%s requires argument %q", tool, k)
		}
	}
	return nil
}
