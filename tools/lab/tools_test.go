package lab

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/conductor-sec/conductor/tools"
	"github.com/google/go-cmp/cmp"
)

func TestEDR(t *testing.T) {
	l, _ := newTestLab(t, nil)
	runSteps(t, l, []step{
		{name: "isolate", tool: "edr.isolate_host", args: `{"host":"WS-0142","reason":"beacon"}`,
			summary: "isolated WS-0142 (10.10.1.42) from the network",
			out:     `{"host":"WS-0142","ip":"10.10.1.42","isolated":true,"changed":true}`},
		{name: "isolate again by ip", tool: "edr.isolate_host", args: `{"host":"10.10.1.42"}`,
			summary: "WS-0142 was already isolated", out: `"changed":false`},
		{name: "isolate corpus fqdn", tool: "edr.isolate_host",
			args:    `{"host":"WORKSTATION6.theshire.local"}`,
			summary: "isolated WORKSTATION6 (172.18.39.6) from the network"},
		{name: "release", tool: "edr.release_host", args: `{"host":"ws-0142"}`,
			summary: "released WS-0142 (10.10.1.42) from isolation", out: `"isolated":false`},
		{name: "release again", tool: "edr.release_host", args: `{"host":"WS-0142"}`,
			summary: "WS-0142 was not isolated"},
		{name: "unknown host", tool: "edr.isolate_host", args: `{"host":"WS-9999"}`,
			err: ErrNotFound, errText: `unknown host "WS-9999": not in the lab inventory`},
		{name: "wildcard host", tool: "edr.isolate_host", args: `{"host":"*"}`,
			err: ErrNotFound, errText: `unknown host "*"`},
		{name: "outside fqdn", tool: "edr.isolate_host", args: `{"host":"WS-0142.evil.example"}`,
			err: ErrNotFound, errText: "not in the lab inventory"},
	})

	want := []Isolation{{Host: "WORKSTATION6", CaseID: "case-1", At: t0}}
	if diff := cmp.Diff(want, state(t, l).Isolated); diff != "" {
		t.Errorf("State().Isolated (-want +got):\n%s", diff)
	}
	if a, _ := l.Asset("workstation6"); !a.Isolated {
		t.Errorf("Asset(workstation6).Isolated = false, want true")
	}
}

