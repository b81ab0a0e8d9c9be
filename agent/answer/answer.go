// Package answer answers an analyst's plain-language questions about a case
// from its record alone, without a model.
//
// [Ask] recognises what a question is about by its keywords — the verdict and
// why, what was blocked, isolated, disabled or quarantined, what waits for
// approval, which hosts, users, addresses, domains and links are involved,
// the ATT&CK techniques, the e-mail's sender, authentication results,
// attachments, the score and its factors, what failed, when it started — and
// answers from the case, its actions, approvals, tasks, findings and audit
// steps, citing step sequence numbers and finding ids. A question it does not
// recognise gets [NoAnswer], never a guess.
//
// Text that came from outside (alert titles and descriptions, e-mail
// headers, tool output) is quoted as data and cleaned of control characters.
// Nothing in it is ever followed: an answer is built from fixed templates,
// and Ask only reads.
package answer

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/internal/finding"
	"github.com/conductor-sec/conductor/internal/store"
)

// NoAnswer is the reply to a question no intent matches.
const NoAnswer = "I cannot answer that from the case record."

// maxQuestion caps the question length read; longer questions are cut.
const maxQuestion = 2000

// ErrNoQuestion is returned for an empty question.
var ErrNoQuestion = errors.New("the question is empty")

// Source is what Ask reads about a case. [Record] implements it over the
// engine and the case store.
type Source interface {
	// CaseReport returns the case with its actions, approvals and tasks.
	CaseReport(ctx context.Context, caseID string) (agent.Report, error)
	// Steps returns the case's audit steps in chain order.
	Steps(ctx context.Context, caseID string) ([]store.Step, error)
	// CaseFindings returns the findings attached to the case.
	CaseFindings(ctx context.Context, caseID string) ([]finding.Finding, error)
}

// Record is a [Source] over a running engine and its store.
type Record struct {
	Engine *agent.Engine
	Store  *store.Store
}

var _ Source = Record{}

// CaseReport implements [Source].
func (r Record) CaseReport(ctx context.Context, caseID string) (agent.Report, error) {
	return r.Engine.CaseReport(ctx, caseID)
}

// Steps implements [Source].
func (r Record) Steps(ctx context.Context, caseID string) ([]store.Step, error) {
	return r.Store.Steps(ctx, caseID)
}

// CaseFindings implements [Source].
func (r Record) CaseFindings(ctx context.Context, caseID string) ([]finding.Finding, error) {
	return r.Store.CaseFindings(ctx, caseID)
}

// Answer is the reply to one question.
type Answer struct {
	CaseID   string `json:"case_id"`
	Question string `json:"question"`
	// Intent names what the question was understood to ask ("verdict",
	// "actions", …); empty when nothing matched and Text is [NoAnswer].
	Intent string `json:"intent,omitempty"`
	// Text is the answer in plain sentences, with citations in brackets.
	Text string `json:"text"`
	// Citations are the records the answer rests on.
	Citations []Citation `json:"citations"`
}

// Citation points at one record: a step of the audit chain ("step", Ref
// "#12"), a finding ("finding", "FND-000003"), an approval or a task.
type Citation struct {
	Kind string `json:"kind"`
	Ref  string `json:"ref"`
}

// Ask answers question about caseID from src. It fails only when the question
// is empty or the case cannot be read.
func Ask(ctx context.Context, src Source, caseID, question string) (Answer, error) {
	q := strings.TrimSpace(question)
	if q == "" {
		return Answer{}, ErrNoQuestion
	}
	if len(q) > maxQuestion {
		q = q[:maxQuestion]
	}
	rec, err := load(ctx, src, caseID)
	if err != nil {
		return Answer{}, err
	}

	out := Answer{CaseID: caseID, Question: q, Citations: []Citation{}}
	in, ok := match(q)
	if !ok {
		out.Text = NoAnswer
		return out, nil
	}
	w := &writer{rec: rec, seen: map[Citation]bool{}}
	in.answer(w, words(q))
	out.Intent, out.Text, out.Citations = in.name, w.text(), w.cites
	if out.Citations == nil {
		out.Citations = []Citation{}
	}
	return out, nil
}

// load reads everything an answer may need, once.
func load(ctx context.Context, src Source, caseID string) (*record, error) {
	rep, err := src.CaseReport(ctx, caseID)
	if err != nil {
		return nil, fmt.Errorf("reading case %s: %w", caseID, err)
	}
	steps, err := src.Steps(ctx, caseID)
	if err != nil {
		return nil, fmt.Errorf("reading steps of %s: %w", caseID, err)
	}
	fs, err := src.CaseFindings(ctx, caseID)
	if err != nil {
		return nil, fmt.Errorf("reading findings of %s: %w", caseID, err)
	}
	return newRecord(rep, steps, fs), nil
}
