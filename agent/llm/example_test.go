package llm_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/agent/llm"
)

// Example plans one round against a local OpenAI-compatible server, here a
// stand-in that streams a finish call.
func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, `data: {"choices":[{"index":0,"delta":{"content":"Known scanner.",`+
			`"tool_calls":[{"index":0,"id":"call_1","type":"function","function":`+
			`{"name":"finish","arguments":"{\"verdict\":\"benign\",\"confidence\":0.8,`+
			`\"summary\":\"Authorised vulnerability scan.\"}"}}]}}]}`+"\n\n")
		fmt.Fprint(w, `data: {"choices":[{"index":0,"delta":{},`+
			`"finish_reason":"tool_calls"}]}`+"\n\n")
		fmt.Fprint(w, `data: {"choices":[],`+
			`"usage":{"prompt_tokens":900,"completion_tokens":30}}`+"\n\n")
		fmt.Fprint(w, "data: [DONE]\n\n")
	}))
	defer srv.Close()

	p, err := llm.New(llm.Config{BaseURL: srv.URL + "/v1", Model: "qwen2.5-7b-instruct"})
	if err != nil {
		fmt.Println(err)
		return
	}
	plan, err := p.Plan(context.Background(), &agent.CaseView{
		Case: agent.CaseInfo{ID: "CASE-000042", Title: "Port scan from 10.20.0.5"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(plan.Verdict, plan.Confidence, plan.Summary)
	fmt.Printf("%d call, %d tokens\n", plan.Usage.Calls,
		plan.Usage.PromptTokens+plan.Usage.CompletionTokens)
	// Output:
	// benign 0.8 Authorised vulnerability scan.
	// 1 call, 930 tokens
}