func TestFirewall(t *testing.T) {
	l, c := newTestLab(t, nil)
	runSteps(t, l, []step{
		{name: "address", tool: "firewall.block_ip", args: `{"ip":"203.0.113.7","reason":"c2"}`,
			summary: "blocked ip 203.0.113.7", out: `"value":"203.0.113.7","blocked":true`},
		{name: "same address as /32", tool: "firewall.block_ip", args: `{"ip":"203.0.113.7/32"}`,
			summary: "ip 203.0.113.7 was already blocked"},
		{name: "mapped v6", tool: "firewall.block_ip", args: `{"ip":"::ffff:203.0.113.7"}`,
			summary: "ip 203.0.113.7 was already blocked"},
		{name: "network with expiry", tool: "firewall.block_ip",
			args:    `{"ip":"198.51.100.0/24","duration_minutes":30}`,
			summary: "blocked ip 198.51.100.0/24", out: `"expires_at":"2024-05-14T09:30:00Z"`},
		{name: "everything parses; policy decides breadth", tool: "firewall.block_ip",
			args: `{"ip":"0.0.0.0/0"}`, summary: "blocked ip 0.0.0.0/0"},
		{name: "unblock everything", tool: "firewall.unblock_ip", args: `{"ip":"0.0.0.0/0"}`,
			summary: "unblocked ip 0.0.0.0/0"},
		{name: "star", tool: "firewall.block_ip", args: `{"ip":"*"}`,
			err: tools.ErrInvalidArgs, errText: `"*" is not an IP address or CIDR network`},
		{name: "host bits", tool: "firewall.block_ip", args: `{"ip":"10.0.0.5/8"}`,
			err:     tools.ErrInvalidArgs,
			errText: "10.0.0.5/8 has host bits set; did you mean 10.0.0.0/8 or 10.0.0.5?"},
		{name: "octet overflow", tool: "firewall.block_ip", args: `{"ip":"300.1.1.1"}`,
			err: tools.ErrInvalidArgs, errText: `"300.1.1.1" is not an IP address`},
		{name: "zone", tool: "firewall.block_ip", args: `{"ip":"fe80::1%eth0"}`,
			err: tools.ErrInvalidArgs, errText: "is not an IP address"},
		{name: "domain", tool: "firewall.block_domain",
			args:    `{"domain":"RNICROSOFT-SECURE.com."}`,
			summary: "blocked domain rnicrosoft-secure.com"},
		{name: "wildcard domain", tool: "firewall.block_domain", args: `{"domain":"*.evil.com"}`,
			err: tools.ErrInvalidArgs, errText: `label "*" is invalid`},
		{name: "address as domain", tool: "firewall.block_domain", args: `{"domain":"10.0.0.1"}`,
			err: tools.ErrInvalidArgs, errText: "is an address, not a domain name"},
		{name: "unblock missing domain", tool: "firewall.unblock_domain",
			args: `{"domain":"example.org"}`, summary: "domain example.org was not blocked"},
	})

	s := state(t, l)
	wantIPs := []Block{
		{Value: "198.51.100.0/24", CaseID: "case-1", At: t0, ExpiresAt: t0.Add(30 * time.Minute)},
		{Value: "203.0.113.7", Reason: "c2", CaseID: "case-1", At: t0},
	}
	if diff := cmp.Diff(wantIPs, s.BlockedIPs); diff != "" {
		t.Errorf("State().BlockedIPs (-want +got):\n%s", diff)
	}
	wantDomains := []Block{{Value: "rnicrosoft-secure.com", CaseID: "case-1", At: t0}}
	if diff := cmp.Diff(wantDomains, s.BlockedDomains); diff != "" {
		t.Errorf("State().BlockedDomains (-want +got):\n%s", diff)
	}

	c.Advance(31 * time.Minute)
	if got := len(state(t, l).BlockedIPs); got != 1 {
		t.Errorf("len(State().BlockedIPs) after expiry = %d, want 1", got)
	}
	res, err := run(t, l, "firewall.block_ip", `{"ip":"198.51.100.0/24"}`)
	if err != nil || res.Summary != "blocked ip 198.51.100.0/24" {
		t.Errorf("block_ip(expired network) = %q, %v; want renewed block", res.Summary, err)
	}
}

func TestIAM(t *testing.T) {
	l, _ := newTestLab(t, nil)
	runSteps(t, l, []step{
		{name: "disable", tool: "iam.disable_account",
			args:    `{"user":"maria.lopez@acme-corp.example","reason":"phished"}`,
			summary: "disabled account maria.lopez", out: `"disabled":true,"changed":true`},
		{name: "disable again", tool: "iam.disable_account", args: `{"user":"ACME\\maria.lopez"}`,
			summary: "account maria.lopez was already disabled"},
		{name: "disable corpus upn", tool: "iam.disable_account",
			args: `{"user":"pgustavo@THESHIRE.LOCAL"}`, summary: "disabled account pgustavo"},
		{name: "enable", tool: "iam.enable_account", args: `{"user":"pgustavo"}`,
			summary: "enabled account pgustavo"},
		{name: "reset", tool: "iam.reset_credentials", args: `{"user":"maria.lopez"}`,
			summary: "reset credentials of maria.lopez and revoked its sessions",
			out:     `"credentials_reset":true,"sessions_revoked":true,"resets":1`},
		{name: "reset twice", tool: "iam.reset_credentials", args: `{"user":"maria.lopez"}`,
			out: `"resets":2`, summary: "reset credentials of maria.lopez and revoked its sessions"},
		{name: "unknown", tool: "iam.disable_account", args: `{"user":"mallory"}`,
			err: ErrNotFound, errText: `unknown user "mallory"`},
		{name: "foreign domain", tool: "iam.disable_account",
			args: `{"user":"maria.lopez@evil.example"}`, err: ErrNotFound, errText: "unknown user"},
	})

	s := state(t, l)
	wantDisabled := []Disablement{{User: "maria.lopez", Reason: "phished", CaseID: "case-1", At: t0}}
	if diff := cmp.Diff(wantDisabled, s.Disabled); diff != "" {
		t.Errorf("State().Disabled (-want +got):\n%s", diff)
	}
	if len(s.CredentialResets) != 2 || s.CredentialResets[0].User != "maria.lopez" {
		t.Errorf("State().CredentialResets = %+v, want 2 resets of maria.lopez", s.CredentialResets)
	}
	if u, _ := l.User("maria.lopez"); !u.Disabled {
		t.Errorf("User(maria.lopez).Disabled = false, want true")
	}
}

