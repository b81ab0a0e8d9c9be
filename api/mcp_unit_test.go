package api

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mark3labs/mcp-go/client"
)

func TestWithCaseID(t *testing.T) {
	tests := []struct {
		name, schema, want string
	}{
		{"adds a required case_id",
			`{"type":"object","additionalProperties":false,"required":["host"],` +
				`"properties":{"host":{"type":"string"}}}`,
			`{"additionalProperties":false,"properties":{"case_id":{"description":` +
				`"The Conductor case this call belongs to, e.g. CASE-000001.","maxLength":64,` +
				`"minLength":1,"type":"string"},"host":{"type":"string"}},` +
				`"required":["case_id","host"],"type":"object"}`},
		{"keeps a tool's own case_id",
			`{"type":"object","properties":{"case_id":{"type":"string","maxLength":100}},` +
				`"required":["case_id"]}`,
			`{"properties":{"case_id":{"maxLength":100,"type":"string"}},` +
				`"required":["case_id"],"type":"object"}`},
		{"empty schema", ``,
			`{"properties":{"case_id":{"description":"The Conductor case this call belongs ` +
				`to, e.g. CASE-000001.","maxLength":64,"minLength":1,"type":"string"}},` +
				`"required":["case_id"],"type":"object"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := withCaseID(json.RawMessage(tt.schema))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("withCaseID(%s) (-want +got):\n%s", tt.schema, diff)
			}
		})
	}
	if _, err := withCaseID(json.RawMessage(`[1]`)); err == nil {
		t.Error("withCaseID([1]) = nil error, want one")
	}
}

func TestSplitCaseID(t *testing.T) {
	args := map[string]any{"case_id": "CASE-000001", "title": "t", "severity": "low"}
	tests := []struct {
		name     string
		own      bool
		wantArgs string
	}{
		{"tool without case_id", false, `{"severity":"low","title":"t"}`},
		{"tool with its own case_id", true,
			`{"case_id":"CASE-000001","severity":"low","title":"t"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, raw, err := splitCaseID(args, tt.own)
			if err != nil || id != "CASE-000001" || string(raw) != tt.wantArgs {
				t.Errorf("splitCaseID(own=%v) = %s, %s, %v; want CASE-000001, %s", tt.own, id,
					raw, err, tt.wantArgs)
			}
		})
	}
	for _, bad := range []map[string]any{{}, {"case_id": 7}, {"case_id": ""}} {
		if _, _, err := splitCaseID(bad, false); err == nil {
			t.Errorf("splitCaseID(%v) = nil error, want case_id is required", bad)
		}
	}
}

// TestMCPWithoutIdentityFailsClosed calls the MCP server with no principal
// in the context: no transport set one, so every call is refused.
func TestMCPWithoutIdentityFailsClosed(t *testing.T) {
	e := newEnv(t)
	e.ingestFile("injection.json")
	s, err := newMCPServer(mcpDeps{app: e.app, locks: e.app.Engine.Locks(), log: e.srv.log})
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.NewInProcessClient(s)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	initialize(ctx, t, c)

	for _, tool := range []string{"asset.get", "case_get", "cases_list", "approvals_list"} {
		res, _ := callTool(ctx, t, c, tool, map[string]any{"case_id": "CASE-000001",
			"host": "WS-0203"})
		if !res.IsError || !strings.HasPrefix(resultText(res), "unauthenticated") {
			t.Errorf("%s without identity = %q, want unauthenticated", tool, resultText(res))
		}
	}
	n, _ := e.app.Store.CaseActions(ctx, "CASE-000001")
	for _, a := range n {
		if strings.HasPrefix(a.Actor, "mcp:") {
			t.Errorf("an unauthenticated call was recorded as %s", a.Actor)
		}
	}
}
