package agent_test

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/internal/app"
	"github.com/conductor-sec/conductor/internal/config"
	"github.com/conductor-sec/conductor/internal/ingest"
)

// TestSecretsMasked is threat T13: an alert carrying an API key and a password
// is investigated; neither appears in any step, decision input, finding field
// or log line. The raw record alone keeps them, as evidence.
func TestSecretsMasked(t *testing.T) {
	const apiKey = "sk-proj-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c"
	const password = "Winter2026!Acme"
	raw := `{"title":"Credential in command line on WS-0142","severity":"high",` +
		`"time":"2026-11-30T10:00:00Z","description":"curl -H 'Authorization: Bearer ` +
		apiKey + `' https://api.example.com; net use \\\\FS-01\\finance /user:maria.lopez ` +
		`password=` + password + `","observables":[{"kind":"host","value":"WS-0142"}]}`

	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := app.Open(t.Context(), config.Config{DB: filepath.Join(t.TempDir(), "c.db")},
		app.Options{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	res, err := ingest.Parse("alert.json", []byte(raw), ingest.Options{})
	if err != nil || len(res.Findings) != 1 {
		t.Fatalf("Parse = %v, %v", res.Errors, err)
	}
	placed, err := a.Engine.Ingest(t.Context(), res.Findings)
	if err != nil {
		t.Fatal(err)
	}
	id := placed[0].CaseID
	if _, err := a.Engine.Investigate(t.Context(), id); err != nil {
		t.Fatal(err)
	}

	var seen strings.Builder
	steps, _ := a.Store.Steps(t.Context(), id)
	for _, s := range steps {
		seen.WriteString(s.Summary + string(s.Args) + string(s.Output) +
			strings.Join(s.Reasons, ""))
	}
	decs, _ := a.Store.Decisions(t.Context(), time.Time{})
	for _, d := range decs {
		seen.Write(d.Input)
	}
	fs, _ := a.Store.CaseFindings(t.Context(), id)
	seen.WriteString(fs[0].Title + fs[0].Description)
	seen.Write(logs.Bytes())

	for _, secret := range []string{apiKey, password} {
		if strings.Contains(seen.String(), secret) {
			t.Errorf("secret %q leaked into steps, decisions, findings or logs", secret)
		}
	}
	if !strings.Contains(fs[0].Description, "[REDACTED") {
		t.Errorf("description = %q, want a redaction marker", fs[0].Description)
	}
	if !strings.Contains(string(fs[0].Raw), apiKey) {
		t.Error("raw record lost the original bytes; it must be kept as evidence")
	}
}

// TestHugeAlertCut is threat T12: a 5 MB alert is investigated with its text
// cut with a marker, and the case says so.
func TestHugeAlertCut(t *testing.T) {
	raw := `{"title":"Huge","severity":"high","time":"2026-11-30T10:00:00Z",` +
		`"description":"` + strings.Repeat("A", 5<<20) + `",` +
		`"observables":[{"kind":"host","value":"WS-0142"}]}`
	res, err := ingest.Parse("big.json", []byte(raw), ingest.Options{})
	if err != nil || len(res.Findings) != 1 {
		t.Fatalf("Parse = %v, %v", res.Errors, err)
	}
	f := res.Findings[0]
	if !f.Truncated || len(f.Description) > 70<<10 ||
		!strings.Contains(f.Description, "truncated") {
		t.Errorf("description of %d bytes (truncated %v), want it cut with a marker",
			len(f.Description), f.Truncated)
	}
	e := newEnv(t, app.Options{})
	id := e.openCase(t, f)
	rep := e.investigate(t, id)
	if !strings.Contains(strings.Join(rep.Case.Flags, ","), agent.FlagTruncatedInput) {
		t.Errorf("flags = %v, want %s", rep.Case.Flags, agent.FlagTruncatedInput)
	}
}
