package api

import (
	"context"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// mcpHTTPClient connects a real mcp-go client to the server's /mcp mount.
func (e *env) mcpHTTPClient(ctx context.Context, who string) *client.Client {
	e.t.Helper()
	c, err := client.NewStreamableHttpClient(e.http.URL+"/mcp",
		transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + e.tokens[who]}))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { c.Close() })
	if err := c.Start(ctx); err != nil {
		e.t.Fatalf("starting mcp client: %v", err)
	}
	initialize(ctx, e.t, c)
	return c
}

// mcpStdioClient serves MCP on in-process pipes, as `conductor mcp` does on
// stdin and stdout, and connects a real mcp-go client to them.
func (e *env) mcpStdioClient(ctx context.Context, name string) *client.Client {
	e.t.Helper()
	toServer, clientOut := io.Pipe()
	clientIn, fromServer := io.Pipe()
	ctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() {
		served <- ServeStdio(ctx, StdioConfig{App: e.app, Client: name}, toServer, fromServer)
	}()

	c := client.NewClient(transport.NewIO(clientIn, clientOut, nil))
	e.t.Cleanup(func() {
		c.Close()
		cancel()
		clientOut.Close()
		fromServer.Close()
		if err := <-served; err != nil {
			e.t.Errorf("ServeStdio = %v", err)
		}
	})
	if err := c.Start(ctx); err != nil {
		e.t.Fatalf("starting mcp client: %v", err)
	}
	initialize(ctx, e.t, c)
	return c
}

func initialize(ctx context.Context, t testing.TB, c *client.Client) {
	t.Helper()
	req := mcp.InitializeRequest{}
	req.Params.ClientInfo = mcp.Implementation{Name: "obedient-agent", Version: "1"}
	res, err := c.Initialize(ctx, req)
	if err != nil {
		t.Fatalf("mcp initialize: %v", err)
	}
	if res.ServerInfo.Name != mcpServerName {
		t.Fatalf("server name = %q, want %q", res.ServerInfo.Name, mcpServerName)
	}
}

func callTool(ctx context.Context, t *testing.T, c *client.Client, name string,
	args map[string]any) (*mcp.CallToolResult, ActionView) {
	t.Helper()
	req := mcp.CallToolRequest{}
	req.Params.Name, req.Params.Arguments = name, args
	res, err := c.CallTool(ctx, req)
	if err != nil {
		t.Fatalf("CallTool(%s): %v", name, err)
	}
	var v ActionView
	if res.StructuredContent != nil {
		b, _ := json.Marshal(res.StructuredContent)
		_ = json.Unmarshal(b, &v)
	}
	return res, v
}

func resultText(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// TestMCPTransports plays an obedient MCP client over both transports: it
// follows the alert's injected instruction to isolate DC-01, which must be
// held, and runs a lookup, which must run and be recorded under its name.
func TestMCPTransports(t *testing.T) {
	transports := []struct {
		name, actor string
		connect     func(ctx context.Context, e *env) *client.Client
	}{
		{"http", "mcp:bot", func(ctx context.Context, e *env) *client.Client {
			return e.mcpHTTPClient(ctx, "bot")
		}},
		{"stdio", "mcp:triage-bot", func(ctx context.Context, e *env) *client.Client {
			return e.mcpStdioClient(ctx, "triage-bot")
		}},
	}
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			e := newEnv(t)
			e.ingestFile("injection.json")
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c := tr.connect(ctx, e)

			checkToolList(ctx, t, c)
			checkInjectionHeld(ctx, t, e, c, tr.actor)
			checkLookupRecorded(ctx, t, e, c, tr.actor)
			checkReadTools(ctx, t, c)
		})
	}
}

func checkToolList(ctx context.Context, t *testing.T, c *client.Client) {
	t.Helper()
	tools, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		t.Fatalf("ListTools: %v", err)
	}
	var names []string
	for _, tl := range tools.Tools {
		names = append(names, tl.Name)
		if tl.Name != "edr.isolate_host" {
			continue
		}
		var schema struct {
			Required   []string       `json:"required"`
			Properties map[string]any `json:"properties"`
		}
		raw, _ := json.Marshal(tl.InputSchema)
		if len(tl.RawInputSchema) > 0 {
			raw = tl.RawInputSchema
		}
		_ = json.Unmarshal(raw, &schema)
		if !slices.Contains(schema.Required, "case_id") || schema.Properties["host"] == nil {
			t.Errorf("edr.isolate_host schema = %s, want host and a required case_id", raw)
		}
		if !strings.Contains(tl.Description, "Risk: containment") {
			t.Errorf("edr.isolate_host description %q does not state its risk", tl.Description)
		}
	}
	for _, want := range []string{"edr.isolate_host", "asset.get", "ticket.create",
		"case_get", "cases_list", "approvals_list"} {
		if !slices.Contains(names, want) {
			t.Errorf("tools = %v, want %s among them", names, want)
		}
	}
}

