package playbook

import (
	"strings"
	"testing"

	"github.com/conductor-sec/conductor/agent"
	"github.com/google/go-cmp/cmp"
)

// containmentTools are the tools a benign case must never see proposed.
var containmentTools = []string{
	"mail.quarantine", "firewall.block_domain", "firewall.block_ip", "edr.isolate_host",
	"iam.disable_account", "iam.reset_credentials",
}

func TestTrigger(t *testing.T) {
	tests := []struct {
		name string
		view func() *agent.CaseView
		want string
	}{
		{"email source", phishingView, "phishing-report"},
		{"newsletter is still an e-mail case", lookalikeView, "phishing-report"},
		{"credential dumping", endpointView, "endpoint-compromise"},
		{"brute force sub-technique", bruteView, "brute-force"},
		{"guardduty iam user finding", signinView, "suspicious-signin"},
		{"valid accounts technique", func() *agent.CaseView {
			v := genericView(30)
			v.Case.Techniques = []string{"T1078.004"}
			return v
		}, "suspicious-signin"},
		{"impossible travel title", func() *agent.CaseView {
			v := genericView(30)
			v.Findings[0].Title = "Impossible travel for bob@acme-corp.example"
			return v
		}, "suspicious-signin"},
		{"brute force and C2 prefer endpoint", func() *agent.CaseView {
			v := bruteView()
			v.Case.Techniques = []string{"T1071.001", "T1110"}
			return v
		}, "endpoint-compromise"},
		{"edr source with high score", func() *agent.CaseView {
			v := endpointView()
			v.Case.Techniques, v.Findings[0].Techniques = nil, nil
			return v
		}, "endpoint-compromise"},
		{"edr source with low score", func() *agent.CaseView {
			v := endpointView()
			v.Case.Techniques, v.Findings[0].Techniques = nil, nil
			v.Case.Score = 50
			return v
		}, "generic-triage"},
		{"T111 is not T1110", func() *agent.CaseView {
			v := genericView(30)
			v.Case.Techniques = []string{"T1111"}
			return v
		}, "generic-triage"},
		{"ids alert", func() *agent.CaseView { return genericView(45) }, "generic-triage"},
	}
	p := newPlanner(t, "")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := p.Plan(t.Context(), tt.view())
			if err != nil {
				t.Fatal(err)
			}
			if len(plan.Playbooks) == 0 || plan.Playbooks[0] != tt.want {
				t.Errorf("Plan().Playbooks = %v, want %s first", plan.Playbooks, tt.want)
			}
		})
	}
}

