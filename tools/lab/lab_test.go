package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/conductor-sec/conductor/tools"
	"github.com/google/go-cmp/cmp"
)

func TestDefault(t *testing.T) {
	org, err := Default()
	if err != nil {
		t.Fatalf("Default() = %v", err)
	}
	if org.Org.Name != "Acme Corp" || len(org.Hosts) != 16 || len(org.Users) != 12 ||
		len(org.Messages) != 4 {
		t.Errorf("Default() = %s with %d hosts, %d users, %d messages; "+
			"want Acme Corp with 16, 12, 4", org.Org.Name, len(org.Hosts), len(org.Users),
			len(org.Messages))
	}
	phish := org.Messages[0]
	if phish.From != "it-support@rnicrosoft-secure.com" ||
		!strings.Contains(phish.Subject, "password expires") ||
		!cmp.Equal(phish.To, []string{"maria.lopez", "john.chen", "priya.shah"}) {
		t.Errorf("Default() first message = %+v, want the demo phish to three users", phish)
	}
}

func TestAsset(t *testing.T) {
	l, _ := newTestLab(t, nil)
	tests := []struct {
		query, want string
	}{
		{"WS-0142", "WS-0142"},
		{"ws-0142", "WS-0142"},
		{"WS-0142.acme-corp.example", "WS-0142"},
		{"WS-0142.corp.acme-corp.example.", "WS-0142"},
		{"10.10.1.42", "WS-0142"},
		{"WORKSTATION5", "WORKSTATION5"},
		{"WORKSTATION5.theshire.local", "WORKSTATION5"},
		{"MORDORDC.theshire.local", "MORDORDC"},
		{"172.18.38.5", "MORDORDC"},
		{"::ffff:172.18.39.6", "WORKSTATION6"},
		{"WS-0142.evil.example", ""},
		{"WS-9999", ""},
		{"*", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			a, ok := l.Asset(tt.query)
			if a.Name != tt.want || ok != (tt.want != "") {
				t.Errorf("Asset(%q) = %q, %v; want %q", tt.query, a.Name, ok, tt.want)
			}
		})
	}

	dc, _ := l.Asset("DC-01")
	want := Asset{Name: "DC-01", IP: "10.0.0.10", Type: "domain_controller", Owner: "it-ops",
		Criticality: "critical", OS: "Windows Server 2022", CrownJewel: true}
	if diff := cmp.Diff(want, dc); diff != "" {
		t.Errorf("Asset(DC-01) (-want +got):\n%s", diff)
	}
}

func TestUser(t *testing.T) {
	l, _ := newTestLab(t, nil)
	tests := []struct {
		query, want string
	}{
		{"maria.lopez", "maria.lopez"},
		{"Maria.Lopez@ACME-CORP.example", "maria.lopez"},
		{`ACME\maria.lopez`, "maria.lopez"},
		{`THESHIRE\pgustavo`, "pgustavo"},
		{"pgustavo@THESHIRE.LOCAL", "pgustavo"},
		{`WORKSTATION5\wardog`, "wardog"},
		{"svc-backup", "svc-backup"},
		{"maria.lopez@evil.example", ""},
		{"mallory", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			u, ok := l.User(tt.query)
			if u.Name != tt.want || ok != (tt.want != "") {
				t.Errorf("User(%q) = %q, %v; want %q", tt.query, u.Name, ok, tt.want)
			}
		})
	}

	bg, _ := l.User("bg-admin")
	cfo, _ := l.User("david.okafor")
	if !bg.BreakGlass || bg.Role != "admin" || !cfo.VIP || cfo.Role != "executive" {
		t.Errorf("User(bg-admin), User(david.okafor) = %+v, %+v; "+
			"want break-glass admin and VIP executive", bg, cfo)
	}
}

func TestIsInternal(t *testing.T) {
	l, _ := newTestLab(t, nil)
	ips := map[string]bool{
		"10.1.2.3": true, "172.18.39.5": true, "192.168.2.5": true, "127.0.0.1": true,
		"::1": true, "8.8.8.8": false, "203.0.113.7": false, "0.0.0.0/0": true,
		"203.0.113.0/24": false, "10.0.0.0/8": true, "not-an-ip": false, "": false,
	}
	for ip, want := range ips {
		if got := l.IsInternalIP(ip); got != want {
			t.Errorf("IsInternalIP(%q) = %v, want %v", ip, got, want)
		}
	}
	domains := map[string]bool{
		"acme-corp.example": true, "mail.acme-corp.example": true, "ACME-CORP.EXAMPLE.": true,
		"theshire.local": true, "notacme-corp.example": false, "rnicrosoft-secure.com": false,
		"acme-corp.example.evil.com": false, "": false,
	}
	for d, want := range domains {
		if got := l.IsInternalDomain(d); got != want {
			t.Errorf("IsInternalDomain(%q) = %v, want %v", d, got, want)
		}
	}
}

