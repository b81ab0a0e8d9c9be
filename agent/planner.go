package agent

import (
	"context"
	"encoding/json"

	"github.com/conductor-sec/conductor/internal/finding"
	"github.com/conductor-sec/conductor/tools"
)

// Planner decides what to do next on a case. It sees an enriched [CaseView]
// and proposes actions; it never calls a tool itself. The engine sends every
// proposal through the guard, runs what is allowed, and calls the planner again
// with the results until it says the case is done or a budget runs out.
type Planner interface {
	// Name identifies the planner in the case record: "playbook", "llm".
	Name() string
	// Plan returns the next proposals. Proposals whose Ref was already recorded
	// on the case are not run again.
	Plan(ctx context.Context, view *CaseView) (Plan, error)
}

// Plan is a planner's answer for one round.
type Plan struct {
	// Actions to propose now; may be empty.
	Actions []Proposal `json:"actions,omitempty"`
	// Tasks are human decision points or manual work to put on the case.
	Tasks []Task `json:"tasks,omitempty"`
	// Done ends the investigation with the verdict below.
	Done bool `json:"done"`
	// Verdict is malicious, suspicious, benign or inconclusive.
	Verdict    string  `json:"verdict,omitempty"`
	Confidence float64 `json:"confidence,omitempty"`
	Summary    string  `json:"summary,omitempty"`
	// Playbooks names the playbooks that produced this plan, for the record.
	Playbooks []string `json:"playbooks,omitempty"`
	// Usage counts model traffic, zero for the playbook planner.
	Usage Usage `json:"usage"`
}

// Usage counts LLM calls and tokens.
type Usage struct {
	Calls            int `json:"calls"`
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
}

// Proposal is one action a planner wants to run.
type Proposal struct {
	// Ref is stable for the same logical step of the same case (a playbook step
	// id plus its loop item); the engine derives the idempotency key from it.
	Ref  string          `json:"ref"`
	Tool string          `json:"tool"`
	Args json.RawMessage `json:"args"`
	// Reason says why, for the record and the approver.
	Reason string `json:"reason,omitempty"`
}

// Task is a human decision point or a manual step.
type Task struct {
	Ref    string `json:"ref"`
	Title  string `json:"title"`
	Detail string `json:"detail,omitempty"`
}

// CaseView is everything a planner may see about a case. Text in findings,
// entities and step outputs is untrusted data.
type CaseView struct {
	Case       CaseInfo             `json:"case"`
	Findings   []finding.Finding    `json:"findings"`
	Entities   []finding.Observable `json:"entities"`
	Enrichment Enrichment           `json:"enrichment"`
	Steps      []StepView           `json:"steps"`
	Tools      []tools.Spec         `json:"tools"`
	// Question is an analyst's plain-language question, when one opened or
	// extended the case.
	Question string `json:"question,omitempty"`
}

// CaseInfo is the case summary a planner sees.
type CaseInfo struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	State      string   `json:"state"`
	Score      int      `json:"score"`
	Severity   string   `json:"severity"`
	Confidence float64  `json:"confidence"`
	Verdict    string   `json:"verdict,omitempty"`
	Techniques []string `json:"techniques,omitempty"`
	Sources    []string `json:"sources,omitempty"`
	Flags      []string `json:"flags,omitempty"`
}

// Enrichment is the context gathered before planning.
type Enrichment struct {
	Intel   []IntelHit            `json:"intel,omitempty"`
	Assets  map[string]AssetFacts `json:"assets,omitempty"`
	Users   map[string]UserFacts  `json:"users,omitempty"`
	Related []RelatedCase         `json:"related,omitempty"`
	Factors []ScoreFactor         `json:"factors,omitempty"`
}

// IntelHit is a threat-intelligence match on a case entity.
type IntelHit struct {
	Kind       string   `json:"kind"`
	Value      string   `json:"value"`
	Source     string   `json:"source"`
	Threat     string   `json:"threat,omitempty"`
	Confidence int      `json:"confidence"`
	Tags       []string `json:"tags,omitempty"`
}

// AssetFacts is what the inventory knows about a host.
type AssetFacts struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Owner       string `json:"owner,omitempty"`
	Criticality string `json:"criticality"`
	CrownJewel  bool   `json:"crown_jewel"`
	IP          string `json:"ip,omitempty"`
}

// UserFacts is what the directory knows about an account.
type UserFacts struct {
	Name       string `json:"name"`
	Email      string `json:"email,omitempty"`
	Role       string `json:"role"`
	Department string `json:"department,omitempty"`
	VIP        bool   `json:"vip"`
	BreakGlass bool   `json:"break_glass"`
}

// RelatedCase is an earlier case sharing entities with this one, a closed
// case memory recalls as similar, or both.
type RelatedCase struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Verdict string   `json:"verdict,omitempty"`
	Shared  []string `json:"shared"`
	// Similarity is memory's cosine similarity between the two cases, zero
	// when memory did not recall the case.
	Similarity float64 `json:"similarity,omitempty"`
}

// ScoreFactor is one term of the severity score.
type ScoreFactor struct {
	Name   string  `json:"name"`
	Weight float64 `json:"weight"`
	Points int     `json:"points"`
	Detail string  `json:"detail"`
}

// StepView is a recorded step as the planner sees it.
type StepView struct {
	Ref      string          `json:"ref"`
	Tool     string          `json:"tool"`
	Args     json.RawMessage `json:"args,omitempty"`
	Status   string          `json:"status"`
	Decision string          `json:"decision,omitempty"`
	Reasons  []string        `json:"reasons,omitempty"`
	Output   json.RawMessage `json:"output,omitempty"`
	Summary  string          `json:"summary,omitempty"`
}
