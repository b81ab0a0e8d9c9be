package api

import (
	"context"
	"fmt"
	"slices"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/conductor-sec/conductor/internal/casework"
	"github.com/conductor-sec/conductor/internal/report"
	"github.com/conductor-sec/conductor/internal/store"
)

// playbookScheme prefixes the URI of each playbook resource.
const playbookScheme = "playbook://"

// addReadTools adds case_get, cases_list and approvals_list. They read the
// store and never reach the guard: reading a case is not an action on it.
func (d mcpDeps) addReadTools(s *server.MCPServer) {
	s.AddTool(readTool("case_get", "Read one case: summary, score factors, actions with "+
		"the policy's decisions and reasons, approvals, tasks and the audit timeline.",
		mcp.WithString(caseIDArg, mcp.Required(), mcp.Description("e.g. CASE-000001"))),
		d.caseGet)
	s.AddTool(readTool("cases_list", "List cases, newest first.",
		mcp.WithString("state", mcp.Enum(caseStates...),
			mcp.Description("only cases in this state; 'open' is every state but closed")),
		mcp.WithNumber("limit", mcp.Min(1), mcp.Max(1000),
			mcp.Description("at most this many; default 100"))), d.casesList)
	s.AddTool(readTool("approvals_list", "List approval requests: held actions, the role "+
		"that may approve each and why it was held.",
		mcp.WithString("status", mcp.Enum(approvalStatuses...),
			mcp.Description("default pending"))), d.approvalsList)
}

func readTool(name, desc string, opts ...mcp.ToolOption) mcp.Tool {
	opts = append([]mcp.ToolOption{mcp.WithDescription(desc),
		mcp.WithReadOnlyHintAnnotation(true), mcp.WithDestructiveHintAnnotation(false),
		mcp.WithOpenWorldHintAnnotation(false)}, opts...)
	return mcp.NewTool(name, opts...)
}

func (d mcpDeps) caseGet(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult,
	error) {
	if _, ok := principalFrom(ctx); !ok {
		return mcp.NewToolResultError("unauthenticated: no client identity"), nil
	}
	id := req.GetString(caseIDArg, "")
	doc, err := casework.Doc(ctx, d.app.Engine, d.app.Store, id)
	if err != nil {
		return d.toolError(ctx, err, id), nil
	}
	return mcp.NewToolResultStructured(doc, mustJSONText(doc)), nil
}

func (d mcpDeps) casesList(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult,
	error) {
	if _, ok := principalFrom(ctx); !ok {
		return mcp.NewToolResultError("unauthenticated: no client identity"), nil
	}
	state, limit := req.GetString("state", ""), req.GetInt("limit", 100)
	if state != "" && !slices.Contains(caseStates, state) {
		return mcp.NewToolResultError(fmt.Sprintf("bad_state: state must be one of %v",
			caseStates)), nil
	}
	limit = min(max(limit, 1), 1000)

	cs, err := d.app.Store.ListCases(ctx, store.CaseFilter{State: state, Limit: limit})
	if err != nil {
		return d.toolError(ctx, err, ""), nil
	}
	out := caseList{Cases: report.CasesOf(cs)}
	return mcp.NewToolResultStructured(out, mustJSONText(out)), nil
}

func (d mcpDeps) approvalsList(ctx context.Context,
	req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	if _, ok := principalFrom(ctx); !ok {
		return mcp.NewToolResultError("unauthenticated: no client identity"), nil
	}
	aps, err := listApprovals(ctx, d.app.Engine, d.app.Store, req.GetString("status",
		"pending"))
	if err != nil {
		return d.toolError(ctx, err, ""), nil
	}
	out := approvalList{Approvals: aps}
	return mcp.NewToolResultStructured(out, mustJSONText(out)), nil
}

// addPlaybooks exposes each playbook's YAML as a resource, so a client can
// read what the built-in planner would do.
func (d mcpDeps) addPlaybooks(s *server.MCPServer) {
	if d.app.Playbooks == nil {
		return
	}
	for _, pb := range d.app.Playbooks.Playbooks() {
		uri := playbookScheme + pb.Name
		desc := pb.Description
		if pb.Trigger != "" {
			desc += " Trigger: " + pb.Trigger
		}
		r := mcp.NewResource(uri, pb.Name, mcp.WithResourceDescription(desc),
			mcp.WithMIMEType("application/yaml"))
		s.AddResource(r, d.readPlaybook(pb.Name, uri))
	}
}

func (d mcpDeps) readPlaybook(name, uri string) server.ResourceHandlerFunc {
	return func(ctx context.Context, _ mcp.ReadResourceRequest) ([]mcp.ResourceContents,
		error) {
		if _, ok := principalFrom(ctx); !ok {
			return nil, fmt.Errorf("unauthenticated: no client identity")
		}
		src, ok := d.app.Playbooks.Source(name)
		if !ok {
			return nil, fmt.Errorf("playbook %s: %w", name, store.ErrNotFound)
		}
		return []mcp.ResourceContents{mcp.TextResourceContents{URI: uri,
			MIMEType: "application/yaml", Text: string(src)}}, nil
	}
}
