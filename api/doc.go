// Package api serves Conductor over HTTP: the REST API under /api/v1, live
// case progress as Server-Sent Events, the MCP streamable HTTP mount at /mcp,
// the analyst console at / and Prometheus metrics at /metrics.
//
// Every route but /healthz and the console's static files (which carry no
// data) needs an API key, sent as "Authorization: Bearer TOKEN". Keys live in
// a YAML file that holds only the SHA-256 of each token (see [LoadKeys]); a
// key's role (analyst, lead, agent, admin) and name become the
// [guardrails.Principal] the engine records as the actor of every step.
//
// The package wires; it decides nothing. Cases, actions and approvals go to
// the [agent.Engine], which sends every action through the same guard and
// record as the planner's own, so a REST call, an MCP client and the CLI get
// exactly the same policy and audit. Handlers return errors; one middleware
// renders them as {"error": {"code": ..., "message": ...}} and logs the
// private cause with the request id.
package api
