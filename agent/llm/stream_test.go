package llm

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	openai "github.com/sashabaranov/go-openai"
)

// frag is one streamed tool-call fragment, for building test streams.
type frag struct {
	index      int // -1: no index
	id         string
	name, args string
}

func choice(reason string, fs ...frag) openai.ChatCompletionStreamChoice {
	c := openai.ChatCompletionStreamChoice{FinishReason: openai.FinishReason(reason)}
	for _, f := range fs {
		tc := openai.ToolCall{ID: f.id, Type: openai.ToolTypeFunction,
			Function: openai.FunctionCall{Name: f.name, Arguments: f.args}}
		if f.index >= 0 {
			idx := f.index
			tc.Index = &idx
		}
		c.Delta.ToolCalls = append(c.Delta.ToolCalls, tc)
	}
	return c
}

// stream feeds one fragment per chunk and a final chunk with the reason.
func stream(reason string, fs ...frag) []openai.ChatCompletionStreamChoice {
	var out []openai.ChatCompletionStreamChoice
	for _, f := range fs {
		out = append(out, choice("", f))
	}
	return append(out, choice(reason))
}

func call(id, name, args string) toolCall {
	return toolCall{ID: id, Name: name, Args: json.RawMessage(args)}
}

func TestAssembler(t *testing.T) {
	tests := []struct {
		name    string
		in      []openai.ChatCompletionStreamChoice
		want    []toolCall
		wantErr string
	}{
		{"split_by_index", stream("tool_calls",
			frag{0, "a", "edr__isolate_host", `{"host":`}, frag{0, "", "", ` "WS-0142"}`},
			frag{1, "b", "intel__lookup", `{}`}),
			[]toolCall{call("a", "edr__isolate_host", `{"host":"WS-0142"}`),
				call("b", "intel__lookup", `{}`)}, ""},
		{"id_and_name_on_every_chunk", stream("tool_calls",
			frag{0, "a", "f", `{"x"`}, frag{0, "a", "f", `:1}`}),
			[]toolCall{call("a", "f", `{"x":1}`)}, ""},
		{"ids_without_index", stream("tool_calls",
			frag{-1, "a", "f", `{"x":1}`}, frag{-1, "b", "g", `{"y":2}`},
			frag{-1, "a", "", ``}),
			[]toolCall{call("a", "f", `{"x":1}`), call("b", "g", `{"y":2}`)}, ""},
		{"id_after_first_fragment", stream("tool_calls",
			frag{0, "", "f", `{"x"`}, frag{0, "late", "", `:1}`}),
			[]toolCall{call("late", "f", `{"x":1}`)}, ""},
		{"no_id_at_all", stream("stop", frag{2, "", "f", `{}`}),
			[]toolCall{call("index-2", "f", `{}`)}, ""},
		{"name_in_pieces", stream("tool_calls",
			frag{0, "a", "edr__", ``}, frag{0, "", "isolate_host", `{}`}),
			[]toolCall{call("a", "edr__isolate_host", `{}`)}, ""},
		{"empty_arguments", stream("tool_calls", frag{0, "a", "f", ``}),
			[]toolCall{call("a", "f", `{}`)}, ""},
		{"duplicate_key_one_value", stream("tool_calls",
			frag{0, "a", "f", `{"host":"WS-0142","host":"DC-01"}`}),
			[]toolCall{call("a", "f", `{"host":"DC-01"}`)}, ""},
		{"numbers_kept_as_written", stream("tool_calls",
			frag{0, "a", "f", `{"n":12345678901234567890,"m":1.50}`}),
			[]toolCall{call("a", "f", `{"m":1.50,"n":12345678901234567890}`)}, ""},
		{"same_index_two_ids", stream("tool_calls",
			frag{0, "a", "f", `{"host": "WS-0`}, frag{0, "b", "g", `{"ip":"1.2.3.4"}`},
			frag{0, "", "", `142"}`}),
			nil, "two tool calls share index 0 (ids a and b)"},
		{"index_claimed_later", stream("tool_calls",
			frag{-1, "a", "f", `{`}, frag{0, "b", "g", `{}`}, frag{0, "a", "", `}`}),
			nil, "two tool calls share index 0 (ids b and a)"},
		{"call_moves", stream("tool_calls",
			frag{0, "a", "f", `{`}, frag{1, "a", "", `}`}),
			nil, "call a moved from index 0 to 1"},
		{"orphan_fragment", stream("tool_calls",
			frag{0, "a", "f", `{`}, frag{-1, "", "", `}`}),
			nil, "neither an id nor an index"},
		{"not_an_object", stream("tool_calls", frag{0, "a", "f", `["x"]`}),
			nil, "arguments of call a (f) are not a JSON object"},
		{"two_values", stream("tool_calls", frag{0, "a", "f", `{} {}`}),
			nil, "are not a JSON object"},
		{"unclosed", stream("tool_calls", frag{0, "a", "f", `{"host":"WS-01`}),
			nil, "are not a JSON object"},
		{"no_name", stream("tool_calls", frag{0, "a", "", `{}`}),
			nil, "call a has no function name"},
		{"cut_at_limit", stream("length", frag{0, "a", "f", `{}`}),
			nil, "cut at the token limit"},
		{"content_filter", stream("content_filter"), nil, `ended with "content_filter"`},
		{"never_finished", stream("", frag{0, "a", "f", `{}`}),
			nil, "stream ended before the answer was complete"},
		{"oversized", stream("tool_calls",
			frag{0, "a", "f", `{"q":"` + strings.Repeat("x", maxAnswerBytes) + `"}`}),
			nil, "answer exceeds 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAssembler()
			for _, c := range tt.in {
				a.add(c)
			}

			_, got, err := a.result()

			if tt.wantErr != "" {
				if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("result() error = %v, want ErrMalformed with %q", err, tt.wantErr)
				}
				if got != nil {
					t.Errorf("result() calls = %v, want none from a broken answer", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("result() error = %v, want %d calls", err, len(tt.want))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("result() (-want +got):\n%s", diff)
			}
		})
	}
}

