package playbook

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/internal/finding"
)

// The indicators of the test cases. Addresses are from the documentation
// ranges; domains end in .example.
const (
	phishURL     = "https://login.micros0ft-support.example/verify"
	phishHost    = "login.micros0ft-support.example"
	orgURL       = "https://www.acme-corp.example/help"
	phishSender  = "it-support@micros0ft-support.example"
	phishSubject = "Your mailbox is full"
	exeHash      = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	c2IP         = "198.51.100.23"
	bruteIP      = "203.0.113.77"
)

func obs(kind finding.Kind, value, role string) finding.Observable {
	return finding.Observable{Kind: kind, Value: value, Role: role, Origin: finding.OriginField}
}

// phishingView is a reported credential phish: spoofed sender, a deceptive
// link with an intel hit, an executable attachment.
func phishingView() *agent.CaseView {
	f := finding.Finding{
		Source: "email", Title: "Reported: " + phishSubject, Severity: finding.SeverityHigh,
		Email: &finding.Email{
			MessageID: "<a1@micros0ft-support.example>", Subject: phishSubject,
			From:     finding.Address{Name: "IT Support", Address: phishSender},
			To:       []string{"maria.lopez@acme-corp.example"},
			OriginIP: "203.0.113.45",
			Auth:     finding.Auth{SPF: "fail", DKIM: "none", DMARC: "fail"},
			URLs:     []string{phishURL, orgURL},
			Attachments: []finding.Attachment{{
				Name: "invoice.pdf.exe", ContentType: "application/octet-stream", Size: 7168,
				SHA256: exeHash,
			}},
			Signals: []string{"dmarc_fail", "display_name_spoof", "double_extension",
				"url_text_mismatch:" + phishURL},
		},
		Observables: []finding.Observable{
			obs(finding.KindEmail, phishSender, "sender"),
			obs(finding.KindEmail, "maria.lopez@acme-corp.example", "recipient"),
			obs(finding.KindIP, "203.0.113.45", "origin_ip"),
			obs(finding.KindURL, phishURL, "link"),
			obs(finding.KindURL, orgURL, "link"),
			obs(finding.KindDomain, phishHost, "link"),
			obs(finding.KindDomain, "www.acme-corp.example", "link"),
			obs(finding.KindDomain, "micros0ft-support.example", "sender"),
			obs(finding.KindHash, exeHash, "attachment"),
		},
	}
	return &agent.CaseView{
		Case: agent.CaseInfo{
			ID: "case-phish", Title: f.Title, State: "investigating", Score: 72,
			Severity: "high", Confidence: 0.8, Sources: []string{"email"},
		},
		Findings: []finding.Finding{f},
		Enrichment: agent.Enrichment{Intel: []agent.IntelHit{{
			Kind: "url", Value: phishURL, Source: "lab-feed", Threat: "credential phishing",
			Confidence: 85,
		}}},
	}
}

// lookalikeView is a legitimate newsletter that resembles a phish: it passes
// authentication, carries no signals and no intel.
func lookalikeView() *agent.CaseView {
	const sender = "news@acme-travel.example"
	f := finding.Finding{
		Source: "email", Title: "Reported: Your March travel offers", Severity: finding.SeverityLow,
		Email: &finding.Email{
			Subject: "Your March travel offers", From: finding.Address{Address: sender},
			To:   []string{"john.chen@acme-corp.example"},
			Auth: finding.Auth{SPF: "pass", DKIM: "pass", DMARC: "pass"},
			URLs: []string{"https://acme-travel.example/offers"},
		},
		Observables: []finding.Observable{
			obs(finding.KindEmail, sender, "sender"),
			obs(finding.KindEmail, "john.chen@acme-corp.example", "recipient"),
			obs(finding.KindURL, "https://acme-travel.example/offers", "link"),
			obs(finding.KindDomain, "acme-travel.example", "link"),
		},
	}
	return &agent.CaseView{
		Case: agent.CaseInfo{
			ID: "case-news", Title: f.Title, Score: 12, Severity: "low", Confidence: 0.6,
			Sources: []string{"email"},
		},
		Findings: []finding.Finding{f},
	}
}

// endpointView is credential dumping and PowerShell on a workstation with a
// beacon to an external address.
func endpointView() *agent.CaseView {
	f := finding.Finding{
		Source: "elastic", RuleID: "lsass-access", Title: "LSASS memory read by powershell.exe",
		Severity: finding.SeverityCritical, Techniques: []string{"T1003.001", "T1059.001"},
		Observables: []finding.Observable{
			obs(finding.KindHost, "WORKSTATION5", ""),
			obs(finding.KindUser, `THESHIRE\pgustavo`, "actor"),
			obs(finding.KindUser, "SYSTEM", ""),
			obs(finding.KindIP, "172.18.39.5", "src"),
			obs(finding.KindIP, c2IP, "dst"),
			obs(finding.KindHash, exeHash, ""),
		},
	}
	return &agent.CaseView{
		Case: agent.CaseInfo{
			ID: "case-ep", Title: f.Title, Score: 78, Severity: "critical", Confidence: 0.9,
			Techniques: f.Techniques, Sources: []string{"elastic"},
		},
		Findings: []finding.Finding{f},
		Enrichment: agent.Enrichment{
			Intel: []agent.IntelHit{{Kind: "ip", Value: c2IP, Source: "lab-feed", Confidence: 60}},
			Assets: map[string]agent.AssetFacts{"WORKSTATION5": {
				Name: "WORKSTATION5", Type: "workstation", Criticality: "medium",
			}},
		},
	}
}

