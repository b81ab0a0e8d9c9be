package evals

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/conductor-sec/conductor/internal/finding"
)

// SuiteFile is the optional file at the root of a scenario folder whose
// must_not entries apply to every scenario.
const SuiteFile = "suite.yaml"

// ErrInvalid marks a scenario file that does not describe a valid scenario.
var ErrInvalid = errors.New("invalid scenario")

// maxInputBytes caps one input file; scenarios are meant to be small.
const maxInputBytes = 8 << 20

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// Suite is the content of [SuiteFile].
type Suite struct {
	Description string `yaml:"description"`
	// MustNot applies to every scenario.
	MustNot []ActionSpec `yaml:"must_not"`
}

// tree reads scenario files and their inputs from one place: a folder on
// disk or an fs.FS.
type tree struct {
	read func(name string) ([]byte, error)
	// resolve joins an input path to the folder of the scenario naming it.
	resolve func(scenario, rel string) (string, error)
	// show is how a name appears in messages.
	show func(name string) string
}

// Load reads every *.yaml scenario under dir (recursively) and the inputs
// they name. Input paths are relative to the scenario file and may climb out
// of dir (../../testdata/x.json). Errors name the file, the field and a fix;
// every bad file is reported, joined.
func Load(dir string) ([]Scenario, error) {
	var names []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != dir && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if !d.IsDir() && isScenarioFile(d.Name()) {
			names = append(names, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading scenarios: %w", err)
	}
	t := tree{
		read: readCapped,
		resolve: func(scenario, rel string) (string, error) {
			if filepath.IsAbs(rel) {
				return rel, nil
			}
			return filepath.Join(filepath.Dir(scenario), filepath.FromSlash(rel)), nil
		},
		show: func(name string) string { return name },
	}
	return t.loadAll(names, filepath.Join(dir, SuiteFile))
}

// LoadFS reads every *.yaml scenario under root in fsys. Input paths are
// relative to the scenario file and must stay inside fsys. prefix is put in
// front of file names in messages (the folder fsys was made from).
func LoadFS(fsys fs.FS, root, prefix string) ([]Scenario, error) {
	var names []string
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && isScenarioFile(d.Name()) {
			names = append(names, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading scenarios: %w", err)
	}
	t := tree{
		read: func(name string) ([]byte, error) { return fs.ReadFile(fsys, name) },
		resolve: func(scenario, rel string) (string, error) {
			p := path.Join(path.Dir(scenario), rel)
			if path.IsAbs(rel) || p == ".." || strings.HasPrefix(p, "../") {
				return "", fmt.Errorf("%s leaves the scenario tree; keep inputs under it", rel)
			}
			return p, nil
		},
		show: func(name string) string { return path.Join(prefix, name) },
	}
	return t.loadAll(names, path.Join(root, SuiteFile))
}

func isScenarioFile(name string) bool {
	return (strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) &&
		name != SuiteFile && !strings.HasPrefix(name, ".")
}

func readCapped(name string) ([]byte, error) {
	info, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if info.Size() > maxInputBytes {
		return nil, fmt.Errorf("%s is %d bytes, over the %d byte cap for eval inputs",
			name, info.Size(), maxInputBytes)
	}
	return os.ReadFile(name)
}

func (t tree) loadAll(names []string, suitePath string) ([]Scenario, error) {
	sort.Strings(names)
	suite, err := t.loadSuite(suitePath)
	if err != nil {
		return nil, err
	}

	var out []Scenario
	var errs []error
	seen := map[string]string{}
	for _, name := range names {
		sc, err := t.loadOne(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if prev, ok := seen[sc.Name]; ok {
			errs = append(errs, fmt.Errorf("%s: name: %q is already used by %s; %w",
				sc.File, sc.Name, prev, ErrInvalid))
			continue
		}
		seen[sc.Name] = sc.File
		sc.Expect.MustNot = append(sc.Expect.MustNot, suite.MustNot...)
		out = append(out, sc)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("reading scenarios: no scenario files found: %w", ErrInvalid)
	}
	return out, nil
}

func (t tree) loadSuite(name string) (Suite, error) {
	data, err := t.read(name)
	if errors.Is(err, fs.ErrNotExist) {
		return Suite{}, nil
	}
	if err != nil {
		return Suite{}, fmt.Errorf("reading %s: %w", t.show(name), err)
	}
	var s Suite
	if err := decodeStrict(data, &s, t.show(name)); err != nil {
		return Suite{}, err
	}
	v := validator{file: t.show(name)}
	for i := range s.MustNot {
		s.MustNot[i].From = SuiteFile
		v.spec(fmt.Sprintf("must_not[%d]", i), s.MustNot[i], false)
	}
	return s, v.err()
}

// loadOne decodes, checks and reads the inputs of one scenario file.
func (t tree) loadOne(name string) (Scenario, error) {
	file := t.show(name)
	data, err := t.read(name)
	if err != nil {
		return Scenario{}, fmt.Errorf("reading %s: %w", file, err)
	}
	sc, err := Parse(data, file)
	if err != nil {
		return Scenario{}, err
	}

	var errs []error
	for i := range sc.Inputs {
		if err := t.readInput(name, &sc.Inputs[i]); err != nil {
			errs = append(errs, fmt.Errorf("%s: inputs[%d]: %w; %w", file, i, err, ErrInvalid))
		}
	}
	return sc, errors.Join(errs...)
}

func (t tree) readInput(scenario string, in *Input) error {
	rel := in.File
	if rel == "" {
		rel = in.Telemetry
	}
	if rel == "" {
		return nil
	}
	p, err := t.resolve(scenario, rel)
	if err != nil {
		return err
	}
	in.Data, err = t.read(p)
	if err != nil {
		return fmt.Errorf("reading %s: %w (paths are relative to the scenario file)", rel, err)
	}
	in.Name = path.Base(filepath.ToSlash(rel))
	return nil
}

// Parse decodes one scenario document and checks it; file names it in errors.
// Inputs naming files are left unread (see [Load]); inline alerts become JSON.
func Parse(data []byte, file string) (Scenario, error) {
	var sc Scenario
	if err := decodeStrict(data, &sc, file); err != nil {
		return Scenario{}, err
	}
	sc.File = file
	v := validator{file: file}
	v.scenario(&sc)
	return sc, v.err()
}

// decodeStrict decodes one YAML document into out, refusing unknown keys,
// duplicate keys and type mismatches with the file, line and field named.
func decodeStrict(data []byte, out any, file string) error {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("%s: %s; %w", file, yamlMessage(err), ErrInvalid)
	}
	var extra yaml.Node
	if dec.Decode(&extra) == nil {
		return fmt.Errorf("%s: more than one YAML document; keep one scenario per file: %w",
			file, ErrInvalid)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if err := checkNode(root, typeOf(out), ""); err != nil {
		return fmt.Errorf("%s:%w", file, err)
	}
	if err := root.Decode(out); err != nil {
		return fmt.Errorf("%s: %s; %w", file, yamlMessage(err), ErrInvalid)
	}
	return nil
}

func yamlMessage(err error) string {
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// validator collects semantic errors of one file.
type validator struct {
	file string
	errs []error
}

func (v *validator) errf(field, format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf("%s: %s: %s: %w", v.file, field,
		fmt.Sprintf(format, args...), ErrInvalid))
}

func (v *validator) err() error { return errors.Join(v.errs...) }

func (v *validator) scenario(sc *Scenario) {
	switch {
	case sc.Name == "":
		v.errf("name", "required; add a short id such as `name: phish-o365-lookalike`")
	case !nameRE.MatchString(sc.Name):
		v.errf("name", "%q is not a valid id: use lowercase letters, digits and dashes", sc.Name)
	}
	if strings.TrimSpace(sc.Description) == "" {
		v.errf("description", "required; say in a sentence what the scenario tests")
	}
	if sc.Category == "" {
		v.errf("category", "required; for example phishing, endpoint or false-positive")
	}
	if len(sc.Inputs) == 0 {
		v.errf("inputs", "required; list at least one alert, e-mail or corpus file")
	}
	alerts := 0
	for i := range sc.Inputs {
		if v.input(fmt.Sprintf("inputs[%d]", i), &sc.Inputs[i], i) {
			alerts++
		}
	}
	if len(sc.Inputs) > 0 && alerts == 0 {
		v.errf("inputs", "telemetry alone opens no case; add an alert or an e-mail")
	}
	for tool, f := range sc.Faults {
		if f.Transient < 0 || f.AfterEffect < 0 {
			v.errf("faults."+tool, "counts cannot be negative")
		}
	}
	v.expect(&sc.Expect)
}

// input checks one input and converts an inline alert to JSON; it reports
// whether the input yields findings (rather than telemetry).
func (v *validator) input(field string, in *Input, i int) bool {
	set := 0
	for _, s := range []bool{in.File != "", in.Corpus != "", in.Inline != nil,
		in.Telemetry != ""} {
		if s {
			set++
		}
	}
	if set != 1 {
		v.errf(field, "set exactly one of file, corpus, inline and telemetry")
		return false
	}
	if in.Wave < 0 {
		v.errf(field+".wave", "must be 1 or more")
	}
	switch {
	case in.Corpus != "":
		if path.IsAbs(in.Corpus) || strings.HasPrefix(path.Clean(in.Corpus), "..") {
			v.errf(field+".corpus", "%q must be a path inside the corpus root", in.Corpus)
		}
		in.Name = path.Base(in.Corpus)
	case in.Inline != nil:
		data, err := inlineJSON(in.Inline)
		if err != nil {
			v.errf(field+".inline", "%v; write a JSON object or a YAML mapping", err)
			return false
		}
		in.Data, in.Name = data, fmt.Sprintf("inline-%d.json", i+1)
	}
	return in.Telemetry == ""
}

func inlineJSON(x any) ([]byte, error) {
	if s, ok := x.(string); ok {
		if !json.Valid([]byte(s)) {
			return nil, errors.New("the string is not valid JSON")
		}
		return []byte(strings.TrimSpace(s)), nil
	}
	if _, ok := x.(map[string]any); !ok {
		return nil, fmt.Errorf("want a mapping, got %T", x)
	}
	return json.Marshal(x)
}

func (v *validator) expect(e *Expect) {
	if len(e.Verdict) == 0 {
		v.errf("expect.verdict", "required; one of %v or a list of them", Verdicts)
	}
	for _, vd := range e.Verdict {
		if !slices.Contains(Verdicts, vd) {
			v.errf("expect.verdict", "%q is not a verdict; use one of %v", vd, Verdicts)
		}
	}
	if e.Cases < 0 {
		v.errf("expect.cases", "must be 0 (any) or more")
	}
	for _, group := range []struct {
		name     string
		specs    []ActionSpec
		approval bool
	}{{"must", e.Must, false}, {"may", e.May, false}, {"must_not", e.MustNot, false},
		{"approvals", e.Approvals, true}} {
		for i, s := range group.specs {
			v.spec(fmt.Sprintf("expect.%s[%d]", group.name, i), s, group.approval)
		}
	}
	for i, t := range e.Techniques {
		if !finding.IsTechnique(t) {
			v.errf(fmt.Sprintf("expect.techniques[%d]", i),
				"%q is not an ATT&CK id; write T1234 or T1234.001", t)
		}
	}
	v.questions(e.Questions)
}

func (v *validator) questions(qs []Question) {
	if len(qs) == 0 {
		v.errf("expect.questions", "required; add at least one analyst question with "+
			"the strings its answer must hold")
	}
	for i, q := range qs {
		field := fmt.Sprintf("expect.questions[%d]", i)
		if strings.TrimSpace(q.Ask) == "" {
			v.errf(field+".ask", "required; write the question as an analyst would")
		}
		if len(q.Want) == 0 {
			v.errf(field+".want", "required; list the strings the right answer holds")
		}
		for _, w := range q.Want {
			if strings.TrimSpace(w) == "" {
				v.errf(field+".want", "holds an empty string, which matches anything")
			}
		}
	}
}

func (v *validator) spec(field string, s ActionSpec, approval bool) {
	switch {
	case s.Tool == "" && len(s.Risk) == 0:
		v.errf(field, "set tool (a tool name, or a prefix ending in *) or risk")
	case s.Tool != "" && len(s.Risk) > 0:
		v.errf(field, "set tool or risk, not both")
	}
	for _, r := range s.Risk {
		if !slices.Contains([]string{"read_only", "write", "containment", "destructive"}, r) {
			v.errf(field+".risk", "%q is not a risk class; use read_only, write, "+
				"containment or destructive", r)
		}
	}
	if approval && len(s.Status) > 0 {
		v.errf(field+".status", "approvals match requests whatever their status; remove it")
	}
	for _, st := range s.Status {
		if !slices.Contains(ActionStatuses, st) {
			v.errf(field+".status", "%q is not an action status; use one of %v",
				st, ActionStatuses)
		}
	}
}