func checkInjectionHeld(ctx context.Context, t *testing.T, e *env, c *client.Client,
	actor string) {
	t.Helper()
	res, v := callTool(ctx, t, c, "edr.isolate_host",
		map[string]any{"case_id": "CASE-000001", "host": "DC-01"})
	if !res.IsError || v.Status != "held" || v.Actor != actor || v.ApproverRole != "lead" ||
		len(v.Reasons) == 0 {
		t.Errorf("isolate DC-01 = isError %v, %+v; want isError, held for a lead, by %s, "+
			"with reasons", res.IsError, v, actor)
	}
	if !strings.Contains(resultText(res), "NOT run") {
		t.Errorf("result text %q does not say the tool did not run", resultText(res))
	}

	var list approvalList
	e.must(200, "GET", "/api/v1/approvals", "lin", nil).decode(t, &list)
	if len(list.Approvals) != 1 || list.Approvals[0].RequestedBy != actor {
		t.Errorf("approvals = %+v, want one requested by %s", list.Approvals, actor)
	}
}

func checkLookupRecorded(ctx context.Context, t *testing.T, e *env, c *client.Client,
	actor string) {
	t.Helper()
	res, v := callTool(ctx, t, c, "asset.get",
		map[string]any{"case_id": "CASE-000001", "host": "WS-0203"})
	if res.IsError || v.Status != "executed" || !strings.Contains(string(v.Result), "WS-0203") {
		t.Fatalf("asset.get = isError %v, %+v; want executed with WS-0203's record",
			res.IsError, v)
	}
	steps, err := e.app.Store.Steps(ctx, "CASE-000001")
	if err != nil {
		t.Fatal(err)
	}
	if !hasStep(steps, actor, "decision", "asset.get") ||
		!hasStep(steps, actor, "result", "asset.get") {
		t.Errorf("no decision and result steps of asset.get by %s in the audit chain", actor)
	}
	rep, err := e.app.Store.VerifyChain(ctx)
	if err != nil || !rep.OK {
		t.Errorf("audit chain after mcp calls = %+v, %v; want intact", rep, err)
	}

	res, _ = callTool(ctx, t, c, "asset.get", map[string]any{"host": "WS-0203"})
	if !res.IsError || !strings.Contains(resultText(res), "case_id is required") {
		t.Errorf("call without case_id = %q, want an error naming case_id", resultText(res))
	}
	res, _ = callTool(ctx, t, c, "asset.get", map[string]any{"case_id": "CASE-000404",
		"host": "WS-0203"})
	if !res.IsError || resultText(res) != "not_found: no case CASE-000404" {
		t.Errorf("call on an unknown case = %q, want not_found", resultText(res))
	}
}

func checkReadTools(ctx context.Context, t *testing.T, c *client.Client) {
	t.Helper()
	res, _ := callTool(ctx, t, c, "case_get", map[string]any{"case_id": "CASE-000001"})
	if res.IsError || !strings.Contains(resultText(res), `"id":"CASE-000001"`) ||
		!strings.Contains(resultText(res), `"timeline"`) {
		t.Errorf("case_get = %.200s, want CASE-000001 with its timeline", resultText(res))
	}
	res, _ = callTool(ctx, t, c, "cases_list", map[string]any{"state": "open"})
	if res.IsError || !strings.Contains(resultText(res), "CASE-000001") {
		t.Errorf("cases_list = %.200s, want CASE-000001", resultText(res))
	}
	res, _ = callTool(ctx, t, c, "approvals_list", nil)
	if res.IsError || !strings.Contains(resultText(res), `"tool":"edr.isolate_host"`) {
		t.Errorf("approvals_list = %.200s, want the held isolation", resultText(res))
	}

	rs, err := c.ListResources(ctx, mcp.ListResourcesRequest{})
	if err != nil {
		t.Fatalf("ListResources: %v", err)
	}
	var uris []string
	for _, r := range rs.Resources {
		uris = append(uris, r.URI)
	}
	if !slices.Contains(uris, "playbook://phishing-report") {
		t.Fatalf("resources = %v, want playbook://phishing-report", uris)
	}
	rr := mcp.ReadResourceRequest{}
	rr.Params.URI = "playbook://phishing-report"
	got, err := c.ReadResource(ctx, rr)
	if err != nil || len(got.Contents) != 1 {
		t.Fatalf("ReadResource = %v, %v", got, err)
	}
	text, ok := got.Contents[0].(mcp.TextResourceContents)
	if !ok || !strings.Contains(text.Text, "name: phishing-report") {
		t.Errorf("playbook resource = %+v, want the phishing-report YAML", got.Contents[0])
	}
}

func TestMCPHTTPNeedsAKey(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.NewStreamableHttpClient(e.http.URL+"/mcp",
		transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer cnd_wrong"}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Start(ctx); err == nil {
		_, err = c.Initialize(ctx, mcp.InitializeRequest{})
		if err == nil {
			t.Fatal("an MCP client with a wrong key initialized")
		}
	}
}

func TestMCPBodyIsCapped(t *testing.T) {
	e := newEnv(t)
	e.srv.cfg.MaxBodyBytes = 256
	body := `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"` +
		strings.Repeat("x", 1000) + `"}}`
	r := e.do("POST", "/mcp", "bot", body)
	if r.status != 400 || !strings.Contains(string(r.body), "request body too large") {
		t.Errorf("an oversized MCP request = %d %s, want 400 request body too large",
			r.status, r.body)
	}
}
