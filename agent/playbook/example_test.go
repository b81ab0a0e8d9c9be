package playbook_test

import (
	"context"
	"fmt"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/agent/playbook"
	"github.com/conductor-sec/conductor/internal/finding"
)

// ExamplePlanner_Plan shows the first round of a brute-force case: the
// read-only searches and lookups, proposed together.
func ExamplePlanner_Plan() {
	p, err := playbook.New(playbook.Config{})
	if err != nil {
		panic(err)
	}
	view := &agent.CaseView{
		Case: agent.CaseInfo{ID: "c-1", Title: "Logon failures", Score: 55,
			Techniques: []string{"T1110.001"}},
		Entities: []finding.Observable{
			{Kind: finding.KindIP, Value: "203.0.113.7", Role: "src"},
			{Kind: finding.KindUser, Value: "alice", Role: "target"},
		},
	}

	plan, err := p.Plan(context.Background(), view)
	if err != nil {
		panic(err)
	}
	fmt.Println(plan.Playbooks[0], plan.Done)
	for _, a := range plan.Actions {
		fmt.Println(a.Ref, a.Tool, string(a.Args))
	}
	// Output:
	// brute-force false
	// failures-by-ip/203.0.113.7 siem.search {"limit":100,"query":"EventID:4625 203.0.113.7"}
	// failures-by-user/alice siem.search {"limit":100,"query":"EventID:4625 alice"}
	// search-success/203.0.113.7 siem.search {"limit":20,"query":"EventID:4624 203.0.113.7"}
	// lookup-src/203.0.113.7 intel.lookup {"kind":"ip","value":"203.0.113.7"}
	// user/alice user.get {"user":"alice"}
}

// ExampleLoad lists the embedded playbooks with their triggers' priority.
func ExampleLoad() {
	set, err := playbook.Load("")
	if err != nil {
		panic(err)
	}
	for _, info := range set.Playbooks() {
		fmt.Println(info.Priority, info.Name, info.Steps)
	}
	// Output:
	// 60 endpoint-compromise 10
	// 50 phishing-report 10
	// 45 brute-force 10
	// 40 suspicious-signin 7
	// 0 generic-triage 10
	// 0 notify-soc 1
}
