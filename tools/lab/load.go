package lab

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed default.yaml
var defaultYAML []byte

// maxFileBytes bounds a lab file; the default lab is 8 KB.
const maxFileBytes = 4 << 20

// ErrInvalidLab is wrapped by every error about a lab file's content.
var ErrInvalidLab = errors.New("invalid lab file")

// FileError locates a problem in a lab file.
type FileError struct {
	File string
	// Line is 1-based; 0 when unknown.
	Line int
	// Field is the path of the offending field, e.g. "hosts[3].ip".
	Field string
	Msg   string
}

// Error renders "file:line: field: message".
func (e *FileError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap makes every FileError match [ErrInvalidLab].
func (e *FileError) Unwrap() error { return ErrInvalidLab }

// Default returns the embedded Acme Corp lab.
func Default() (*Org, error) {
	return Parse("default.yaml", defaultYAML)
}

// Load reads and checks the lab file at path.
func Load(path string) (*Org, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("loading lab: %w", err)
	}
	defer f.Close()

	data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("loading lab %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse decodes and checks a lab file's content; name is used in errors.
// Unknown fields, wrong types, duplicate keys, anchors and invalid values are
// errors that name the file, the line and the field.
func Parse(name string, data []byte) (*Org, error) {
	if len(data) > maxFileBytes {
		return nil, &FileError{File: name, Msg: fmt.Sprintf("file is larger than %d bytes",
			maxFileBytes)}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, syntaxError(name, err)
	}
	if len(root.Content) == 0 {
		return nil, &FileError{File: name, Line: 1, Msg: "file is empty"}
	}

	d := &decoder{lines: map[string]int{}}
	var org Org
	if err := d.decode(root.Content[0], reflect.ValueOf(&org).Elem(), ""); err != nil {
		return nil, d.locate(name, err)
	}
	if err := org.check(); err != nil {
		return nil, d.locate(name, err)
	}
	return &org, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func syntaxError(name string, err error) error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &FileError{File: name, Line: line, Msg: "syntax: " + m[2]}
	}
	return &FileError{File: name, Msg: "syntax: " + strings.TrimPrefix(msg, "yaml: ")}
}

// decoder fills Go values from YAML nodes, strictly, remembering the line of
// every field path so later checks can point at it.
type decoder struct {
	lines map[string]int
}

// locate completes a FileError with the file name and the line of its field
// (or of the nearest enclosing field that has one).
func (d *decoder) locate(name string, err error) error {
	var fe *FileError
	if !errors.As(err, &fe) {
		return err
	}
	fe.File = name
	for p := fe.Field; fe.Line == 0 && p != ""; p = parentPath(p) {
		fe.Line = d.lines[p]
	}
	return fe
}

func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

func fail(n *yaml.Node, path, format string, args ...any) error {
	return &FileError{Line: n.Line, Field: path, Msg: fmt.Sprintf(format, args...)}
}

func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) error {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return fail(n, path, "anchors and aliases are not supported")
	}
	d.lines[path] = n.Line
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}

	switch v.Kind() {
	case reflect.Struct:
		return d.decodeStruct(n, v, path)
	case reflect.Slice:
		return d.decodeSlice(n, v, path)
	case reflect.String:
		return decodeString(n, v, path)
	case reflect.Bool:
		return decodeBool(n, v, path)
	}
	return fail(n, path, "cannot hold a %s", v.Kind())
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) error {
	if n.Kind != yaml.MappingNode {
		return fail(n, path, "want a mapping of fields, got %s", describeNode(n))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return fail(k, path, "field names must be plain words")
		}
		fp := joinPath(path, k.Value)
		idx, ok := fieldIndex(v.Type(), k.Value)
		switch {
		case !ok:
			return fail(k, fp, "unknown field (allowed: %s)", fieldNames(v.Type()))
		case seen[k.Value]:
			return fail(k, fp, "field appears twice")
		}
		seen[k.Value] = true

		if err := d.decode(val, v.Field(idx), fp); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) decodeSlice(n *yaml.Node, v reflect.Value, path string) error {
	if n.Kind != yaml.SequenceNode {
		return fail(n, path, "want a list, got %s", describeNode(n))
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		if err := d.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return err
		}
	}
	v.Set(s)
	return nil
}

func decodeString(n *yaml.Node, v reflect.Value, path string) error {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!bool" {
		return fail(n, path, "want text, got %s (quote it if it is meant as text)",
			describeNode(n))
	}
	v.SetString(n.Value)
	return nil
}

func decodeBool(n *yaml.Node, v reflect.Value, path string) error {
	var b bool
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || n.Decode(&b) != nil {
		return fail(n, path, "want true or false, got %s", describeNode(n))
	}
	v.SetBool(b)
	return nil
}

func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	s := n.Value
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// fieldIndex finds the struct field whose yaml tag is name.
func fieldIndex(t reflect.Type, name string) (int, bool) {
	for i := range t.NumField() {
		if tag := yamlName(t.Field(i)); tag != "" && tag == name {
			return i, true
		}
	}
	return 0, false
}

func fieldNames(t reflect.Type) string {
	var names []string
	for i := range t.NumField() {
		if tag := yamlName(t.Field(i)); tag != "" {
			names = append(names, tag)
		}
	}
	return strings.Join(names, ", ")
}

// yamlName returns the field's yaml name, or "" for fields not in files.
func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" {
		return ""
	}
	return name
}
