package llm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

// maxAnswerBytes bounds what one streamed answer may add up to. MaxTokens
// bounds an honest server; this bounds one that is not.
const maxAnswerBytes = 1 << 20

// toolCall is one complete, well-formed function call from the model.
type toolCall struct {
	ID   string
	Name string
	// Args is one JSON object in canonical form.
	Args json.RawMessage
}

// partial is a call still being streamed.
type partial struct {
	id    string // empty until a chunk names it
	index int    // -1 when no chunk gave one
	name  strings.Builder
	args  strings.Builder
}

// assembler rebuilds a streamed answer (threat T14). Calls are keyed by their
// id; an index only locates the call that a fragment without an id continues.
// Two ids on one index are a clash: the fragments are never glued, and the
// whole answer is refused.
type assembler struct {
	content strings.Builder
	calls   []*partial
	byID    map[string]*partial
	byIndex map[int]*partial
	size    int
	// reason is the finish_reason of the choice, empty until the stream says.
	reason string
	err    error
}

func newAssembler() *assembler {
	return &assembler{byID: map[string]*partial{}, byIndex: map[int]*partial{}}
}

// add takes one streamed choice of the answer. After the first problem it
// ignores the rest: nothing from a broken answer is used.
func (a *assembler) add(c openai.ChatCompletionStreamChoice) {
	if a.err != nil {
		return
	}
	if c.FinishReason != "" {
		a.reason = string(c.FinishReason)
	}
	d := c.Delta
	a.content.WriteString(d.Content)
	a.content.WriteString(d.Refusal)
	// Reasoning text is not used, but it is generated and billed, and a
	// server could send it without end.
	a.size += len(d.Content) + len(d.Refusal) + len(d.ReasoningContent)

	for _, tc := range d.ToolCalls {
		p, err := a.locate(tc)
		if err != nil {
			a.err = err
			return
		}
		a.addName(p, tc.Function.Name)
		p.args.WriteString(tc.Function.Arguments)
		a.size += len(tc.Function.Name) + len(tc.Function.Arguments)
	}
	if a.size > maxAnswerBytes {
		a.err = malformed("answer exceeds %d bytes", maxAnswerBytes)
	}
}

// locate finds the call a fragment belongs to, or starts a new one.
func (a *assembler) locate(tc openai.ToolCall) (*partial, error) {
	idx := -1
	if tc.Index != nil {
		if *tc.Index < 0 {
			return nil, malformed("a call has the negative index %d", *tc.Index)
		}
		idx = *tc.Index
	}
	if tc.ID == "" {
		if p, ok := a.byIndex[idx]; ok && idx >= 0 {
			return p, nil
		}
		if idx < 0 {
			return nil, malformed("a call fragment has neither an id nor an index")
		}
		return a.start("", idx), nil
	}

	if p, ok := a.byID[tc.ID]; ok {
		return a.reindex(p, idx)
	}
	if p, ok := a.byIndex[idx]; ok && idx >= 0 {
		if p.id != "" {
			return nil, malformed("two tool calls share index %d (ids %s and %s); "+
				"their arguments were not joined", idx, short(p.id), short(tc.ID))
		}
		// The first fragment of this call came without its id.
		p.id = tc.ID
		a.byID[tc.ID] = p
		return p, nil
	}
	return a.start(tc.ID, idx), nil
}

// reindex checks that a known call keeps its index, and learns the index of a
// call whose first fragment came without one.
func (a *assembler) reindex(p *partial, idx int) (*partial, error) {
	switch {
	case idx < 0 || idx == p.index:
		return p, nil
	case p.index >= 0:
		return nil, malformed("call %s moved from index %d to %d", short(p.id), p.index, idx)
	}
	if other, ok := a.byIndex[idx]; ok {
		return nil, malformed("two tool calls share index %d (ids %s and %s); "+
			"their arguments were not joined", idx, short(other.id), short(p.id))
	}
	p.index = idx
	a.byIndex[idx] = p
	return p, nil
}

func (a *assembler) start(id string, idx int) *partial {
	p := &partial{id: id, index: idx}
	a.calls = append(a.calls, p)
	if id != "" {
		a.byID[id] = p
	}
	if idx >= 0 {
		a.byIndex[idx] = p
	}
	return p
}

// addName records a call's function name. Most servers send it once; some
// repeat it on every fragment, and a few stream it in pieces.
func (a *assembler) addName(p *partial, name string) {
	if name == "" || p.name.String() == name {
		return
	}
	p.name.WriteString(name)
}

// result returns the content and the calls once the stream has ended. Any
// problem fails the whole answer: a half-parsed call is never returned.
func (a *assembler) result() (string, []toolCall, error) {
	if a.err != nil {
		return "", nil, a.err
	}
	switch a.reason {
	case "stop", "tool_calls", "function_call":
	case "":
		return "", nil, malformed("the stream ended before the answer was complete")
	case "length":
		return "", nil, malformed("the answer was cut at the token limit")
	default:
		return "", nil, malformed("the answer ended with %q", short(a.reason))
	}

	calls := make([]toolCall, 0, len(a.calls))
	for i, p := range a.calls {
		c, err := p.complete(i)
		if err != nil {
			return "", nil, err
		}
		calls = append(calls, c)
	}
	return a.content.String(), calls, nil
}

// complete checks one assembled call and canonicalises its arguments, so the
// guard, the schema and the tool all read the same object (a duplicated key
// keeps one value everywhere).
func (p *partial) complete(i int) (toolCall, error) {
	id := p.id
	if id == "" {
		id = fmt.Sprintf("index-%d", p.index)
	}
	name := p.name.String()
	if name == "" {
		return toolCall{}, malformed("call %s has no function name", short(id))
	}
	raw := strings.TrimSpace(p.args.String())
	if raw == "" {
		raw = "{}"
	}
	args, err := canonicalObject([]byte(raw))
	if err != nil {
		return toolCall{}, malformed("arguments of call %s (%s) are not a JSON object",
			short(id), short(name))
	}
	return toolCall{ID: id, Name: name, Args: args}, nil
}

// canonicalObject re-encodes one JSON object with sorted keys, keeping
// numbers as written.
func canonicalObject(raw []byte) (json.RawMessage, error) {
	if !json.Valid(raw) || raw[0] != '{' {
		return nil, fmt.Errorf("not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSpace(buf.Bytes()), nil
}

// malformed builds an [ErrMalformed] error. Its text names ids and functions
// only, never arguments: it goes back to the model and into the record.
func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// short caps a model-chosen string quoted in an error.
func short(s string) string {
	q := strconv.QuoteToASCII(s)
	q = q[1 : len(q)-1]
	if len(q) > 64 {
		return q[:64] + "…"
	}
	return q
}
