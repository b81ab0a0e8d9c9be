package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"sync"
	"time"
)

// drainTimeout bounds how long a closed stdin waits for the answers still
// owed: a tool call may run a connector with retries.
const drainTimeout = 2 * time.Minute

// stdioDrain sits between the client's stdin and stdout and the MCP stdio
// server. The server cancels every request in flight the moment its input
// ends, so a client that writes its requests and closes stdin (a script, a
// pipe) got "internal error" for each call still running. stdioDrain holds the
// end of input back until every request read has been answered, or
// drainTimeout passes, or ctx ends.
type stdioDrain struct {
	mu      sync.Mutex
	pending map[string]bool // ids of requests read and not yet answered
	settled chan struct{}   // signalled whenever a request is answered

	out     io.Writer
	partial []byte // the start of a response line not yet written in full
}

func newStdioDrain(out io.Writer) *stdioDrain {
	return &stdioDrain{pending: map[string]bool{}, settled: make(chan struct{}, 1), out: out}
}

// input copies in to the returned reader line by line, noting each request's
// id, and closes it only once every request has its answer.
func (d *stdioDrain) input(ctx context.Context, in io.Reader) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		r := bufio.NewReader(in)
		for {
			line, err := r.ReadBytes('\n')
			if len(line) > 0 && line[len(line)-1] != '\n' {
				line = append(line, '\n') // the last request, unterminated
			}
			if len(line) > 0 {
				if id, ok := rpcRequestID(line); ok {
					d.mu.Lock()
					d.pending[id] = true
					d.mu.Unlock()
				}
				if _, werr := pw.Write(line); werr != nil {
					return // the server stopped reading
				}
			}
			if err != nil {
				d.wait(ctx)
				if errors.Is(err, io.EOF) {
					pw.Close()
				} else {
					pw.CloseWithError(err)
				}
				return
			}
		}
	}()
	return pr
}

// wait returns when no request is pending, drainTimeout has passed or ctx
// ended.
func (d *stdioDrain) wait(ctx context.Context) {
	deadline := time.NewTimer(drainTimeout)
	defer deadline.Stop()
	for {
		d.mu.Lock()
		n := len(d.pending)
		d.mu.Unlock()
		if n == 0 {
			return
		}
		select {
		case <-d.settled:
		case <-deadline.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// Write passes the server's output through unchanged and marks each
// response's request as answered.
func (d *stdioDrain) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	n, err := d.out.Write(p)

	d.partial = append(d.partial, p[:n]...)
	for {
		i := bytes.IndexByte(d.partial, '\n')
		if i < 0 {
			break
		}
		if id, ok := rpcResponseID(d.partial[:i]); ok && d.pending[id] {
			delete(d.pending, id)
			select {
			case d.settled <- struct{}{}:
			default:
			}
		}
		d.partial = d.partial[i+1:]
	}
	return n, err
}

// rpcEnvelope holds the fields that tell JSON-RPC requests, responses and
// notifications apart.
type rpcEnvelope struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
}

// rpcRequestID returns the id of a JSON-RPC request line; notifications and
// anything unparsable have none.
func rpcRequestID(line []byte) (string, bool) {
	var e rpcEnvelope
	if json.Unmarshal(line, &e) != nil || e.Method == "" {
		return "", false
	}
	return canonicalID(e.ID)
}

// rpcResponseID returns the id of a JSON-RPC response line.
func rpcResponseID(line []byte) (string, bool) {
	var e rpcEnvelope
	if json.Unmarshal(line, &e) != nil || e.Method != "" ||
		(e.Result == nil && e.Error == nil) {
		return "", false
	}
	return canonicalID(e.ID)
}

func canonicalID(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", false
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return "", false
	}
	return b.String(), true
}
