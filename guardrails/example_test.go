package guardrails_test

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/conductor-sec/conductor/guardrails"
)

func ExampleGuard_Decide() {
	ctx := context.Background()
	g, err := guardrails.New(ctx, guardrails.Config{Timeout: time.Second})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer g.Close()

	req := guardrails.Request{
		ID:         "ACT-7",
		Tool:       "edr.isolate_host",
		Args:       map[string]any{"host": "ws-042"},
		Risk:       "containment",
		Reversible: true,
		Actor:      "agent:playbook",
		Case:       guardrails.CaseFacts{ID: "CASE-7", Score: 85, Confidence: 0.92},
		Targets: []guardrails.Target{{Arg: "host", Kind: "host", Value: "ws-042",
			Known: true, AssetType: "workstation", Criticality: "medium"}},
		Provenance: map[string]string{"host": guardrails.FromCaseEntity},
	}
	d := g.Decide(ctx, req)
	fmt.Println(d.Outcome, d.Reasons)

	// The permit covers exactly this call.
	same, other := json.RawMessage(`{"host":"ws-042"}`), json.RawMessage(`{"host":"dc01"}`)
	fmt.Println(d.Permit.Authorizes("edr.isolate_host", same, "CASE-7"))
	fmt.Println(d.Permit.Authorizes("edr.isolate_host", other, "CASE-7"))

	// The same isolation of a domain controller waits for a lead.
	req.Args["host"] = "dc01"
	req.Targets[0] = guardrails.Target{Arg: "host", Kind: "host", Value: "dc01", Known: true,
		AssetType: "domain_controller", Criticality: "high"}
	d = g.Decide(ctx, req)
	fmt.Println(d.Outcome, d.ApproverRole, d.Reasons)
	// Output:
	// allow [reversible containment at confidence 0.92 (threshold 0.7)]
	// <nil>
	// permit is for other arguments: no policy permit for this call
	// needs_approval lead [host "dc01" has high criticality host "dc01" is a domain controller]
}
