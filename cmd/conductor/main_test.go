package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// run executes the root command in-process, as the binary would.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCmd()
	var out, errb bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, err := run(t, args...)
	if err != nil {
		t.Fatalf("conductor %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// TestDemo is the README's first command: cases, verdicts and held approvals
// shown, the audit chain intact.
func TestDemo(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	out := mustRun(t, "demo", "--db", db)

	for _, want := range []string{
		"CASE-000001  suricata    malicious",
		"contained",
		"Held for human approval:",
		"edr.isolate_host {\"host\":\"WORKSTATION5\"",
		"Audit chain intact:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}

	// An analyst approves the held isolation of WORKSTATION5; it runs once.
	var aps []struct {
		ID, Tool string
		Args     map[string]any
	}
	if err := json.Unmarshal([]byte(mustRun(t, "--db", db, "approvals", "--json")),
		&aps); err != nil {
		t.Fatal(err)
	}
	id := ""
	for _, ap := range aps {
		if ap.Tool == "edr.isolate_host" && ap.Args["host"] == "WORKSTATION5" {
			id = ap.ID
		}
	}
	if id == "" {
		t.Fatalf("no pending approval to isolate WORKSTATION5 in %+v", aps)
	}
	out = mustRun(t, "--db", db, "approve", id, "--as", "lee", "--role", "analyst",
		"--note", "EDR confirms")
	if !strings.Contains(out, id+" used: edr.isolate_host") ||
		!strings.Contains(out, "is executed") {
		t.Errorf("approve output = %q, want the isolation executed", out)
	}
	if _, err := run(t, "--db", db, "approve", id, "--as", "lee", "--role",
		"analyst"); err == nil {
		t.Errorf("second approval of %s succeeded, want a refusal", id)
	}
}

// TestInvestigateJSON checks the --json contract of `investigate`.
func TestInvestigateJSON(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	out := mustRun(t, "--db", db, "investigate", "--json",
		"../../internal/ingest/email/testdata/demo-phish.eml")

	var doc struct {
		Case struct {
			ID, Verdict, Severity string
			Techniques            []string
			Flags                 []string
		}
		Steps []struct {
			Tool, Actor, Decision, Status string
			Args                          map[string]any
			Reasons                       []string
		}
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &doc); err != nil {
		t.Fatalf("investigate --json printed %q: %v", out, err)
	}
	if doc.Case.ID != "CASE-000001" || doc.Case.Verdict != "malicious" ||
		doc.Case.Severity == "" {
		t.Errorf("case = %+v, want CASE-000001 malicious with a severity", doc.Case)
	}
	if strings.Join(doc.Case.Techniques, ",") != "T1566,T1566.001,T1566.002" {
		t.Errorf("techniques = %v, want T1566, T1566.001, T1566.002", doc.Case.Techniques)
	}
	if len(doc.Case.Flags) == 0 || doc.Case.Flags[0] != "suspected_injection" {
		t.Errorf("flags = %v, want suspected_injection (the body instructs the agent)",
			doc.Case.Flags)
	}
	statuses := map[string]string{}
	for _, s := range doc.Steps {
		if s.Actor != "agent:playbook" || s.Decision == "" || len(s.Reasons) == 0 {
			t.Errorf("step %+v lacks actor, decision or reasons", s)
		}
		statuses[s.Tool] = s.Status
	}
	want := map[string]string{
		"intel.lookup": "executed", "mail.search": "executed",
		"mail.quarantine": "held", "ticket.create": "executed",
	}
	for tool, st := range want {
		if statuses[tool] != st {
			t.Errorf("%s status = %q, want %q", tool, statuses[tool], st)
		}
	}
}

// TestAuditVerifyNamesBrokenLink is threat T11 through the CLI: an edited row
// is found, named, and the command exits 3.
func TestAuditVerifyNamesBrokenLink(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	mustRun(t, "--db", db, "investigate", "../../internal/demo/samples/alerts/"+
		"02-elastic-lsass.json")
	if out := mustRun(t, "--db", db, "audit", "verify"); !regexp.MustCompile(
		`audit chain intact: \d+ steps verified`).MatchString(out) {
		t.Fatalf("audit verify = %q, want intact", out)
	}

	sqldb, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	_, err = sqldb.Exec(`UPDATE steps SET summary = 'nothing happened' WHERE seq = 4`)
	sqldb.Close()
	if err != nil {
		t.Fatal(err)
	}

	out, err := run(t, "--db", db, "audit", "verify")
	var ec exitCodeError
	if !errors.As(err, &ec) || ec.code != 3 {
		t.Errorf("audit verify on a tampered chain: error %v, want exit code 3", err)
	}
	if !strings.Contains(out, "BROKEN at step 4") {
		t.Errorf("audit verify = %q, want it to name step 4", out)
	}
}

// TestBadInputNamesFile: an unreadable alert file gives an error naming it and
// stores nothing; a bad record in a batch loses none of the good ones.
func TestBadInputNamesFile(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "c.db")
	_, err := run(t, "--db", db, "investigate", filepath.Join(dir, "missing.json"))
	if err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("investigate missing.json error = %v, want the file named", err)
	}
}

// TestRecordCommandsNeedADatabase: a mistyped --db is an error naming the
// path, not an empty record reported as an intact chain of zero steps.
func TestRecordCommandsNeedADatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "typo", "conductor.db")
	for _, args := range [][]string{
		{"audit", "verify"}, {"cases"}, {"approvals"}, {"timers"},
		{"logs", "search", "lsass"}, {"policy", "replay", "--policy", "../../policies"},
	} {
		_, err := run(t, append([]string{"--db", db}, args...)...)
		var ec exitCodeError
		if !errors.As(err, &ec) || ec.code != 2 || !strings.Contains(err.Error(),
			"no database at "+db) {
			t.Errorf("conductor %s on a missing database = %v, want exit 2 naming %s",
				strings.Join(args, " "), err, db)
		}
	}
	if _, err := os.Stat(filepath.Dir(db)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a record command created %s (%v)", filepath.Dir(db), err)
	}
}