func TestAllowListed(t *testing.T) {
	l, _ := newTestLab(t, nil)
	tests := []struct {
		kind, value string
		want        bool
	}{
		{"ip", "8.8.8.8", true},
		{"ip", "10.20.0.50", true},
		{"ip", "8.8.8.0/24", false},
		{"ip", "8.8.4.4", false},
		{"domain", "login.microsoft.com", true},
		{"domain", "GitHub.com", true},
		{"domain", "rnicrosoft-secure.com", false},
		{"domain", "microsoft.com.evil.example", false},
		{"email", "IT-Helpdesk@acme-corp.example", true},
		{"email", "it-support@rnicrosoft-secure.com", false},
		{"url", "https://github.com/acme/website", true},
		{"url", "https://rnicrosoft-secure.com/o365/renew", false},
		{"hash", "44D88612FEA8A8F36DE82E1278ABB02F", true},
		{"hash", "6b18731a752231eb855991e446da8639d32eb4953a7f89b79a33e5be4aebd59b", false},
	}
	for _, tt := range tests {
		t.Run(tt.kind+"/"+tt.value, func(t *testing.T) {
			if got := l.AllowListed(tt.kind, tt.value); got != tt.want {
				t.Errorf("AllowListed(%s, %s) = %v, want %v", tt.kind, tt.value, got, tt.want)
			}
		})
	}
}

func TestIdempotency(t *testing.T) {
	tests := []struct {
		tool, args string
		effects    func(Snapshot) int
	}{
		{"edr.isolate_host", `{"host":"LT-0077"}`, func(s Snapshot) int { return len(s.Isolated) }},
		{"iam.reset_credentials", `{"user":"john.chen"}`,
			func(s Snapshot) int { return len(s.CredentialResets) }},
		{"ticket.create", `{"title":"t","severity":"low"}`,
			func(s Snapshot) int { return len(s.Tickets) }},
		{"notify", `{"channel":"email","message":"m"}`,
			func(s Snapshot) int { return len(s.Notifications) }},
		{"mail.quarantine", `{"message_id":"m-1003"}`,
			func(s Snapshot) int { return len(s.Quarantined) }},
	}
	for _, tt := range tests {
		t.Run(tt.tool, func(t *testing.T) {
			l, _ := newTestLab(t, nil)
			first, err := run(t, l, tt.tool, tt.args, "key-1")
			if err != nil {
				t.Fatal(err)
			}
			second, err := run(t, l, tt.tool, tt.args, "key-1")
			if err != nil {
				t.Fatal(err)
			}

			if first.Replayed || !second.Replayed {
				t.Errorf("Replayed = %v then %v, want false then true", first.Replayed,
					second.Replayed)
			}
			if string(first.Output) != string(second.Output) || first.Summary != second.Summary {
				t.Errorf("replayed result = %s %q, want %s %q", second.Output, second.Summary,
					first.Output, first.Summary)
			}
			if n := tt.effects(state(t, l)); n != 1 || l.CallCount("key-1") != 1 ||
				l.Replays("key-1") != 1 {
				t.Errorf("effects, CallCount, Replays = %d, %d, %d; want 1, 1, 1",
					n, l.CallCount("key-1"), l.Replays("key-1"))
			}
		})
	}
}