func TestMail(t *testing.T) {
	l, _ := newTestLab(t, nil)
	const phish = `"sender":"it-support@rnicrosoft-secure.com",` +
		`"subject":"Your password expires today - action required"`
	runSteps(t, l, []step{
		{name: "by sender domain", tool: "mail.search", args: `{"sender":"rnicrosoft-secure.com"}`,
			summary: "3 messages match", out: `"message_id":"m-1001:maria.lopez"`},
		{name: "by subject", tool: "mail.search", args: `{"subject":"PASSWORD EXPIRES"}`,
			summary: "3 messages match"},
		{name: "by url", tool: "mail.search", args: `{"url":"rnicrosoft-secure.com/o365"}`,
			summary: "3 messages match"},
		{name: "by recipient", tool: "mail.search", args: `{"recipient":"maria.lopez"}`,
			summary: "2 messages match"},
		{name: "combined", tool: "mail.search",
			args: `{"sender":"it-support@rnicrosoft-secure.com","recipient":"john.chen"}`,
			out:  `"mailbox":"john.chen"`, summary: "1 messages match"},
		{name: "quarantine by sender and subject", tool: "mail.quarantine", args: `{` + phish + `}`,
			summary: "quarantined 3 of 3 matching messages (0 already held)"},
		{name: "search shows quarantine", tool: "mail.search",
			args: `{"recipient":"priya.shah"}`, out: `"quarantined":true`, summary: "1 messages match"},
		{name: "release one copy", tool: "mail.release", args: `{"message_id":"m-1001:john.chen"}`,
			summary: "released 1 of 1 matching messages"},
		{name: "quarantine whole message", tool: "mail.quarantine", args: `{"message_id":"m-1001"}`,
			summary: "quarantined 1 of 3 matching messages (2 already held)"},
		{name: "both selectors", tool: "mail.quarantine",
			args: `{"message_id":"m-1001",` + phish + `}`,
			err:  tools.ErrInvalidArgs, errText: "not both"},
		{name: "sender only", tool: "mail.quarantine", args: `{"sender":"a@b.example"}`,
			err: tools.ErrInvalidArgs, errText: "both sender and subject"},
		{name: "no match", tool: "mail.quarantine", args: `{"message_id":"m-9"}`,
			err: ErrNotFound, errText: "use mail.search"},
	})

	var ids []string
	for _, q := range state(t, l).Quarantined {
		ids = append(ids, q.MessageID)
	}
	want := []string{"m-1001:john.chen", "m-1001:maria.lopez", "m-1001:priya.shah"}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("State().Quarantined ids (-want +got):\n%s", diff)
	}
}

func TestTicketsAndNotify(t *testing.T) {
	l, c := newTestLab(t, nil)
	runSteps(t, l, []step{
		{name: "create", tool: "ticket.create",
			args:    `{"title":"Phishing wave","severity":"high","body":"3 recipients"}`,
			summary: "opened TKT-0001 (high): Phishing wave", out: `"ticket_id":"TKT-0001"`},
		{name: "create with case", tool: "ticket.create",
			args:    `{"title":"Other","severity":"low","case_id":"case-9"}`,
			summary: "opened TKT-0002 (low): Other"},
		{name: "update", tool: "ticket.update",
			args:    `{"ticket_id":"TKT-0001","status":"resolved","comment":"all quarantined"}`,
			summary: "updated TKT-0001 (status resolved)"},
		{name: "comment only", tool: "ticket.update",
			args:    `{"ticket_id":"TKT-0002","comment":"looking"}`,
			summary: "updated TKT-0002 (status open)"},
		{name: "unknown ticket", tool: "ticket.update",
			args: `{"ticket_id":"TKT-0099","status":"closed"}`,
			err:  ErrNotFound, errText: "no ticket TKT-0099"},
		{name: "notify", tool: "notify",
			args:    `{"channel":"chat","message":"phish contained","to":"soc-leads"}`,
			summary: "sent a notification on chat to soc-leads", out: `"notification_id":1`},
	})
	_ = c

	s := state(t, l)
	wantTickets := []Ticket{
		{ID: "TKT-0001", Title: "Phishing wave", Severity: "high", Status: "resolved",
			CaseID: "case-1", Body: "3 recipients",
			Comments:  []Comment{{Text: "all quarantined", At: t0}},
			CreatedAt: t0, UpdatedAt: t0},
		{ID: "TKT-0002", Title: "Other", Severity: "low", Status: "open", CaseID: "case-9",
			Comments: []Comment{{Text: "looking", At: t0}}, CreatedAt: t0, UpdatedAt: t0},
	}
	if diff := cmp.Diff(wantTickets, s.Tickets); diff != "" {
		t.Errorf("State().Tickets (-want +got):\n%s", diff)
	}
	wantNotes := []Notification{{ID: 1, Channel: "chat", To: "soc-leads",
		Message: "phish contained", CaseID: "case-1", At: t0}}
	if diff := cmp.Diff(wantNotes, s.Notifications); diff != "" {
		t.Errorf("State().Notifications (-want +got):\n%s", diff)
	}
}