// bruteView is password guessing from one external address against alice.
func bruteView() *agent.CaseView {
	f := finding.Finding{
		Source: "wazuh", RuleID: "60204", Title: "Multiple Windows logon failures",
		Severity: finding.SeverityHigh, Techniques: []string{"T1110.001"},
		Observables: []finding.Observable{
			obs(finding.KindIP, bruteIP, "src"),
			obs(finding.KindUser, "alice", "target"),
			obs(finding.KindHost, "JMP-01", ""),
		},
	}
	return &agent.CaseView{
		Case: agent.CaseInfo{
			ID: "case-bf", Title: f.Title, Score: 65, Severity: "high", Confidence: 0.7,
			Techniques: f.Techniques, Sources: []string{"wazuh"},
		},
		Findings: []finding.Finding{f},
	}
}

// signinView is a GuardDuty console login from an unusual address.
func signinView() *agent.CaseView {
	f := finding.Finding{
		Source: "guardduty", RuleID: "UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B",
		Title: "Console login from an unusual location", Severity: finding.SeverityHigh,
		Observables: []finding.Observable{
			obs(finding.KindUser, "david.okafor", "actor"),
			obs(finding.KindIP, "198.51.100.99", "src"),
		},
	}
	return &agent.CaseView{
		Case: agent.CaseInfo{
			ID: "case-si", Title: f.Title, Score: 66, Severity: "high", Confidence: 0.7,
			Sources: []string{"guardduty"},
		},
		Findings: []finding.Finding{f},
	}
}

// genericView is an IDS alert that no specific playbook claims.
func genericView(score int) *agent.CaseView {
	f := finding.Finding{
		Source: "suricata", RuleID: "2027865", Title: "ET INFO Observed DNS query to .cloud TLD",
		Severity: finding.SeverityMedium,
		Observables: []finding.Observable{
			obs(finding.KindIP, "10.20.0.10", "src"),
			obs(finding.KindIP, "192.0.2.80", "dst"),
			obs(finding.KindDomain, "files.example.cloud", ""),
			obs(finding.KindHost, "WEB-01", ""),
		},
	}
	return &agent.CaseView{
		Case: agent.CaseInfo{
			ID: "case-gen", Title: f.Title, Score: score, Severity: "medium", Confidence: 0.5,
			Sources: []string{"suricata"},
		},
		Findings: []finding.Finding{f},
	}
}

// outcome is what the simulated engine records for one proposal.
type outcome struct {
	status string
	output string
}

// script decides each proposal's outcome; nil means executed with output {}.
type script func(p agent.Proposal) outcome

// runResult is a whole simulated investigation.
type runResult struct {
	rounds [][]string
	tasks  []string
	final  agent.Plan
	view   *agent.CaseView
}

// simulate plays the engine: it records every proposal with the script's
// outcome and every task as manual, then asks again, until Done.
func simulate(t testing.TB, p *Planner, view *agent.CaseView, sc script) runResult {
	t.Helper()
	var res runResult
	for round := 0; round < 20; round++ {
		plan, err := p.Plan(context.Background(), view)
		if err != nil {
			t.Fatalf("Plan() round %d: %v", round+1, err)
		}
		for _, tk := range plan.Tasks {
			res.tasks = append(res.tasks, tk.Ref+": "+tk.Title)
			view.Steps = append(view.Steps, agent.StepView{Ref: tk.Ref, Status: statusManual})
		}
		if plan.Done {
			res.final, res.view = plan, view
			return res
		}
		var lines []string
		for _, a := range plan.Actions {
			lines = append(lines, describe(a))
			view.Steps = append(view.Steps, record(a, sc))
		}
		res.rounds = append(res.rounds, lines)
	}
	t.Fatalf("simulate: no Done after 20 rounds; rounds %v", res.rounds)
	return res
}

func record(a agent.Proposal, sc script) agent.StepView {
	o := outcome{status: statusExecuted, output: `{}`}
	if sc != nil {
		if got := sc(a); got.status != "" {
			o = got
		}
	}
	st := agent.StepView{Ref: a.Ref, Tool: a.Tool, Args: a.Args, Status: o.status}
	if o.status == statusExecuted {
		st.Output = json.RawMessage(o.output)
	}
	return st
}

// describe renders a proposal as "ref tool args" for exact comparison.
func describe(a agent.Proposal) string {
	return fmt.Sprintf("%s %s %s", a.Ref, a.Tool, a.Args)
}

// newPlanner loads the embedded playbooks, or dir's overrides.
func newPlanner(t testing.TB, dir string) *Planner {
	t.Helper()
	p, err := New(Config{Dir: dir})
	if err != nil {
		t.Fatalf("New(%q): %v", dir, err)
	}
	return p
}

// writePlaybooks writes name → YAML into a temp folder and returns it.
func writePlaybooks(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		writeFile(t, dir, name, strings.TrimLeft(body, "\n"))
	}
	return dir
}

func writeFile(t testing.TB, dir, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}
