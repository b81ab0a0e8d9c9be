package playbook

import (
	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/internal/finding"
)

// env is what an expression sees. Every playbook expression is compiled
// against this type, so an unknown name or field is an error at load. Field
// tags give the snake_case names playbooks use.
type env struct {
	Case     caseEnv        `expr:"case"`
	Findings []findingEnv   `expr:"findings"`
	Related  []relatedEnv   `expr:"related"`
	Question string         `expr:"question"`
	Item     any            `expr:"item"`
	Vars     map[string]any `expr:"vars"`
	// Verdict is set only while the summary is rendered.
	Verdict string `expr:"verdict"`

	Entities     func(kind string, role ...string) []string `expr:"entities"`
	HasSource    func(source string) bool                   `expr:"has_source"`
	HasTechnique func(prefix string) bool                   `expr:"has_technique"`
	HasSignal    func(name string) bool                     `expr:"has_signal"`
	SignalValues func(name string) []string                 `expr:"signal_values"`
	HasFlag      func(name string) bool                     `expr:"has_flag"`
	HasTool      func(name string) bool                     `expr:"has_tool"`
	Intel        func(value string) int                     `expr:"intel"`
	IntelMax     func() int                                 `expr:"intel_max"`
	Asset        func(host string) *assetEnv                `expr:"asset"`
	User         func(name string) *userEnv                 `expr:"user"`
	PrivateIP    func(ip string) bool                       `expr:"private_ip"`
	PublicIP     func(ip string) bool                       `expr:"public_ip"`
	DomainOf     func(value string) string                  `expr:"domain_of"`
	Status       func(ref string) string                    `expr:"status"`
	Executed     func(ref string) bool                      `expr:"executed"`
	Output       func(ref string) any                       `expr:"output"`
	Outputs      func(id string) []any                      `expr:"outputs"`
	First        func(list any) string                      `expr:"first"`
}

// caseEnv is [agent.CaseInfo] under the names playbooks use.
type caseEnv struct {
	ID         string   `expr:"id"`
	Title      string   `expr:"title"`
	State      string   `expr:"state"`
	Score      int      `expr:"score"`
	Severity   string   `expr:"severity"`
	Confidence float64  `expr:"confidence"`
	Verdict    string   `expr:"verdict"`
	Techniques []string `expr:"techniques"`
	Sources    []string `expr:"sources"`
	Flags      []string `expr:"flags"`
}

// findingEnv is the part of a [finding.Finding] playbooks may test.
type findingEnv struct {
	ID            string            `expr:"id"`
	Source        string            `expr:"source"`
	RuleID        string            `expr:"rule_id"`
	Title         string            `expr:"title"`
	Description   string            `expr:"description"`
	Severity      string            `expr:"severity"`
	SeverityScore int               `expr:"severity_score"`
	Techniques    []string          `expr:"techniques"`
	Labels        map[string]string `expr:"labels"`
	Email         *emailEnv         `expr:"email"`
}

// emailEnv is the analysis of a reported e-mail; nil for other findings.
type emailEnv struct {
	MessageID   string          `expr:"message_id"`
	Subject     string          `expr:"subject"`
	From        string          `expr:"from"`
	FromName    string          `expr:"from_name"`
	ReplyTo     []string        `expr:"reply_to"`
	ReturnPath  string          `expr:"return_path"`
	To          []string        `expr:"to"`
	OriginIP    string          `expr:"origin_ip"`
	SPF         string          `expr:"spf"`
	DKIM        string          `expr:"dkim"`
	DMARC       string          `expr:"dmarc"`
	URLs        []string        `expr:"urls"`
	Signals     []string        `expr:"signals"`
	Attachments []attachmentEnv `expr:"attachments"`
}

type attachmentEnv struct {
	Name        string `expr:"name"`
	ContentType string `expr:"content_type"`
	Size        int    `expr:"size"`
	SHA256      string `expr:"sha256"`
}

type relatedEnv struct {
	ID      string   `expr:"id"`
	Title   string   `expr:"title"`
	Verdict string   `expr:"verdict"`
	Shared  []string `expr:"shared"`
}

type assetEnv struct {
	Name        string `expr:"name"`
	Type        string `expr:"type"`
	Owner       string `expr:"owner"`
	Criticality string `expr:"criticality"`
	CrownJewel  bool   `expr:"crown_jewel"`
	IP          string `expr:"ip"`
}

type userEnv struct {
	Name       string `expr:"name"`
	Email      string `expr:"email"`
	Role       string `expr:"role"`
	Department string `expr:"department"`
	VIP        bool   `expr:"vip"`
	BreakGlass bool   `expr:"break_glass"`
}

// newEnv binds the environment to one case view through its index.
func newEnv(ix *index) *env {
	v := ix.view
	e := &env{
		Case:     caseOf(v.Case),
		Findings: findingsOf(v.Findings),
		Related:  relatedOf(v.Enrichment.Related),
		Question: v.Question,
	}
	e.Entities, e.HasSource, e.HasTechnique = ix.entities, ix.hasSource, ix.hasTechnique
	e.HasSignal, e.SignalValues, e.HasFlag = ix.hasSignal, ix.signalValues, ix.hasFlag
	e.HasTool, e.Intel, e.IntelMax = ix.hasTool, ix.intel, ix.intelMax
	e.Asset, e.User = ix.asset, ix.user
	e.PrivateIP, e.PublicIP, e.DomainOf = privateIP, publicIP, domainOf
	e.Status, e.Executed, e.Output, e.Outputs = ix.status, ix.executed, ix.output, ix.outputs
	e.First = first
	return e
}

func caseOf(c agent.CaseInfo) caseEnv {
	return caseEnv{
		ID: c.ID, Title: c.Title, State: c.State, Score: c.Score, Severity: c.Severity,
		Confidence: c.Confidence, Verdict: c.Verdict, Techniques: c.Techniques,
		Sources: c.Sources, Flags: c.Flags,
	}
}

func findingsOf(fs []finding.Finding) []findingEnv {
	out := make([]findingEnv, len(fs))
	for i, f := range fs {
		out[i] = findingEnv{
			ID: f.ID, Source: f.Source, RuleID: f.RuleID, Title: f.Title,
			Description: f.Description, Severity: string(f.Severity),
			SeverityScore: f.SeverityScore, Techniques: f.Techniques, Labels: f.Labels,
			Email: emailOf(f.Email),
		}
	}
	return out
}

func emailOf(m *finding.Email) *emailEnv {
	if m == nil {
		return nil
	}
	e := &emailEnv{
		MessageID: m.MessageID, Subject: m.Subject, From: m.From.Address,
		FromName: m.From.Name, ReplyTo: m.ReplyTo, ReturnPath: m.ReturnPath, To: m.To,
		OriginIP: m.OriginIP, SPF: m.Auth.SPF, DKIM: m.Auth.DKIM, DMARC: m.Auth.DMARC,
		URLs: m.URLs, Signals: m.Signals,
	}
	for _, a := range m.Attachments {
		e.Attachments = append(e.Attachments, attachmentEnv{
			Name: a.Name, ContentType: a.ContentType, Size: a.Size, SHA256: a.SHA256,
		})
	}
	return e
}

func relatedOf(rs []agent.RelatedCase) []relatedEnv {
	out := make([]relatedEnv, len(rs))
	for i, r := range rs {
		out[i] = relatedEnv{ID: r.ID, Title: r.Title, Verdict: r.Verdict, Shared: r.Shared}
	}
	return out
}
