package llm

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/guardrails"
)

// maxReason caps the model's stated reason on each proposal.
const maxReason = 1000

// answer is one assembled model answer.
type answer struct {
	content string
	calls   []toolCall
}

// finishArgs are the finish function's arguments.
type finishArgs struct {
	Verdict    string   `json:"verdict"`
	Confidence *float64 `json:"confidence"`
	Summary    string   `json:"summary"`
}

var verdicts = map[string]bool{
	"malicious": true, "suspicious": true, "benign": true, "inconclusive": true,
}

// plan turns an answer into proposals and, when the model called finish, a
// verdict. An answer with neither is malformed: the model has to choose.
func (a answer) plan(names map[string]string) (agent.Plan, error) {
	var plan agent.Plan
	reason := cut(strings.TrimSpace(a.content), maxReason)
	for _, c := range a.calls {
		if c.Name != finishName {
			tool := toolName(c.Name, names)
			plan.Actions = append(plan.Actions, agent.Proposal{
				Ref: ref(tool, c.Args), Tool: tool, Args: c.Args, Reason: reason,
			})
			continue
		}
		if plan.Done {
			return agent.Plan{}, malformed("finish was called twice")
		}
		f, err := parseFinish(c.Args)
		if err != nil {
			return agent.Plan{}, err
		}
		plan.Done, plan.Verdict, plan.Confidence, plan.Summary =
			true, f.Verdict, *f.Confidence, f.Summary
	}
	if !plan.Done && len(plan.Actions) == 0 {
		return agent.Plan{}, malformed("the answer calls no function")
	}
	return plan, nil
}

func parseFinish(raw json.RawMessage) (finishArgs, error) {
	var f finishArgs
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return f, malformed("finish arguments do not match its schema")
	}
	switch {
	case !verdicts[f.Verdict]:
		return f, malformed("finish verdict %s is not one of malicious, suspicious, "+
			"benign, inconclusive", short(f.Verdict))
	case f.Confidence == nil || math.IsNaN(*f.Confidence) || *f.Confidence < 0 ||
		*f.Confidence > 1:
		return f, malformed("finish confidence must be a number from 0 to 1")
	case strings.TrimSpace(f.Summary) == "":
		return f, malformed("finish summary is empty")
	}
	f.Summary = cut(strings.TrimSpace(f.Summary), 2000)
	return f, nil
}

// ref names a proposal by what it does: the tool and a digest of its
// canonical arguments. The same call proposed again gets the same ref, so the
// engine runs it once and its loop detection sees the repeat.
func ref(tool string, args json.RawMessage) string {
	d, err := guardrails.DigestArgs(args)
	if err != nil {
		d = "invalid-arguments"
	}
	return "llm/" + tool + "/" + d[:min(16, len(d))]
}
