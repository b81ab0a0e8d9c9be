package telemetry

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ctxCheckEvery is how many lines a parser reads between checks for cancellation.
const ctxCheckEvery = 1024

// sink receives what a parser finds: events as JSON object text, and bad lines.
type sink interface {
	// event takes one event; it returns only errors that must stop the load.
	event(ctx context.Context, line int, text []byte) error
	bad(line int, err error)
}

// parse sniffs the format of br from its first non-blank byte and hands each event to
// sk.
func parse(ctx context.Context, br *bufio.Reader, maxLine int, sk sink) error {
	line, c, err := skipBlank(br)
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return &readError{line: line, err: err}
	}

	switch c {
	case '{':
		return parseNDJSON(ctx, newLineReader(br, maxLine, line), sk)
	case '[':
		return parseJSONStream(ctx, br, line, true, sk)
	case '#':
		return parseZeek(ctx, newLineReader(br, maxLine, line), sk)
	}
	return fmt.Errorf("%w: line %d starts with %q", ErrUnknownFormat, line, c)
}

// skipBlank drops a UTF-8 byte order mark and leading white space, and returns the
// line number and value of the first other byte, which stays unread.
func skipBlank(br *bufio.Reader) (int, byte, error) {
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}

	line := 1
	for {
		c, err := br.ReadByte()
		if err != nil {
			return line, 0, err
		}
		switch c {
		case '\n':
			line++
		case ' ', '\t', '\r':
		default:
			return line, c, br.UnreadByte()
		}
	}
}

// parseNDJSON reads one JSON object a line. When the first line is a lone "{", as
// every pretty-printer writes it, the input is read as a stream of JSON objects
// instead. Anything else stays line by line, so a cut-off first line costs only
// that line.
func parseNDJSON(ctx context.Context, lr *lineReader, sk sink) error {
	for first := true; ; {
		if err := checkCtx(ctx, lr.line); err != nil {
			return err
		}
		text, err := lr.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if errors.Is(err, ErrLineTooLong) {
			sk.bad(lr.line, err)
			continue
		}
		if err != nil {
			return &readError{line: lr.line, err: err}
		}

		text = bytes.TrimSpace(text)
		if len(text) == 0 {
			continue
		}
		if first && string(text) == "{" {
			head := append(bytes.Clone(text), '\n')
			rest := io.MultiReader(bytes.NewReader(head), lr.br)
			return parseJSONStream(ctx, rest, lr.line, false, sk)
		}
		first = false
		if err := sk.event(ctx, lr.line, text); err != nil {
			return err
		}
	}
}

func checkCtx(ctx context.Context, n int) error {
	if n%ctxCheckEvery != 0 {
		return nil
	}
	return ctx.Err()
}

// parseJSONStream reads a JSON array of objects (array true) or a sequence of JSON
// objects. A syntax error ends the input, since a JSON decoder cannot find the next
// element after one, but the events before it are kept.
func parseJSONStream(ctx context.Context, r io.Reader, line int, array bool, sk sink) error {
	t := &lineTracker{r: r, line: line}
	dec := json.NewDecoder(t)
	if array {
		if _, err := dec.Token(); err != nil {
			return streamError(t, dec, err, sk)
		}
	}

	for n := 1; dec.More(); n++ {
		if err := checkCtx(ctx, n); err != nil {
			return err
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return streamError(t, dec, err, sk)
		}
		start := dec.InputOffset() - int64(len(raw))
		if err := sk.event(ctx, t.lineAt(start), raw); err != nil {
			return err
		}
	}
	return streamEnd(t, dec, array, sk)
}

// streamEnd checks what follows the last element: "]" then nothing for an array,
// nothing for a sequence of objects.
func streamEnd(t *lineTracker, dec *json.Decoder, array bool, sk sink) error {
	if array {
		if _, err := dec.Token(); err != nil {
			return streamError(t, dec, err, sk)
		}
	}
	tok, err := dec.Token()
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return streamError(t, dec, err, sk)
	}
	sk.bad(t.lineAt(dec.InputOffset()),
		fmt.Errorf("unexpected %v after the JSON value; rest of input skipped", tok))
	return nil
}

// streamError records a syntax error as a bad line and returns read errors.
func streamError(t *lineTracker, dec *json.Decoder, err error, sk sink) error {
	var syn *json.SyntaxError
	var at int64
	switch {
	case errors.As(err, &syn):
		at = syn.Offset
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		at = t.off
	default:
		return &readError{line: t.lineAt(dec.InputOffset()), err: err}
	}
	sk.bad(t.lineAt(at), fmt.Errorf("invalid JSON, rest of input skipped: %w", err))
	return nil
}
