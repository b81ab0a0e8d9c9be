package tools_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/conductor-sec/conductor/tools"
)

// pingTool is the smallest useful tool.
type pingTool struct{}

func (pingTool) Spec() tools.Spec {
	return tools.Spec{
		Name:        "net.ping",
		Description: "Ping a host.",
		Schema: json.RawMessage(`{"type":"object","additionalProperties":false,
			"required":["host"],"properties":{"host":{"type":"string"}}}`),
		Risk:    tools.RiskRead,
		Targets: map[string]string{"host": "host"},
	}
}

func (pingTool) Invoke(_ context.Context, _ tools.Call) (tools.Result, error) {
	return tools.Result{Output: json.RawMessage(`{"up":true}`), Summary: "host is up"}, nil
}

func ExampleRegistry_Validate() {
	r := tools.NewRegistry(tools.RegistryConfig{})
	if err := r.Register(pingTool{}); err != nil {
		fmt.Println(err)
		return
	}

	fmt.Println(r.Validate("net.ping", json.RawMessage(`{"host":"WS-0142"}`)))
	fmt.Println(r.Validate("net.ping", json.RawMessage(`{"host":"WS-0142","all":true}`)))
	// Output:
	// <nil>
	// unknown field "all"; allowed fields are host: invalid arguments
}
