package playbook

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
	"gopkg.in/yaml.v3"
)

// playbook is one compiled playbook. It is immutable after load and shared by
// concurrent Plan calls.
type playbook struct {
	name        string
	description string
	file        string
	source      []byte
	priority    int
	trigger     *expression
	vars        []variable
	steps       []*stepDef
	verdicts    []verdictRule
	summary     *text

	// flat is steps with every call expanded, filled when the set is linked.
	flat   []*flatStep
	groups [][]*flatStep
	calls  []string
	// alsoGroups are the groups with every ref prefixed by the playbook's
	// name, for when it runs after a higher-priority playbook on one case.
	alsoGroups [][]*flatStep
}

// expression is one compiled expression with its source, for messages.
type expression struct {
	src  string
	line int
	prog *vm.Program
	// vars names the vars it reads; "*" when it indexes vars dynamically.
	vars []string
}

type variable struct {
	name string
	expr *expression
}

// text is a literal string, or an expression when written as "=expr".
type text struct {
	lit  string
	expr *expression
}

type stepKind int

const (
	toolStep stepKind = iota
	decisionStep
	callStep
)

// stepDef is one step as written in its playbook.
type stepDef struct {
	id       string
	line     int
	kind     stepKind
	tool     string
	args     *argMap
	forEach  *expression
	when     *expression
	parallel bool
	reason   *text
	decision *text
	detail   *text
	call     string
}

type verdictRule struct {
	when       *expression
	verdict    string
	confidence *text
	fixed      *float64
}

// compileOptions are shared by every expression: the typed environment, and no
// clock, so the same view always gives the same plan.
func compileOptions(extra ...expr.Option) []expr.Option {
	return append([]expr.Option{expr.Env(env{}), expr.DisableBuiltin("now")}, extra...)
}

// compiler turns a raw playbook into a compiled one, reporting the first error
// with its position.
type compiler struct {
	w    where
	vars map[string]int
}

func compile(file string, source []byte, raw *rawPlaybook) (*playbook, error) {
	c := &compiler{w: where{file: file, playbook: raw.name}, vars: map[string]int{}}
	pb := &playbook{
		name: raw.name, description: raw.description, file: file, source: source,
		priority: raw.priority,
	}
	if err := c.header(raw, pb); err != nil {
		return nil, err
	}
	for _, rs := range raw.steps {
		st, err := c.step(rs)
		if err != nil {
			return nil, err
		}
		pb.steps = append(pb.steps, st)
	}
	if err := c.verdicts(raw, pb); err != nil {
		return nil, err
	}
	return pb, nil
}

// header compiles the vars first (later expressions may use them), then the
// trigger and the summary.
func (c *compiler) header(raw *rawPlaybook, pb *playbook) error {
	for i, rv := range raw.vars {
		e, err := c.expr(rv.expr, "vars."+rv.name, i)
		if err != nil {
			return err
		}
		pb.vars = append(pb.vars, variable{name: rv.name, expr: e})
		c.vars[rv.name] = i
	}

	var err error
	if raw.trigger.src != "" {
		pb.trigger, err = c.expr(raw.trigger, "trigger", len(raw.vars), expr.AsBool())
		if err != nil {
			return err
		}
	}
	pb.summary, err = c.text(raw.summary, "summary")
	return err
}

func (c *compiler) step(rs rawStep) (*stepDef, error) {
	c.w.step = stepID(rs)
	st := &stepDef{
		id: stepID(rs), line: rs.line, tool: rs.tool, call: rs.call, parallel: rs.parallel,
	}
	switch {
	case rs.call != "":
		st.kind = callStep
	case rs.decision != nil:
		st.kind = decisionStep
	}

	var err error
	if st.when, err = c.optExpr(rs.when, "when", expr.AsBool()); err != nil {
		return nil, err
	}
	if st.forEach, err = c.optExpr(rs.forEach, "for_each"); err != nil {
		return nil, err
	}
	if err := c.checkList(st.forEach, "for_each"); err != nil {
		return nil, err
	}
	if err := c.stepTexts(rs, st); err != nil {
		return nil, err
	}
	return st, nil
}

func (c *compiler) stepTexts(rs rawStep, st *stepDef) error {
	var err error
	if st.reason, err = c.text(rs.reason, "reason"); err != nil {
		return err
	}
	if st.decision, err = c.text(rs.decision, "decision"); err != nil {
		return err
	}
	if st.detail, err = c.text(rs.detail, "detail"); err != nil {
		return err
	}
	if rs.args != nil {
		st.args, err = c.argMap(rs.args, "args")
	}
	return err
}

// checkList refuses a for_each whose type is known and is not a list.
func (c *compiler) checkList(e *expression, field string) error {
	if e == nil {
		return nil
	}
	t := e.prog.Node().Type()
	if t == nil || t.Kind() == reflect.Interface || t.Kind() == reflect.Slice ||
		t.Kind() == reflect.Array {
		return nil
	}
	return c.w.errf(e.line, field, "%q gives %s; for_each needs a list", e.src, t)
}