func TestPlaybookRounds(t *testing.T) {
	tests := []struct {
		name        string
		view        func() *agent.CaseView
		script      script
		wantRounds  [][]string
		wantTasks   []string
		wantVerdict string
	}{
		{
			name: "phishing-report malicious",
			view: phishingView,
			wantRounds: [][]string{{
				`lookup-url/` + phishURL + ` intel.lookup {"kind":"url","value":"` + phishURL + `"}`,
				`lookup-url/` + orgURL + ` intel.lookup {"kind":"url","value":"` + orgURL + `"}`,
				`lookup-domain/` + phishHost + ` intel.lookup {"kind":"domain","value":"` +
					phishHost + `"}`,
				`lookup-domain/www.acme-corp.example intel.lookup ` +
					`{"kind":"domain","value":"www.acme-corp.example"}`,
				`lookup-domain/micros0ft-support.example intel.lookup ` +
					`{"kind":"domain","value":"micros0ft-support.example"}`,
				`lookup-origin/203.0.113.45 intel.lookup {"kind":"ip","value":"203.0.113.45"}`,
				`lookup-attachment/` + exeHash + ` intel.lookup {"kind":"hash","value":"` +
					exeHash + `"}`,
				`find-copies mail.search {"sender":"` + phishSender + `","subject":"` +
					phishSubject + `"}`,
			}, {
				`quarantine mail.quarantine {"reason":"Conductor case case-phish: phishing ` +
					`e-mail","sender":"` + phishSender + `","subject":"` + phishSubject + `"}`,
				`block-domain/` + phishHost + ` firewall.block_domain {"domain":"` + phishHost +
					`","reason":"Conductor case case-phish: phishing e-mail"}`,
			}, {
				`ticket ticket.create {"body":"Reported e-mail from ` + phishSender +
					` with 2 links and 1 attachments; highest intel confidence 85, score 72.",` +
					`"case_id":"case-phish","severity":"high","title":"Phishing from ` +
					phishSender + `"}`,
				`notify-soc.notify notify {"channel":"soc","message":"[HIGH] Reported: ` +
					phishSubject + ` (case case-phish, score 72)"}`,
			}},
			wantTasks:   []string{"ask-credential-reset: Reset the credentials of recipients who clicked?"},
			wantVerdict: "malicious",
		},
		{
			name: "phishing-report benign look-alike",
			view: lookalikeView,
			wantRounds: [][]string{{
				`lookup-url/https://acme-travel.example/offers intel.lookup ` +
					`{"kind":"url","value":"https://acme-travel.example/offers"}`,
				`lookup-domain/acme-travel.example intel.lookup ` +
					`{"kind":"domain","value":"acme-travel.example"}`,
				`find-copies mail.search {"sender":"news@acme-travel.example",` +
					`"subject":"Your March travel offers"}`,
			}},
			wantVerdict: "benign",
		},
		{
			name: "endpoint-compromise",
			view: endpointView,
			wantRounds: [][]string{{
				`lookup-ip/` + c2IP + ` intel.lookup {"kind":"ip","value":"` + c2IP + `"}`,
				`lookup-hash/` + exeHash + ` intel.lookup {"kind":"hash","value":"` + exeHash + `"}`,
				`asset/WORKSTATION5 asset.get {"host":"WORKSTATION5"}`,
				`user/THESHIRE\pgustavo user.get {"user":"THESHIRE\\pgustavo"}`,
				`hunt/WORKSTATION5 siem.search {"limit":100,"query":"host:WORKSTATION5"}`,
			}, {
				`isolate/WORKSTATION5 edr.isolate_host {"host":"WORKSTATION5",` +
					`"reason":"Conductor case case-ep (score 78)"}`,
				`block-ip/` + c2IP + ` firewall.block_ip {"duration_minutes":1440,"ip":"` + c2IP +
					`","reason":"Conductor case case-ep (score 78)"}`,
				`disable-user/THESHIRE\pgustavo iam.disable_account ` +
					`{"reason":"Conductor case case-ep (score 78)","user":"THESHIRE\\pgustavo"}`,
			}, {
				`ticket ticket.create {"body":"Techniques T1003.001, T1059.001 on WORKSTATION5; ` +
					`score 78, highest intel confidence 60.","case_id":"case-ep",` +
					`"severity":"critical","title":"Endpoint compromise on WORKSTATION5"}`,
				`notify-soc.notify notify {"channel":"soc","message":"[CRITICAL] LSASS memory ` +
					`read by powershell.exe (case case-ep, score 78)"}`,
			}},
			wantVerdict: "malicious",
		},
		{
			name: "brute-force with a successful guess",
			view: bruteView,
			script: func(p agent.Proposal) outcome {
				if p.Ref == "search-success/"+bruteIP {
					return outcome{statusExecuted, `{"total":2,"events":[]}`}
				}
				return outcome{}
			},
			wantRounds: [][]string{{
				`failures-by-ip/` + bruteIP + ` siem.search {"limit":100,"query":"EventID:4625 ` +
					bruteIP + `"}`,
				`failures-by-user/alice siem.search {"limit":100,"query":"EventID:4625 alice"}`,
				`search-success/` + bruteIP + ` siem.search {"limit":20,"query":"EventID:4624 ` +
					bruteIP + `"}`,
				`lookup-src/` + bruteIP + ` intel.lookup {"kind":"ip","value":"` + bruteIP + `"}`,
				`user/alice user.get {"user":"alice"}`,
			}, {
				`block-src/` + bruteIP + ` firewall.block_ip {"duration_minutes":1440,"ip":"` +
					bruteIP + `","reason":"Conductor case case-bf: password guessing"}`,
				`reset-credentials/alice iam.reset_credentials {"user":"alice"}`,
			}, {
				`ticket ticket.create {"body":"Sources ` + bruteIP + `; a logon succeeded; ` +
					`score 65.","case_id":"case-bf","severity":"high",` +
					`"title":"Password guessing against alice"}`,
				`notify-soc.notify notify {"channel":"soc","message":"[HIGH] Multiple Windows ` +
					`logon failures (case case-bf, score 65)"}`,
			}},
			wantTasks: []string{
				"harden: Enforce MFA and an account lockout policy for alice",
			},
			wantVerdict: "malicious",
		},
		{
			name: "suspicious-signin",
			view: signinView,
			wantRounds: [][]string{{
				`user/david.okafor user.get {"user":"david.okafor"}`,
				`lookup-ip/198.51.100.99 intel.lookup {"kind":"ip","value":"198.51.100.99"}`,
				`user-activity/david.okafor siem.search {"limit":100,"query":"david.okafor"}`,
			}, {
				`disable/david.okafor iam.disable_account {"reason":"Conductor case case-si: ` +
					`suspicious sign-in","user":"david.okafor"}`,
			}, {
				`ticket ticket.create {"body":"Sources 198.51.100.99; highest intel ` +
					`confidence 0; score 66.","case_id":"case-si","severity":"high",` +
					`"title":"Suspicious sign-in for david.okafor"}`,
				`notify-soc.notify notify {"channel":"soc","message":"[HIGH] Console login ` +
					`from an unusual location (case case-si, score 66)"}`,
			}},
			wantTasks: []string{
				"contact-user/david.okafor: Contact david.okafor out of band to confirm the sign-in",
			},
			wantVerdict: "suspicious",
		},
		{
			name: "generic-triage",
			view: func() *agent.CaseView { return genericView(45) },
			wantRounds: [][]string{{
				`lookup-ip/192.0.2.80 intel.lookup {"kind":"ip","value":"192.0.2.80"}`,
				`lookup-domain/files.example.cloud intel.lookup ` +
					`{"kind":"domain","value":"files.example.cloud"}`,
				`asset/WEB-01 asset.get {"host":"WEB-01"}`,
				`hunt/host:WEB-01 siem.search {"limit":100,"query":"host:WEB-01"}`,
				`hunt/192.0.2.80 siem.search {"limit":100,"query":"192.0.2.80"}`,
			}, {
				`ticket ticket.create {"body":"Score 45, highest intel confidence 0, sources ` +
					`suricata.","case_id":"case-gen","severity":"medium",` +
					`"title":"ET INFO Observed DNS query to .cloud TLD"}`,
			}},
			wantVerdict: "suspicious",
		},
	}
	p := newPlanner(t, "")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := simulate(t, p, tt.view(), tt.script)
			if diff := cmp.Diff(tt.wantRounds, res.rounds); diff != "" {
				t.Errorf("rounds (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantTasks, res.tasks); diff != "" {
				t.Errorf("tasks (-want +got):\n%s", diff)
			}
			if res.final.Verdict != tt.wantVerdict {
				t.Errorf("verdict = %q, want %q", res.final.Verdict, tt.wantVerdict)
			}
		})
	}
}

func TestBenignLookalikeProposesNoContainment(t *testing.T) {
	p := newPlanner(t, "")
	res := simulate(t, p, lookalikeView(), nil)

	for _, round := range res.rounds {
		for _, line := range round {
			for _, tool := range containmentTools {
				if strings.Contains(line, " "+tool+" ") {
					t.Errorf("benign look-alike proposed %s", line)
				}
			}
		}
	}
	if res.final.Verdict != "benign" || len(res.tasks) != 0 {
		t.Errorf("final = %q with tasks %v, want benign and no tasks",
			res.final.Verdict, res.tasks)
	}
}

// TestTicketSeverity checks that a case severity the ticket tool does not take
// ("info") becomes the playbook's default.
func TestTicketSeverity(t *testing.T) {
	v := genericView(45)
	v.Case.Severity = "info"
	res := simulate(t, newPlanner(t, ""), v, nil)
	last := res.rounds[len(res.rounds)-1]
	if len(last) != 1 || !strings.Contains(last[0], `"severity":"medium"`) {
		t.Errorf("ticket round = %v, want severity medium", last)
	}
}