// TestPolicyTestIsTheLoadersGate: a folder whose tests "pass" because it has
// none is refused by `policy test` as the guard would refuse it.
func TestPolicyTestIsTheLoadersGate(t *testing.T) {
	dir := t.TempDir()
	names, err := filepath.Glob("../../policies/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if strings.HasSuffix(n, "_test.rego") || !strings.HasSuffix(n, ".rego") &&
			!strings.HasSuffix(n, ".json") {
			continue
		}
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(n)), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	out, err := run(t, "policy", "test", dir)
	var ec exitCodeError
	if !errors.As(err, &ec) || ec.code != 3 || !strings.Contains(err.Error(),
		"the guard would refuse this policy: policy has no tests") {
		t.Errorf("policy test of a folder without tests = %v\n%s; want exit 3 and why", err, out)
	}
	if out := mustRun(t, "policy", "test"); !strings.Contains(out, "the guard would load") {
		t.Errorf("policy test of the defaults says %q, want that the guard would load them", out)
	}
}

// TestJSONShapesMatchREST: --json prints the field names the REST API uses.
func TestJSONShapesMatchREST(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	mustRun(t, "demo", "--db", db)

	tests := []struct {
		args []string
		keys []string
	}{
		{[]string{"audit", "verify", "--json"}, []string{"ok", "checked"}},
		{[]string{"logs", "search", "--json", "lsass"}, []string{"total", "events"}},
		{[]string{"timers", "--json"}, nil},
	}
	for _, tt := range tests {
		out := mustRun(t, append([]string{"--db", db}, tt.args...)...)
		if tt.keys == nil {
			var ts []map[string]any
			if err := json.Unmarshal([]byte(out), &ts); err != nil || len(ts) == 0 ||
				ts[0]["action_id"] == nil || ts[0]["due"] == nil {
				t.Errorf("timers --json = %s (%v), want timers with action_id and due", out, err)
			}
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("%v: %v\n%s", tt.args, err, out)
		}
		for _, k := range tt.keys {
			if _, ok := m[k]; !ok {
				t.Errorf("%v printed %s, want the key %q", tt.args, out, k)
			}
		}
	}

	_, err := run(t, "--db", db, "logs", "search", "--limit", "0", "lsass")
	var ec exitCodeError
	if !errors.As(err, &ec) || ec.code != 2 || !strings.Contains(err.Error(), "1 to 1000") {
		t.Errorf("logs search --limit 0 = %v, want exit 2 naming the range", err)
	}
	for _, list := range []string{"timers", "approvals"} {
		if _, err := run(t, "--db", db, list, "--status", "soon"); !errors.As(err, &ec) ||
			ec.code != 2 || !strings.Contains(err.Error(), `--status "soon": give one of`) {
			t.Errorf("%s --status soon = %v, want exit 2 naming the statuses", list, err)
		}
		var all []map[string]any
		out := mustRun(t, "--db", db, list, "--status", "all", "--json")
		if err := json.Unmarshal([]byte(out), &all); err != nil || len(all) == 0 {
			t.Errorf("%s --status all --json = %s (%v), want every one", list, out, err)
		}
	}
}

// TestAsNamesAPerson: --as takes a plain name, so no prefix lets one person
// pass for another, and --role a human role.
func TestAsNamesAPerson(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	mustRun(t, "demo", "--db", db)
	for _, tt := range []struct{ as, role, want string }{
		{"mcp:lee", "analyst", `--as "mcp:lee"`},
		{"analyst:lee", "analyst", `--as "analyst:lee"`},
		{"", "analyst", `--as ""`},
		{"llm", "lead", `--as "llm"`},
		{"kim", "boss", `--role "boss": give analyst, lead or admin`},
	} {
		_, err := run(t, "--db", db, "approve", "APR-000001", "--as", tt.as, "--role", tt.role)
		var ec exitCodeError
		if !errors.As(err, &ec) || ec.code != 2 || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("approve --as %q --role %s = %v, want exit 2 saying %s", tt.as, tt.role,
				err, tt.want)
		}
	}
}
