package playbook

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"slices"

	"gopkg.in/yaml.v3"
)

// The raw* types are a playbook file as written, with line numbers, before its
// expressions are compiled.
type rawPlaybook struct {
	line        int
	name        string
	description string
	priority    int
	trigger     rawExpr
	vars        []rawVar
	steps       []rawStep
	verdicts    []rawVerdict
	summary     *yaml.Node
}

type rawExpr struct {
	src  string
	line int
}

type rawVar struct {
	name string
	expr rawExpr
}

type rawStep struct {
	line     int
	id       string
	tool     string
	call     string
	args     *yaml.Node
	forEach  rawExpr
	when     rawExpr
	parallel bool
	reason   *yaml.Node
	decision *yaml.Node
	detail   *yaml.Node
}

type rawVerdict struct {
	line       int
	when       rawExpr
	verdict    string
	confidence *yaml.Node
}

var (
	playbookKeys = []string{
		"name", "description", "priority", "trigger", "vars", "steps", "verdict", "summary",
	}
	stepKeys = []string{
		"id", "tool", "args", "for_each", "when", "parallel", "reason",
		"decision", "detail", "call",
	}
	verdictKeys = []string{"when", "verdict", "confidence"}
	verdicts    = []string{"malicious", "suspicious", "benign", "inconclusive"}

	// idPattern keeps names and step ids safe inside refs and file listings.
	idPattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
	varPattern = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,63}$`)
)

// maxFileSize bounds one playbook file; real playbooks are a few kilobytes.
const maxFileSize = 1 << 20

// decodeFile reads one playbook from YAML, checking its shape field by field.
func decodeFile(file string, data []byte) (*rawPlaybook, error) {
	w := where{file: file}
	if len(data) > maxFileSize {
		return nil, w.errf(0, "", "file is larger than %d bytes", maxFileSize)
	}

	root, err := w.document(data)
	if err != nil {
		return nil, err
	}
	if err := w.noAliases(root); err != nil {
		return nil, err
	}

	pb := &rawPlaybook{line: root.Line}
	if err := w.playbookName(root, pb); err != nil {
		return nil, err
	}
	w.playbook = pb.name
	err = w.mapping(root, "", playbookKeys, func(key string, v *yaml.Node) error {
		return w.playbookField(pb, key, v)
	})
	if err != nil {
		return nil, err
	}
	if err := w.checkPlaybook(pb); err != nil {
		return nil, err
	}
	return pb, nil
}

// document parses exactly one YAML document and returns its top node.
func (w where) document(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, w.errf(0, "", "file is empty; write one playbook mapping")
		}
		return nil, w.errf(0, "", "parsing yaml: %w", err)
	}

	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, w.errf(extra.Line, "", "one playbook per file; remove the second document")
	}
	if len(doc.Content) != 1 {
		return nil, w.errf(doc.Line, "", "file holds no playbook")
	}
	return doc.Content[0], nil
}

// noAliases refuses anchors' aliases: they would let a small file expand into a
// huge one, and playbooks are short enough to repeat a value.
func (w where) noAliases(n *yaml.Node) error {
	if n.Kind == yaml.AliasNode {
		return w.errf(n.Line, "", "aliases (*%s) are not supported; repeat the value", n.Value)
	}
	for _, c := range n.Content {
		if err := w.noAliases(c); err != nil {
			return err
		}
	}
	return nil
}

// playbookName reads the name first, so every later error can name the playbook.
func (w where) playbookName(root *yaml.Node, pb *rawPlaybook) error {
	if root.Kind != yaml.MappingNode {
		return w.errf(root.Line, "", "a playbook is a mapping with name, trigger, steps; got %s",
			kindName(root))
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "name" {
			return w.ident(root.Content[i+1], "name", idPattern, &pb.name)
		}
	}
	return w.errf(root.Line, "name", "missing; add name: my-playbook")
}

func (w where) playbookField(pb *rawPlaybook, key string, v *yaml.Node) error {
	switch key {
	case "description":
		return w.str(v, key, &pb.description)
	case "priority":
		return w.integer(v, key, -1000, 1000, &pb.priority)
	case "trigger":
		return w.expr(v, key, &pb.trigger)
	case "vars":
		return w.vars(v, pb)
	case "steps":
		return w.steps(v, pb)
	case "verdict":
		return w.verdicts(v, pb)
	case "summary":
		pb.summary = v
		return w.text(v, key)
	}
	return nil
}

func (w where) vars(n *yaml.Node, pb *rawPlaybook) error {
	return w.mapping(n, "vars", nil, func(key string, v *yaml.Node) error {
		field := "vars." + key
		if !varPattern.MatchString(key) {
			return w.errf(v.Line, field, "a var name is lower_snake_case")
		}
		rv := rawVar{name: key}
		if err := w.expr(v, field, &rv.expr); err != nil {
			return err
		}
		pb.vars = append(pb.vars, rv)
		return nil
	})
}

func (w where) steps(n *yaml.Node, pb *rawPlaybook) error {
	if n.Kind != yaml.SequenceNode {
		return w.errf(n.Line, "steps", "want a list of steps, got %s", kindName(n))
	}
	for _, sn := range n.Content {
		st, err := w.decodeStep(sn)
		if err != nil {
			return err
		}
		pb.steps = append(pb.steps, st)
	}
	return nil
}

func (w where) decodeStep(n *yaml.Node) (rawStep, error) {
	st := rawStep{line: n.Line}
	if n.Kind != yaml.MappingNode {
		return st, w.errf(n.Line, "steps", "a step is a mapping with id and tool, decision "+
			"or call; got %s", kindName(n))
	}
	w.step = stepLabel(n)
	err := w.mapping(n, "", stepKeys, func(key string, v *yaml.Node) error {
		return w.stepField(&st, key, v)
	})
	if err != nil {
		return st, err
	}
	return st, w.checkStep(&st)
}

// stepLabel names a step in errors before its fields are read: its id, or its
// call target.
func stepLabel(n *yaml.Node) string {
	label := ""
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch n.Content[i].Value {
		case "id":
			return n.Content[i+1].Value
		case "call":
			label = n.Content[i+1].Value
		}
	}
	return label
}

func (w where) stepField(st *rawStep, key string, v *yaml.Node) error {
	switch key {
	case "id":
		return w.ident(v, key, idPattern, &st.id)
	case "tool":
		return w.str(v, key, &st.tool)
	case "call":
		return w.ident(v, key, idPattern, &st.call)
	case "args":
		st.args = v
		return w.args(v, key)
	case "for_each":
		return w.expr(v, key, &st.forEach)
	case "when":
		return w.expr(v, key, &st.when)
	case "parallel":
		return w.boolean(v, key, &st.parallel)
	case "reason":
		st.reason = v
	case "decision":
		st.decision = v
	case "detail":
		st.detail = v
	}
	return w.text(v, key)
}

// checkStep enforces that a step does exactly one thing and carries only the
// fields that thing uses.
func (w where) checkStep(st *rawStep) error {
	kinds := 0
	for _, set := range []bool{st.tool != "", st.decision != nil, st.call != ""} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		return w.errf(st.line, "", "a step has exactly one of tool, decision or call")
	}
	if st.id == "" && st.call == "" {
		return w.errf(st.line, "id", "missing; add id: short-name (unique in the playbook)")
	}
	return w.checkStepFields(st)
}

func (w where) checkStepFields(st *rawStep) error {
	switch {
	case st.args != nil && st.tool == "":
		return w.errf(st.args.Line, "args", "only a tool step takes args")
	case st.detail != nil && st.decision == nil:
		return w.errf(st.detail.Line, "detail", "only a decision step takes a detail")
	case st.reason != nil && st.tool == "":
		return w.errf(st.reason.Line, "reason", "only a tool step takes a reason")
	case st.call != "" && st.forEach.src != "":
		return w.errf(st.forEach.line, "for_each", "a call step cannot loop; "+
			"loop inside the called playbook")
	}
	return nil
}

func (w where) verdicts(n *yaml.Node, pb *rawPlaybook) error {
	if n.Kind != yaml.SequenceNode {
		return w.errf(n.Line, "verdict", "want a list of rules, got %s", kindName(n))
	}
	for _, rn := range n.Content {
		r := rawVerdict{line: rn.Line}
		err := w.mapping(rn, "verdict", verdictKeys, func(key string, v *yaml.Node) error {
			return w.verdictField(&r, key, v)
		})
		if err != nil {
			return err
		}
		if r.verdict == "" {
			return w.errf(r.line, "verdict", "rule has no verdict; add verdict: %s",
				verdicts[1])
		}
		pb.verdicts = append(pb.verdicts, r)
	}
	return nil
}

func (w where) verdictField(r *rawVerdict, key string, v *yaml.Node) error {
	switch key {
	case "when":
		return w.expr(v, "verdict.when", &r.when)
	case "verdict":
		if err := w.str(v, "verdict.verdict", &r.verdict); err != nil {
			return err
		}
		if !slices.Contains(verdicts, r.verdict) {
			return w.errf(v.Line, "verdict.verdict", "unknown verdict %q%s", r.verdict,
				suggest(r.verdict, verdicts))
		}
	case "confidence":
		r.confidence = v
		return w.scalar(v, "verdict.confidence")
	}
	return nil
}

// checkPlaybook enforces what spans fields: unique step ids, reachable verdict
// rules.
func (w where) checkPlaybook(pb *rawPlaybook) error {
	seen := map[string]bool{}
	for _, st := range pb.steps {
		id := stepID(st)
		if seen[id] {
			w.step = id
			return w.errf(st.line, "id", "duplicate step id; ids are unique in a playbook")
		}
		seen[id] = true
	}
	for i, r := range pb.verdicts {
		if r.when.src == "" && i != len(pb.verdicts)-1 {
			return w.errf(r.line, "verdict", "a rule without when matches everything; "+
				"make it the last rule")
		}
	}
	return nil
}

// stepID is a step's id, defaulting to the called playbook's name for a call.
func stepID(st rawStep) string {
	if st.id != "" {
		return st.id
	}
	return st.call
}