// fakeIntel knows one bad domain.
type fakeIntel struct{}

func (fakeIntel) Lookup(kind, value string) []IntelMatch {
	if kind == "domain" && value == "rnicrosoft-secure.com" {
		return []IntelMatch{{Source: "test-feed", Threat: "phishing", Confidence: 90,
			Tags: []string{"credential-harvest"}}}
	}
	return nil
}

// fakeSearch records its arguments.
type fakeSearch struct {
	q            string
	limit        int
	since, until time.Time
}

func (f *fakeSearch) Search(_ context.Context, q string, limit int, since, until time.Time) (
	SearchResult, error) {
	f.q, f.limit, f.since, f.until = q, limit, since, until
	return SearchResult{Total: 42, Events: []json.RawMessage{json.RawMessage(`{"EventID":4624}`)}}, nil
}

func TestLookupsUnconfigured(t *testing.T) {
	l, _ := newTestLab(t, nil)
	if _, err := run(t, l, "iam.disable_account", `{"user":"bg-admin"}`); err != nil {
		t.Fatal(err)
	}
	runSteps(t, l, []step{
		{name: "intel", tool: "intel.lookup", args: `{"kind":"domain","value":"github.com"}`,
			summary: "no intel configured", out: `"configured":false,"allow_listed":true`},
		{name: "siem", tool: "siem.search", args: `{"query":"EventID:4624"}`,
			summary: "no telemetry loaded", out: `"configured":false,"total":0`},
		{name: "asset", tool: "asset.get", args: `{"host":"DB-FIN-01"}`,
			summary: "DB-FIN-01 is a critical database owned by finance-it",
			out:     `"crown_jewel":true,"isolated":false`},
		{name: "unknown asset", tool: "asset.get", args: `{"host":"WS-9999"}`,
			summary: `no host "WS-9999" in the inventory`, out: `{"known":false,"query":"WS-9999"}`},
		{name: "break-glass user", tool: "user.get", args: `{"user":"bg-admin"}`,
			summary: "bg-admin (admin, IT)", out: `"break_glass":true,"disabled":true`},
		{name: "user hosts", tool: "user.get", args: `{"user":"THESHIRE\\pgustavo"}`,
			summary: "pgustavo (employee, Engineering)", out: `"hosts":["WORKSTATION5"]`},
		{name: "unknown user", tool: "user.get", args: `{"user":"mallory"}`,
			summary: `no user "mallory" in the directory`},
	})
}

func TestLookupsConfigured(t *testing.T) {
	fs := &fakeSearch{}
	l, _ := newTestLab(t, func(c *Config) { c.Intel, c.Search = fakeIntel{}, fs })
	runSteps(t, l, []step{
		{name: "intel hit", tool: "intel.lookup",
			args:    `{"kind":"domain","value":"rnicrosoft-secure.com"}`,
			summary: "1 intel matches for domain rnicrosoft-secure.com",
			out:     `"matches":[{"source":"test-feed","threat":"phishing","confidence":90`},
		{name: "intel miss", tool: "intel.lookup", args: `{"kind":"ip","value":"8.8.8.8"}`,
			summary: "0 intel matches for ip 8.8.8.8", out: `"matches":[]`},
		{name: "siem", tool: "siem.search",
			args:    `{"query":"Hostname:WORKSTATION5","since":"2020-10-18T00:00:00Z"}`,
			summary: "42 events match, 1 returned", out: `"events":[{"EventID":4624}]`},
		{name: "siem bad window", tool: "siem.search",
			args: `{"query":"x","since":"2024-05-02T00:00:00Z","until":"2024-05-01T00:00:00Z"}`,
			err:  tools.ErrInvalidArgs, errText: "is before since"},
	})
	want := fakeSearch{q: "x", limit: 100, since: time.Date(2020, 10, 18, 0, 0, 0, 0, time.UTC)}
	want.q = "Hostname:WORKSTATION5"
	if fs.q != want.q || fs.limit != want.limit || !fs.since.Equal(want.since) ||
		!fs.until.IsZero() {
		t.Errorf("Search got (%q, %d, %v, %v), want (%q, 100, %v, zero)",
			fs.q, fs.limit, fs.since, fs.until, want.q, want.since)
	}
}

