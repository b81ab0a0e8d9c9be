package guardrails

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
)

// EvalFile decides the request stored as JSON in inputPath with g, for
// `conductor policy eval`. Unknown fields in the file are an error, so a typo
// in a hand-written input does not silently change the decision.
func EvalFile(ctx context.Context, g *Guard, inputPath string) (Decision, error) {
	b, err := os.ReadFile(inputPath)
	if err != nil {
		return Decision{}, fmt.Errorf("reading policy input: %w", err)
	}

	var req Request
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return Decision{}, fmt.Errorf("parsing policy input %s: %w", inputPath, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Decision{}, fmt.Errorf("parsing policy input %s: data after the JSON object; "+
			"give one input per file", inputPath)
	}
	if err := exactKeys(b); err != nil {
		return Decision{}, fmt.Errorf("parsing policy input %s: %w", inputPath, err)
	}
	return g.Decide(ctx, req), nil
}

// exactKeys refuses field names that encoding/json would match only by
// ignoring case: {"risk": "containment", "RISK": "read_only"} must not be
// decided as read-only. Every field of the input is lower snake case; the
// arguments of the call (args) are the tool's and are not checked.
func exactKeys(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	return walkKeys(v, "")
}

var lowerSnake = regexp.MustCompile(`^[a-z0-9_]+$`)

func walkKeys(v any, path string) error {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if !lowerSnake.MatchString(k) {
				return fmt.Errorf("field %q at %s: input fields are lower case, such as "+
					"risk or case.confidence", k, cmp.Or(path, "the top"))
			}
			if path == "" && k == "args" {
				continue
			}
			if err := walkKeys(e, strings.TrimPrefix(path+"."+k, ".")); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range x {
			if err := walkKeys(e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// ReplayChange is one recorded action that the candidate policy decides
// differently.
type ReplayChange struct {
	ActionID string  `json:"action_id"`
	CaseID   string  `json:"case_id"`
	Tool     string  `json:"tool"`
	Old      Outcome `json:"old"`
	New      Outcome `json:"new"`
	// Reasons are the candidate policy's reasons.
	Reasons []string `json:"reasons"`
}

// ReplayReport sums up a replay.
type ReplayReport struct {
	Total   int `json:"total"`
	Changed int `json:"changed"`
	// ByTransition counts every "old->new" pair, unchanged ones included.
	ByTransition map[string]int `json:"by_transition"`
	// Changes are in the order next returned the actions.
	Changes []ReplayChange `json:"changes"`
	Elapsed time.Duration  `json:"elapsed"`
}

// replayJob is one recorded action, numbered to keep the report in order.
type replayJob struct {
	seq              int
	actionID, caseID string
	input            json.RawMessage
	old              Outcome
}

type replayResult struct {
	job     replayJob
	tool    string
	outcome Outcome
	reasons []string
}

// Replay re-decides recorded policy inputs with the candidate guard g, which
// is how a lead sees what a new policy would have changed before it goes
// live. next streams the records; it returns ok false at the end. Records are
// decided in parallel on every core, with one policy version throughout; an
// error from next stops the replay and is returned with the report so far.
func Replay(ctx context.Context, g *Guard,
	next func() (actionID, caseID string, input json.RawMessage, old Outcome, ok bool, err error),
) (ReplayReport, error) {
	start := time.Now()
	p := g.current.Load()
	jobs := make(chan replayJob, 256)
	results := make(chan replayResult, 256)

	var readErr error
	go func() {
		defer close(jobs)
		readErr = feed(ctx, next, jobs)
	}()

	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for j := range jobs {
				results <- g.replayOne(ctx, p, j)
			}
		})
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	rep := collect(results)
	rep.Elapsed = time.Since(start)
	if readErr != nil {
		return rep, fmt.Errorf("replaying recorded actions: %w", readErr)
	}
	return rep, nil
}

// feed pulls records from next until the end, an error or cancellation.
func feed(ctx context.Context,
	next func() (string, string, json.RawMessage, Outcome, bool, error),
	jobs chan<- replayJob) error {
	for seq := 0; ; seq++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		actionID, caseID, input, old, ok, err := next()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		jobs <- replayJob{seq: seq, actionID: actionID, caseID: caseID, input: input, old: old}
	}
}

func collect(results <-chan replayResult) ReplayReport {
	rep := ReplayReport{ByTransition: map[string]int{}}
	var seqs []int
	for r := range results {
		rep.Total++
		rep.ByTransition[string(r.job.old)+"->"+string(r.outcome)]++
		if r.outcome == r.job.old {
			continue
		}
		rep.Changed++
		rep.Changes = append(rep.Changes, ReplayChange{
			ActionID: r.job.actionID, CaseID: r.job.caseID, Tool: r.tool,
			Old: r.job.old, New: r.outcome, Reasons: r.reasons,
		})
		seqs = append(seqs, r.job.seq)
	}

	order := make([]int, len(seqs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(seqs[a], seqs[b]) })
	sorted := make([]ReplayChange, len(order))
	for i, k := range order {
		sorted[i] = rep.Changes[k]
	}
	rep.Changes = sorted
	return rep
}

// replayOne decides one recorded input as Decide would, without a permit.
func (g *Guard) replayOne(ctx context.Context, p *policy, j replayJob) replayResult {
	r := replayResult{job: j}
	input, err := inputValue(j.input)
	if err != nil {
		r.outcome, r.reasons = Deny, []string{policyErrorPrefix + err.Error()}
		return r
	}
	r.tool = stringField(input, "tool")

	if p == nil {
		r.outcome, r.reasons = Deny, []string{noPolicyReason}
		if stringField(input, "risk") == "read_only" {
			r.outcome = Allow
		}
		return r
	}

	v, err := p.eval(ctx, input, g.cfg.Timeout)
	if err != nil {
		r.outcome, r.reasons = Deny, []string{policyErrorPrefix + err.Error()}
		return r
	}
	r.outcome, r.reasons = v.outcome, v.reasons
	return r
}

// stringField reads a top-level string of a parsed input, or "".
func stringField(v ast.Value, key string) string {
	obj, ok := v.(ast.Object)
	if !ok {
		return ""
	}
	t := obj.Get(ast.InternedTerm(key))
	if t == nil {
		return ""
	}
	s, _ := t.Value.(ast.String)
	return string(s)
}