func TestIdempotencyMisuse(t *testing.T) {
	l, _ := newTestLab(t, nil)
	if _, err := run(t, l, "edr.isolate_host", `{"host":"WS-0142"}`, "k"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, tool, args, key string
		want                  error
	}{
		{"other args", "edr.isolate_host", `{"host":"WS-0158"}`, "k", ErrKeyReuse},
		{"other tool", "edr.release_host", `{"host":"WS-0142"}`, "k", ErrKeyReuse},
		{"no key", "edr.isolate_host", `{"host":"WS-0142"}`, "", ErrNoKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := run(t, l, tt.tool, tt.args, tt.key); !errors.Is(err, tt.want) {
				t.Errorf("%s(%s, key %q) = %v, want %v", tt.tool, tt.args, tt.key, err, tt.want)
			}
		})
	}

	// Reformatted arguments are the same call.
	res, err := run(t, l, "edr.isolate_host", `{ "host" : "WS-0142" }`, "k")
	if err != nil || !res.Replayed {
		t.Errorf("isolate_host(reformatted) = %v, %v; want a replay", res.Replayed, err)
	}
	// A failed call does not use up its key.
	if _, err := run(t, l, "edr.isolate_host", `{"host":"nope"}`, "k2"); err == nil {
		t.Fatal("isolate_host(nope) succeeded")
	}
	if n := l.CallCount("k2"); n != 0 {
		t.Errorf("CallCount(k2) after failure = %d, want 0", n)
	}
}

func TestConcurrentSameKey(t *testing.T) {
	l, _ := newTestLab(t, nil)
	const n = 8
	var wg sync.WaitGroup
	replayed := make([]bool, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			res, err := run(t, l, "ticket.create", `{"title":"race","severity":"low"}`, "same")
			replayed[i], errs[i] = res.Replayed, err
		})
	}
	wg.Wait()

	fresh := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("call %d: %v", i, errs[i])
		}
		if !replayed[i] {
			fresh++
		}
	}
	if got := len(state(t, l).Tickets); fresh != 1 || got != 1 {
		t.Errorf("fresh results, tickets = %d, %d; want 1, 1", fresh, got)
	}
}

// TestRestart checks that state and idempotency survive closing the
// database and building a new Lab on it (T9).
func TestRestart(t *testing.T) {
	ctx := context.Background()
	path := dbPath(t)
	c := newClock()
	db := openDB(t, path)
	l1, err := New(ctx, Config{DB: db, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct{ tool, args, key string }{
		{"edr.isolate_host", `{"host":"WS-0142"}`, "k-iso"},
		{"firewall.block_domain", `{"domain":"rnicrosoft-secure.com"}`, "k-dom"},
		{"iam.disable_account", `{"user":"maria.lopez"}`, "k-dis"},
		{"ticket.create", `{"title":"t","severity":"high"}`, "k-tkt"},
	} {
		if _, err := run(t, l1, s.tool, s.args, s.key); err != nil {
			t.Fatal(err)
		}
	}
	before := state(t, l1)
	db.Close()

	l2, err := New(ctx, Config{DB: openDB(t, path), Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, state(t, l2)); diff != "" {
		t.Errorf("State() after restart (-before +after):\n%s", diff)
	}
	res, err := run(t, l2, "ticket.create", `{"title":"t","severity":"high"}`, "k-tkt")
	if err != nil || !res.Replayed || !strings.Contains(string(res.Output), "TKT-0001") {
		t.Errorf("ticket.create(k-tkt) after restart = %s, %v, %v; want replay of TKT-0001",
			res.Output, res.Replayed, err)
	}
	if a, _ := l2.Asset("WS-0142"); !a.Isolated {
		t.Errorf("Asset(WS-0142).Isolated after restart = false, want true")
	}
}

func TestFaults(t *testing.T) {
	l, _ := newTestLab(t, func(c *Config) {
		c.Faults = map[string]Fault{
			"edr.isolate_host":  {Transient: 2},
			"firewall.block_ip": {Permanent: true},
			"ticket.create":     {AfterEffect: 1},
		}
	})

	for i := 1; i <= 2; i++ {
		_, err := run(t, l, "edr.isolate_host", `{"host":"WS-0142"}`, "iso")
		if !errors.Is(err, tools.ErrTransient) {
			t.Errorf("isolate_host attempt %d = %v, want ErrTransient", i, err)
		}
	}
	if _, err := run(t, l, "edr.isolate_host", `{"host":"WS-0142"}`, "iso"); err != nil {
		t.Errorf("isolate_host attempt 3 = %v, want success", err)
	}

	for i := 1; i <= 3; i++ {
		_, err := run(t, l, "firewall.block_ip", `{"ip":"203.0.113.7"}`)
		if !errors.Is(err, ErrInjected) || errors.Is(err, tools.ErrTransient) {
			t.Errorf("block_ip attempt %d = %v, want permanent ErrInjected", i, err)
		}
	}

	// The reply of the first ticket.create is lost after it took effect; the
	// retry with the same key must not open a second ticket.
	_, err := run(t, l, "ticket.create", `{"title":"t","severity":"low"}`, "tkt")
	if !errors.Is(err, tools.ErrTransient) {
		t.Fatalf("ticket.create attempt 1 = %v, want ErrTransient", err)
	}
	res, err := run(t, l, "ticket.create", `{"title":"t","severity":"low"}`, "tkt")
	if err != nil || !res.Replayed {
		t.Errorf("ticket.create attempt 2 = %v, %v; want a replay", res.Replayed, err)
	}

	s := state(t, l)
	if len(s.Isolated) != 1 || len(s.BlockedIPs) != 0 || len(s.Tickets) != 1 ||
		l.CallCount("tkt") != 1 {
		t.Errorf("isolated, blocked, tickets, CallCount(tkt) = %d, %d, %d, %d; want 1, 0, 1, 1",
			len(s.Isolated), len(s.BlockedIPs), len(s.Tickets), l.CallCount("tkt"))
	}
}

func TestUserFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mylab.yaml")
	data := `org:
  name: Tiny Ltd
  domains: [tiny.example]
hosts:
  - name: SRV-1
    ip: 10.9.0.1
    type: server
    criticality: low
users:
  - name: ann
    email: ann@tiny.example
    role: admin
`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	l, _ := newTestLab(t, func(c *Config) { c.File = path })

	if _, ok := l.Asset("WS-0142"); ok {
		t.Errorf("Asset(WS-0142) found in the user's lab, want only its own hosts")
	}
	if a, ok := l.Asset("srv-1.tiny.example"); !ok || a.IP != "10.9.0.1" {
		t.Errorf("Asset(srv-1.tiny.example) = %+v, %v; want SRV-1 at 10.9.0.1", a, ok)
	}
	if !l.IsInternalIP("192.168.1.1") || l.IsInternalDomain("acme-corp.example") {
		t.Errorf("user lab internal checks wrong: RFC 1918 must stay internal, Acme must not be")
	}
	if got := len(l.Tools()); got != 19 {
		t.Errorf("len(Tools()) = %d, want 19", got)
	}
}

func TestNewErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := New(ctx, Config{}); err == nil {
		t.Errorf("New(no DB) = nil error, want one")
	}
	db := openDB(t, dbPath(t))
	_, err := New(ctx, Config{DB: db, File: filepath.Join(t.TempDir(), "missing.yaml")})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("New(missing file) = %v, want os.ErrNotExist", err)
	}
	_, err = New(ctx, Config{DB: db, Org: &Org{}})
	if !errors.Is(err, ErrInvalidLab) || !strings.Contains(err.Error(), "org.name") {
		t.Errorf("New(empty Org) = %v, want ErrInvalidLab naming org.name", err)
	}
}