func (c *compiler) verdicts(raw *rawPlaybook, pb *playbook) error {
	c.w.step = ""
	for _, rv := range raw.verdicts {
		when, err := c.optExpr(rv.when, "verdict.when", expr.AsBool())
		if err != nil {
			return err
		}
		r := verdictRule{when: when, verdict: rv.verdict}
		if err := c.confidence(rv.confidence, &r); err != nil {
			return err
		}
		pb.verdicts = append(pb.verdicts, r)
	}
	return nil
}

// confidence reads a fixed number in 0..1 or an "=expression".
func (c *compiler) confidence(n *yaml.Node, r *verdictRule) error {
	if n == nil {
		return nil
	}
	const field = "verdict.confidence"
	if n.Tag == "!!str" && strings.HasPrefix(n.Value, "=") {
		e, err := c.expr(rawExpr{src: n.Value[1:], line: n.Line}, field, len(c.vars),
			expr.AsFloat64())
		r.confidence = &text{expr: e}
		return err
	}
	var f float64
	if (n.Tag != "!!float" && n.Tag != "!!int") || n.Decode(&f) != nil || f < 0 || f > 1 {
		return c.w.errf(n.Line, field, "want a number from 0 to 1 or \"=expression\", got %q",
			n.Value)
	}
	r.fixed = &f
	return nil
}

func (c *compiler) optExpr(e rawExpr, field string, opts ...expr.Option) (*expression, error) {
	if e.src == "" {
		return nil, nil
	}
	return c.expr(e, field, len(c.vars), opts...)
}

// expr compiles one expression. visible is how many vars it may use: a var
// sees only the vars above it, so vars cannot form a cycle.
func (c *compiler) expr(e rawExpr, field string, visible int,
	opts ...expr.Option) (*expression, error) {
	if strings.HasPrefix(e.src, "=") {
		return nil, c.w.errf(e.line, field, "%q: this field is always an expression; "+
			"drop the leading =", e.src)
	}
	prog, err := expr.Compile(e.src, compileOptions(opts...)...)
	if err != nil {
		return nil, c.w.errf(e.line, field, "expression %q: %v", e.src, err)
	}
	used, err := c.checkVars(prog.Node(), visible)
	if err != nil {
		return nil, c.w.errf(e.line, field, "expression %q: %v", e.src, err)
	}
	return &expression{src: e.src, line: e.line, prog: prog, vars: used}, nil
}

// text compiles a text field; nil stays nil.
func (c *compiler) text(n *yaml.Node, field string) (*text, error) {
	if n == nil {
		return nil, nil
	}
	src, isExpr := exprText(n)
	if !isExpr {
		return &text{lit: src}, nil
	}
	e, err := c.expr(rawExpr{src: src, line: n.Line}, field, len(c.vars))
	if err != nil {
		return nil, err
	}
	return &text{expr: e}, nil
}

// exprText splits a string value into an expression ("=expr") or a literal;
// "==x" is the literal "=x".
func exprText(n *yaml.Node) (string, bool) {
	if n.Tag != "!!str" || !strings.HasPrefix(n.Value, "=") {
		return n.Value, false
	}
	if strings.HasPrefix(n.Value, "==") {
		return n.Value[1:], false
	}
	return n.Value[1:], true
}

// checkVars finds vars.name references, refuses names that are not declared
// above, so a typo in a var name fails at load like any other, and returns
// the names used.
func (c *compiler) checkVars(node ast.Node, visible int) ([]string, error) {
	v := &varVisitor{c: c, visible: visible}
	ast.Walk(&node, v)
	// A vars not read as vars.name (vars[item], len(vars)) may read any var.
	if v.idents > v.named {
		v.used = append(v.used, "*")
	}
	return v.used, v.err
}

type varVisitor struct {
	c       *compiler
	visible int
	used    []string
	idents  int
	named   int
	err     error
}

// Visit counts reads of vars and checks each vars.name against the declared vars.
func (v *varVisitor) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		if n.Value == "vars" {
			v.idents++
		}
	case *ast.MemberNode:
		v.member(n)
	}
}

func (v *varVisitor) member(m *ast.MemberNode) {
	id, ok := m.Node.(*ast.IdentifierNode)
	if !ok || id.Value != "vars" || v.err != nil {
		return
	}
	prop, ok := m.Property.(*ast.StringNode)
	if !ok {
		return
	}
	v.named++
	if i, ok := v.c.vars[prop.Value]; !ok || i >= v.visible {
		v.err = fmt.Errorf("vars.%s is not declared above this expression", prop.Value)
		return
	}
	if !slices.Contains(v.used, prop.Value) {
		v.used = append(v.used, prop.Value)
	}
}