// TestSchemas runs every lab tool through the registry, which checks names,
// risks and schemas, then checks that bad calls are refused with the field
// named (T3).
func TestSchemas(t *testing.T) {
	l, _ := newTestLab(t, nil)
	r := tools.NewRegistry(tools.RegistryConfig{})
	for _, tl := range l.Tools() {
		if err := r.Register(tl); err != nil {
			t.Fatalf("Register(%s) = %v", tl.Spec().Name, err)
		}
	}
	for _, s := range r.Specs() {
		if _, ok := r.Spec(s.Undo); s.Reversible && !ok {
			t.Errorf("%s undo %q is not a lab tool", s.Name, s.Undo)
		}
		if s.Risk == tools.RiskContain && !s.Reversible {
			t.Errorf("%s is containment but not reversible", s.Name)
		}
	}
	if _, ok := r.Spec(""); ok || len(r.Specs()) != 19 {
		t.Errorf("len(Specs()) = %d, want 19", len(r.Specs()))
	}

	tests := []struct {
		tool, args, want string
	}{
		{"edr.isolate_host", `{"host":"WS-0142","all":true}`,
			`unknown field "all"; allowed fields are host, reason`},
		{"edr.isolate_host", `{"host":`, "not valid JSON"},
		{"edr.isolate_host", `{"host":["WS-0142","DC-01"]}`, `field "host" must be string, not array`},
		{"edr.isolate_host", `{}`, `missing required field "host"`},
		{"firewall.block_ip", `{"ip":"1.2.3.4","duration_minutes":"10"}`,
			`field "duration_minutes" must be integer, not string`},
		{"ticket.create", `{"title":"x","severity":"urgent"}`,
			`field "severity": value must be one of 'low', 'medium', 'high', 'critical'`},
		{"ticket.update", `{"ticket_id":"TKT-1; DROP TABLE","status":"closed"}`,
			`field "ticket_id"`},
		{"mail.quarantine", `{"reason":"x"}`, `missing required field "message_id", or`},
		{"siem.search", `{"query":"x","since":"yesterday"}`,
			`field "since" must be a valid date-time, got "yesterday"`},
		{"intel.lookup", `{"kind":"file","value":"x"}`, `field "kind"`},
		// A channel is a name: an address or a URL would send case data out.
		{"notify", `{"channel":"exfil@evil.example","message":"x"}`, `field "channel"`},
		{"notify", `{"channel":"https://hooks.example/x","message":"x"}`, `field "channel"`},
	}
	for _, tt := range tests {
		t.Run(tt.tool+"/"+tt.args, func(t *testing.T) {
			err := r.Validate(tt.tool, json.RawMessage(tt.args))
			if !errors.Is(err, tools.ErrInvalidArgs) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate(%s, %s) = %v, want ErrInvalidArgs containing %q",
					tt.tool, tt.args, err, tt.want)
			}
		})
	}
}

// TestDirectCallStrict checks that a tool called without the registry still
// refuses unknown fields.
func TestDirectCallStrict(t *testing.T) {
	l, _ := newTestLab(t, nil)
	_, err := run(t, l, "edr.isolate_host", `{"host":"WS-0142","scope":"all"}`)
	if !errors.Is(err, tools.ErrInvalidArgs) || !strings.Contains(err.Error(), `"scope"`) {
		t.Errorf("isolate_host(scope) = %v, want ErrInvalidArgs naming scope", err)
	}
	if n := len(state(t, l).Isolated); n != 0 {
		t.Errorf("isolations after refused call = %d, want 0", n)
	}
}