// TestNegativeIndex: frag uses -1 for "no index", so a negative index on the
// wire is built by hand.
func TestNegativeIndex(t *testing.T) {
	idx := -5
	a := newAssembler()
	c := choice("tool_calls")
	c.Delta.ToolCalls = []openai.ToolCall{{Index: &idx, ID: "a",
		Function: openai.FunctionCall{Name: "f", Arguments: "{}"}}}
	a.add(c)
	if _, _, err := a.result(); err == nil || !strings.Contains(err.Error(), "negative index -5") {
		t.Errorf("result() error = %v, want the negative index refused", err)
	}
}

func TestCut(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly", 7, "exactly"},
		{"abcdef", 3, "abc …[cut: 3 of 6 bytes omitted]"},
		// "é" is two bytes; a cut inside it backs off to the rune start.
		{"aéb", 2, "a …[cut: 3 of 4 bytes omitted]"},
	}
	for _, tt := range tests {
		if got := cut(tt.in, tt.n); got != tt.want {
			t.Errorf("cut(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestToolNames(t *testing.T) {
	fns, names := functions(nil)
	if len(fns) != 1 || fns[0].Function.Name != finishName || len(names) != 0 {
		t.Errorf("functions(nil) = %d functions, want finish alone", len(fns))
	}
	names = map[string]string{"edr__isolate_host": "edr.isolate_host"}
	for fn, want := range map[string]string{
		"edr__isolate_host":      "edr.isolate_host",
		"firewall__disable_rule": "firewall.disable_rule",
		"plain":                  "plain",
	} {
		if got := toolName(fn, names); got != want {
			t.Errorf("toolName(%q) = %q, want %q", fn, got, want)
		}
	}
}

// FuzzAssemble feeds arbitrary sequences of tool-call fragments to the
// assembler. It must never panic, never return a call that is not a named
// function with one canonical JSON object as arguments, and never succeed
// when two different ids claimed one index (threat T14).
func FuzzAssemble(f *testing.F) {
	f.Add([]byte("\x01\x05{\"a\":\x01\x021}"))
	f.Add([]byte("\x09\x05{\"a\":\x11\x021}"))
	f.Add([]byte("\x49\x02{}\x53\x02{}\x80"))
	f.Add([]byte("\x0b\x00\x0b\x03[1]\x88"))
	f.Fuzz(func(t *testing.T, data []byte) {
		frags, reason := decodeFrags(data)
		a := newAssembler()
		claims := map[int]map[string]bool{}
		for _, fr := range frags {
			a.add(choice("", fr))
			if fr.index >= 0 && fr.id != "" {
				if claims[fr.index] == nil {
					claims[fr.index] = map[string]bool{}
				}
				claims[fr.index][fr.id] = true
			}
		}
		a.add(choice(reason))

		_, calls, err := a.result()

		if err != nil {
			if !errors.Is(err, ErrMalformed) || calls != nil {
				t.Fatalf("result() = %v, %v; want ErrMalformed and no calls", calls, err)
			}
			return
		}
		for idx, ids := range claims {
			if len(ids) > 1 {
				t.Fatalf("index %d claimed by ids %v, yet result() succeeded: %v", idx, ids, calls)
			}
		}
		seen := map[string]bool{}
		for _, c := range calls {
			canon, cerr := canonicalObject(c.Args)
			if c.Name == "" || seen[c.ID] || cerr != nil || string(canon) != string(c.Args) {
				t.Fatalf("result() returned a bad call %+v (canonical %s, %v)", c, canon, cerr)
			}
			seen[c.ID] = true
		}
	})
}

// decodeFrags reads fragments from fuzz bytes. Each fragment is a control
// byte (bit 0: has an index; bits 1-2: the index; bits 3-5: id none or a-g;
// bit 6: carries a name) and a length byte, then that many argument bytes
// (at most 15). A trailing control byte with bit 7 set picks the finish
// reason.
func decodeFrags(data []byte) ([]frag, string) {
	var out []frag
	for len(data) >= 2 {
		ctl, n := data[0], int(data[1]%16)
		data = data[2:]
		n = min(n, len(data))
		fr := frag{index: -1, args: string(data[:n])}
		data = data[n:]
		if ctl&1 != 0 {
			fr.index = int(ctl>>1) & 3
		}
		if id := int(ctl>>3) & 7; id > 0 {
			fr.id = string(rune('a' + id - 1))
		}
		if ctl&0x40 != 0 {
			fr.name = "fn_" + fr.id
		}
		out = append(out, fr)
	}
	reason := "tool_calls"
	if len(data) == 1 && data[0]&0x80 != 0 {
		reason = []string{"stop", "length", "", "tool_calls"}[data[0]&3]
	}
	return out, reason
}
