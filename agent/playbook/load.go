package playbook

import (
	"cmp"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

//go:embed playbooks/*.yaml
var embedded embed.FS

// maxFlatSteps bounds a playbook after its calls are expanded: calls nested in
// calls could otherwise multiply into thousands of steps.
const maxFlatSteps = 500

// Set is a loaded and linked collection of playbooks. It is immutable and safe
// for concurrent use.
type Set struct {
	byName map[string]*playbook
	// ordered is by priority, highest first, then by name: the order in which
	// triggers are tried.
	ordered []*playbook
}

// Info describes a playbook for listings.
type Info struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Priority    int    `json:"priority"`
	// Trigger is empty for a playbook that only runs when another calls it.
	Trigger string `json:"trigger,omitempty"`
	// Steps counts steps after calls are expanded.
	Steps int      `json:"steps"`
	Calls []string `json:"calls,omitempty"`
	// File is where the playbook came from: "playbooks/x.yaml" for an embedded
	// one, the path on disk for an override.
	File string `json:"file"`
}

// Load reads the embedded playbooks and then, when dir is not empty, every
// *.yaml and *.yml file in dir: a playbook there replaces the embedded one of
// the same name, and new names are added. Every expression is compiled and
// every call resolved here, so a mistake in any file is an error now, naming
// the file, line, playbook and step; errors of several files are joined.
func Load(dir string) (*Set, error) {
	all, err := readFS(embedded, "playbooks", "playbooks")
	if err != nil {
		return nil, fmt.Errorf("loading embedded playbooks: %w", err)
	}
	if dir != "" {
		over, err := readDir(dir)
		if err != nil {
			return nil, fmt.Errorf("loading playbooks from %s: %w", dir, err)
		}
		for name, pb := range over {
			all[name] = pb
		}
	}
	return link(all)
}

func readDir(dir string) (map[string]*playbook, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("reading playbook folder: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("reading playbook folder: %s is not a folder", dir)
	}
	return readFS(os.DirFS(dir), ".", dir)
}

// readFS decodes and compiles every playbook file in one folder of fsys;
// label is the folder name shown in errors.
func readFS(fsys fs.FS, folder, label string) (map[string]*playbook, error) {
	entries, err := fs.ReadDir(fsys, folder)
	if err != nil {
		return nil, fmt.Errorf("listing playbooks: %w", err)
	}
	out := map[string]*playbook{}
	var errs []error
	for _, e := range entries {
		ext := path.Ext(e.Name())
		if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		pb, err := readFile(fsys, path.Join(folder, e.Name()), filepath.Join(label, e.Name()))
		if err == nil {
			err = addUnique(out, pb)
		}
		errs = append(errs, err)
	}
	return out, errors.Join(errs...)
}

func readFile(fsys fs.FS, name, label string) (*playbook, error) {
	info, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", label, err)
	}
	if info.Size() > maxFileSize {
		return nil, where{file: label}.errf(0, "", "file is larger than %d bytes", maxFileSize)
	}
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", label, err)
	}
	return parseFile(label, data)
}

// parseFile decodes and compiles one playbook file; file names it in errors. Calls
// are not resolved: that needs the whole set, see [Load].
func parseFile(file string, data []byte) (*playbook, error) {
	raw, err := decodeFile(file, data)
	if err != nil {
		return nil, err
	}
	return compile(file, data, raw)
}

func addUnique(m map[string]*playbook, pb *playbook) error {
	if prev, ok := m[pb.name]; ok {
		return where{file: pb.file, playbook: pb.name}.errf(0, "name",
			"also defined in %s; names are unique in a folder", prev.file)
	}
	m[pb.name] = pb
	return nil
}