func TestToolsSorted(t *testing.T) {
	l, _ := newTestLab(t, nil)
	var names []string
	for _, tl := range l.Tools() {
		names = append(names, tl.Spec().Name)
	}
	want := []string{"asset.get", "edr.isolate_host", "edr.release_host",
		"firewall.block_domain", "firewall.block_ip", "firewall.unblock_domain",
		"firewall.unblock_ip", "iam.disable_account", "iam.enable_account",
		"iam.reset_credentials", "intel.lookup", "mail.quarantine", "mail.release",
		"mail.search", "notify", "siem.search", "ticket.create", "ticket.update", "user.get"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("Tools() names (-want +got):\n%s", diff)
	}

	doc, err := os.ReadFile("../../docs/lab.md")
	if err != nil {
		t.Fatalf("reading docs/lab.md: %v", err)
	}
	for _, n := range names {
		if !strings.Contains(string(doc), "`"+n+"`") {
			t.Errorf("docs/lab.md does not document `%s`", n)
		}
	}
}

func BenchmarkIsolateHost(b *testing.B) {
	l, _ := newTestLab(b, nil)
	isolate := tool(b, l, "edr.isolate_host")
	ctx := context.Background()
	args := json.RawMessage(`{"host":"WS-0142","reason":"bench"}`)
	for i := 0; b.Loop(); i++ {
		_, err := isolate.Invoke(ctx, tools.Call{Tool: "edr.isolate_host", Args: args,
			IdempotencyKey: fmt.Sprintf("bench-%d", i), CaseID: "case-1"})
		if err != nil {
			b.Fatal(err)
		}
	}
}
