package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestStdioAnswersEveryRequestBeforeEOF: a client that writes its requests
// and closes stdin at once, as a script piping into `conductor mcp` does, gets
// an answer to every request instead of "internal error" for the calls still
// running when input ended.
func TestStdioAnswersEveryRequestBeforeEOF(t *testing.T) {
	e := newEnv(t)
	e.ingestFile("injection.json")
	in := strings.Join([]string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":` +
			`"2025-06-18","capabilities":{},"clientInfo":{"name":"script","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"asset.get",` +
			`"arguments":{"case_id":"CASE-000001","host":"WS-0142"}}}`,
		`{"jsonrpc":"2.0","id":"three","method":"tools/call","params":{"name":` +
			`"edr.isolate_host","arguments":{"case_id":"CASE-000001","host":"DC-01"}}}`,
		`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"cases_list",` +
			`"arguments":{}}}`,
	}, "\n") // the last request has no newline: a script may well send it so
	var out bytes.Buffer

	err := ServeStdio(context.Background(), StdioConfig{App: e.app, Client: "script"},
		strings.NewReader(in), &out)
	if err != nil {
		t.Fatalf("ServeStdio = %v", err)
	}

	answered := map[string]string{}
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r struct {
			ID     json.RawMessage `json:"id"`
			Result *struct {
				IsError bool `json:"isError"`
				Content []struct {
					Text string `json:"text"`
				} `json:"content"`
			} `json:"result"`
			Error *struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil || r.ID == nil {
			continue
		}
		switch {
		case r.Error != nil:
			answered[string(r.ID)] = "error: " + r.Error.Message
		case r.Result != nil && len(r.Result.Content) > 0 &&
			strings.Contains(r.Result.Content[0].Text, "internal"):
			answered[string(r.ID)] = r.Result.Content[0].Text
		default:
			answered[string(r.ID)] = "ok"
		}
	}
	for _, id := range []string{`1`, `2`, `"three"`, `4`} {
		if answered[id] != "ok" {
			t.Errorf("request %s: %q, want an answer (all: %v)\n%s", id, answered[id],
				answered, out.String())
		}
	}
}
