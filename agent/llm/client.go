package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/internal/redact"
)

// complete makes one streaming call and assembles its answer. Usage counts
// the call even when it fails.
func (p *Planner) complete(ctx context.Context, req *request) (answer, agent.Usage, error) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	usage := agent.Usage{Calls: 1}
	start := time.Now()

	stream, err := p.client.CreateChatCompletionStream(ctx, req.chat)
	if err != nil {
		return answer{}, usage, p.classify(err)
	}
	defer stream.Close()

	asm := newAssembler()
	reported, err := read(stream, asm)
	usage = p.usage(usage, reported, req, asm)
	if err != nil {
		return answer{}, usage, p.classify(err)
	}

	content, calls, err := asm.result()
	p.log.Debug("model answered", "calls", len(calls), "finish_reason", asm.reason,
		"duration_ms", time.Since(start).Milliseconds(), "usage_reported", reported != nil)
	if p.cfg.LogBodies {
		p.log.Debug("model answer", "content", content, "tool_calls", logCalls(calls))
	}
	return answer{content: content, calls: calls}, usage, err
}

// read feeds the stream to the assembler until [DONE] or the end of the body,
// and returns the usage chunk if the server sent one.
func read(stream *openai.ChatCompletionStream, asm *assembler) (*openai.Usage, error) {
	var reported *openai.Usage
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return reported, nil
		}
		if err != nil {
			return reported, err
		}
		if chunk.Usage != nil {
			reported = chunk.Usage
		}
		for _, c := range chunk.Choices {
			// One choice is asked for; any other is ignored, never merged.
			if c.Index == 0 {
				asm.add(c)
			}
		}
	}
}

// usage fills in tokens from the server's usage chunk. A server that sends
// none (stream_options unsupported) gets an estimate of four bytes a token,
// near enough for the engine's token budget.
func (p *Planner) usage(u agent.Usage, reported *openai.Usage, req *request,
	asm *assembler) agent.Usage {
	if reported != nil {
		u.PromptTokens, u.CompletionTokens = reported.PromptTokens, reported.CompletionTokens
		return u
	}
	u.PromptTokens = (req.promptBytes + 3) / 4
	u.CompletionTokens = (asm.size + 3) / 4
	return u
}

func logCalls(calls []toolCall) []string {
	out := make([]string, 0, len(calls))
	for _, c := range calls {
		out = append(out, c.Name+" "+string(c.Args))
	}
	return out
}

// classify maps a client error onto the package's sentinels. The cause is
// described, not wrapped: its text can quote the request or, from a hostile
// or careless server, the key, and it would reach logs and the case record.
func (p *Planner) classify(err error) error {
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w: no answer within %s", ErrUnavailable, p.cfg.Timeout)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%w: the call was cancelled", ErrUnavailable)
	case errors.As(err, &apiErr):
		return p.statusError(apiErr.HTTPStatusCode, apiErr.Message)
	case errors.As(err, &reqErr):
		return p.statusError(reqErr.HTTPStatusCode, string(reqErr.Body))
	case errors.As(err, &syntaxErr), errors.As(err, &typeErr):
		return malformed("a streamed chunk is not valid JSON")
	case errors.Is(err, openai.ErrTooManyEmptyStreamMessages):
		return malformed("the stream carried no data")
	}
	return fmt.Errorf("%w: %s", ErrUnavailable, p.scrub(err.Error()))
}

// statusError describes an HTTP failure. Status 0 is an error reported inside
// the stream.
func (p *Planner) statusError(code int, msg string) error {
	msg = p.scrub(strings.Join(strings.Fields(msg), " "))
	sentinel := ErrRefused
	if code == 0 || code == http.StatusTooManyRequests || code >= 500 {
		sentinel = ErrUnavailable
	}
	if code == 0 {
		return fmt.Errorf("%w: error in the stream: %s", sentinel, msg)
	}
	return fmt.Errorf("%w: http %d: %s", sentinel, code, msg)
}

// scrub removes the API key, and any run of six or more of its characters,
// from text and caps it. Servers quote keys back in part ("sk-abc***xyz"), so
// the whole key is not the only thing to hide.
func (p *Planner) scrub(s string) string {
	s = cut(s, 4096)
	if k := p.cfg.APIKey; k != "" {
		s = redact.Key(s, k, min(6, len(k)))
	}
	return cut(s, 300)
}