// link expands every call, checks for cycles and fixes the trigger order.
func link(all map[string]*playbook) (*Set, error) {
	s := &Set{byName: all}
	for _, pb := range all {
		s.ordered = append(s.ordered, pb)
	}
	slices.SortFunc(s.ordered, func(a, b *playbook) int {
		return cmp.Or(cmp.Compare(b.priority, a.priority), strings.Compare(a.name, b.name))
	})

	var errs []error
	for _, pb := range s.ordered {
		flat, err := s.flatten(pb, "", nil, []string{pb.name})
		if err == nil && len(flat) > maxFlatSteps {
			err = where{file: pb.file, playbook: pb.name}.errf(0, "steps",
				"expands to %d steps through its calls; the limit is %d", len(flat), maxFlatSteps)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		pb.flat, pb.groups, pb.calls = flat, groupSteps(flat), calledNames(flat, pb)
		also, err := s.flatten(pb, pb.name+".", nil, []string{pb.name})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		pb.alsoGroups = groupSteps(also)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

// flatStep is a step ready to run: a step of the chosen playbook, or of a
// playbook it calls, with the ref prefix and the call conditions it inherits.
type flatStep struct {
	*stepDef
	owner    *playbook
	ref      string
	guards   []guard
	parallel bool
}

// guard is the when of a call step, evaluated in the calling playbook.
type guard struct {
	owner *playbook
	when  *expression
}

func (s *Set) flatten(pb *playbook, prefix string, guards []guard,
	stack []string) ([]*flatStep, error) {
	var out []*flatStep
	for _, st := range pb.steps {
		if st.kind != callStep {
			out = append(out, &flatStep{
				stepDef: st, owner: pb, ref: prefix + st.id, guards: guards,
				parallel: st.parallel,
			})
			continue
		}
		inner, err := s.expandCall(pb, st, prefix, guards, stack)
		if err != nil {
			return nil, err
		}
		out = append(out, inner...)
	}
	return out, nil
}

// expandCall inlines a called playbook. Its refs are prefixed with the call
// step's id and a dot, which no step id contains, so they never collide.
func (s *Set) expandCall(pb *playbook, st *stepDef, prefix string, guards []guard,
	stack []string) ([]*flatStep, error) {
	w := where{file: pb.file, playbook: pb.name, step: st.id}
	callee, ok := s.byName[st.call]
	if !ok {
		return nil, w.errf(st.line, "call", "no playbook named %q%s", st.call,
			suggest(st.call, s.names()))
	}
	if slices.Contains(stack, st.call) {
		chain := strings.Join(append(slices.Clone(stack), st.call), " -> ")
		return nil, w.errf(st.line, "call", "call cycle %s; a playbook cannot call "+
			"itself, directly or through others", chain)
	}

	if st.when != nil {
		guards = append(slices.Clone(guards), guard{owner: pb, when: st.when})
	}
	inner, err := s.flatten(callee, prefix+st.id+".", guards, append(stack, st.call))
	if err != nil {
		return nil, err
	}
	if len(inner) > 0 {
		inner[0].parallel = st.parallel
	}
	return inner, nil
}

func (s *Set) names() []string {
	var out []string
	for _, pb := range s.ordered {
		out = append(out, pb.name)
	}
	return out
}

// groupSteps cuts the flat steps into rounds: a step and the parallel steps
// right after it form one group, proposed together.
func groupSteps(flat []*flatStep) [][]*flatStep {
	var gs [][]*flatStep
	for _, f := range flat {
		if f.parallel && len(gs) > 0 {
			gs[len(gs)-1] = append(gs[len(gs)-1], f)
			continue
		}
		gs = append(gs, []*flatStep{f})
	}
	return gs
}

func calledNames(flat []*flatStep, pb *playbook) []string {
	var out []string
	for _, f := range flat {
		if f.owner != pb && !slices.Contains(out, f.owner.name) {
			out = append(out, f.owner.name)
		}
	}
	return out
}

// Playbooks lists the playbooks in trigger order.
func (s *Set) Playbooks() []Info {
	out := make([]Info, 0, len(s.ordered))
	for _, pb := range s.ordered {
		info := Info{
			Name: pb.name, Description: pb.description, Priority: pb.priority,
			Steps: len(pb.flat), Calls: pb.calls, File: pb.file,
		}
		if pb.trigger != nil {
			info.Trigger = pb.trigger.src
		}
		out = append(out, info)
	}
	return out
}

// Source returns the YAML a playbook was loaded from.
func (s *Set) Source(name string) ([]byte, bool) {
	pb, ok := s.byName[name]
	if !ok {
		return nil, false
	}
	return slices.Clone(pb.source), true
}
