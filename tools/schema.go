package tools

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// maxArgsBytes bounds the arguments of one call; no tool needs more, and a
// planner looping on a huge payload should fail fast.
const maxArgsBytes = 64 << 10

// noLoader refuses every external reference, so a tool schema cannot make
// the registry read a file or fetch a URL.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("schema references %s: external references are not allowed", url)
}

// compileSchema compiles a tool's argument schema and returns its top-level
// property names. The schema must describe a closed object, so unknown fields
// are always rejected (T3).
func compileSchema(name string, raw json.RawMessage) (*jsonschema.Schema, []string, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, nil, fmt.Errorf("schema is not JSON: %v: %w", err, ErrInvalidSpec)
	}
	obj, ok := doc.(map[string]any)
	if !ok || obj["type"] != "object" || obj["additionalProperties"] != false {
		return nil, nil, fmt.Errorf(`schema must have "type": "object" and `+
			`"additionalProperties": false: %w`, ErrInvalidSpec)
	}

	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(noLoader{})
	url := "https://conductor.invalid/tools/" + name + ".json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, nil, fmt.Errorf("adding schema: %v: %w", err, ErrInvalidSpec)
	}
	sch, err := c.Compile(url)
	if err != nil {
		return nil, nil, fmt.Errorf("compiling schema: %v: %w", err, ErrInvalidSpec)
	}

	props, _ := obj["properties"].(map[string]any)
	fields := make([]string, 0, len(props))
	for f := range props {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	return sch, fields, nil
}

// validate checks args against the entry's schema.
func (e *entry) validate(args json.RawMessage) error {
	if len(args) == 0 {
		args = json.RawMessage("{}")
	}
	if len(args) > maxArgsBytes {
		return fmt.Errorf("arguments are %d bytes, more than the %d allowed: %w",
			len(args), maxArgsBytes, ErrInvalidArgs)
	}

	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(args))
	if err != nil {
		return fmt.Errorf("arguments are not valid JSON (%v); send one JSON object with "+
			"fields %s: %w", err, e.fieldList(), ErrInvalidArgs)
	}
	if _, ok := doc.(map[string]any); !ok {
		return fmt.Errorf("arguments must be a JSON object with fields %s: %w",
			e.fieldList(), ErrInvalidArgs)
	}
	if dup := duplicateField(args); dup != "" {
		return fmt.Errorf("field %q appears twice; send each field once: %w", dup, ErrInvalidArgs)
	}

	err = e.schema.Validate(doc)
	var ve *jsonschema.ValidationError
	if errors.As(err, &ve) {
		msgs := e.describe(ve)
		return fmt.Errorf("%s: %w", strings.Join(msgs, "; "), ErrInvalidArgs)
	}
	if err != nil {
		return fmt.Errorf("validating arguments: %v: %w", err, ErrInvalidArgs)
	}
	return nil
}

func (e *entry) fieldList() string {
	if len(e.fields) == 0 {
		return "(none)"
	}
	return strings.Join(e.fields, ", ")
}

// describe turns a validation error tree into one message per problem, each
// naming the field and what to send instead.
func (e *entry) describe(ve *jsonschema.ValidationError) []string {
	switch ve.ErrorKind.(type) {
	case *kind.AnyOf, *kind.OneOf:
		alts := make([]string, 0, len(ve.Causes))
		for _, c := range ve.Causes {
			alts = append(alts, strings.Join(e.describe(c), " and "))
		}
		return []string{"arguments must satisfy one of: " + strings.Join(alts, ", or ")}
	}
	if len(ve.Causes) == 0 {
		return []string{e.leaf(ve)}
	}
	var msgs []string
	for _, c := range ve.Causes {
		msgs = append(msgs, e.describe(c)...)
	}
	return msgs
}

// leaf describes one failed keyword.
func (e *entry) leaf(ve *jsonschema.ValidationError) string {
	at := fieldPath(ve.InstanceLocation)
	switch k := ve.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		return e.unknownFields(at, k.Properties)
	case *kind.Required:
		return fmt.Sprintf("missing required field %s", quoteFields(at, k.Missing))
	case *kind.Type:
		return fmt.Sprintf("field %q must be %s, not %s", at, strings.Join(k.Want, " or "), k.Got)
	case *kind.Format:
		return fmt.Sprintf("field %q must be a valid %s, got %s", at, k.Want, clip(k.Got))
	case *kind.FalseSchema:
		return fmt.Sprintf("field %q is not allowed", at)
	}
	return fmt.Sprintf("field %q: %s", at, kindText(ve))
}

func (e *entry) unknownFields(at string, props []string) string {
	msg := fmt.Sprintf("unknown field %s", quoteFields(at, props))
	if at == "" {
		msg += "; allowed fields are " + e.fieldList()
	}
	return msg
}

// kindText renders a keyword failure without its location prefix.
func kindText(ve *jsonschema.ValidationError) string {
	bare := jsonschema.ValidationError{SchemaURL: ve.SchemaURL, ErrorKind: ve.ErrorKind}
	return strings.TrimPrefix(bare.Error(), "at '': ")
}

// fieldPath renders an instance location as dotted field names.
func fieldPath(loc []string) string {
	return strings.Join(loc, ".")
}

func quoteFields(at string, names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		if at != "" {
			n = at + "." + n
		}
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// clip quotes a value from the arguments, shortened so an error message does
// not carry a whole payload.
func clip(v any) string {
	s := fmt.Sprint(v)
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// duplicateField returns the path of the first object key that appears twice
// in valid JSON data, or "". Decoders disagree on which copy wins, so a
// duplicate could show the policy one value and the connector another.
func duplicateField(data []byte) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	dup, _ := scanDuplicates(dec, "")
	return dup
}

func scanDuplicates(dec *json.Decoder, path string) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return "", err
			}
			key, _ := k.(string)
			at := joinField(path, key)
			if seen[key] {
				return at, nil
			}
			seen[key] = true
			if dup, err := scanDuplicates(dec, at); dup != "" || err != nil {
				return dup, err
			}
		}
	case json.Delim('['):
		for dec.More() {
			if dup, err := scanDuplicates(dec, path); dup != "" || err != nil {
				return dup, err
			}
		}
	default:
		return "", nil
	}
	_, err = dec.Token()
	return "", err
}

func joinField(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
