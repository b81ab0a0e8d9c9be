package ingest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/conductor-sec/conductor/internal/finding"
)

// TestSecretsAreMasked covers threat T13: an alert carrying an API key and a
// password keeps them in Raw (the evidence) and nowhere else.
func TestSecretsAreMasked(t *testing.T) {
	secrets := []string{
		"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "Winter2026!",
		"9f8e7d6c5b4a", "hunter2",
	}
	res := parseTestdata(t, "secrets.ndjson")
	if len(res.Findings) != 2 {
		t.Fatalf("Parse() = %+v, want 2 findings", res)
	}

	for _, f := range res.Findings {
		derived := derivedText(f)
		raw := string(f.Raw)
		for _, s := range secrets {
			if strings.Contains(derived, s) {
				t.Errorf("%s finding %q exposes %q outside Raw:\n%s", f.Source, f.Title, s, derived)
			}
		}
		if !strings.Contains(raw, "password") || !bytes.Contains(f.Raw, []byte("=")) {
			t.Errorf("Raw of %q lost its original text: %s", f.Title, raw)
		}
	}

	gen := res.Findings[0]
	want := "Job printed aws_access_key_id=[REDACTED:aws_access_key_id] " +
		"aws_secret_access_key=[REDACTED:aws_secret_key] and DB_PASSWORD=[REDACTED:password]"
	if gen.Description != want {
		t.Errorf("Description = %q, want %q", gen.Description, want)
	}
	if !strings.Contains(string(gen.Raw), "Winter2026!") {
		t.Error("Raw no longer holds the original password: the evidence was altered")
	}
	if _, ok := observable(gen, finding.KindProcess,
		"psql postgresql://app:[REDACTED:password]@db.corp.example/app"); !ok {
		t.Errorf("process observable not masked: %v", gen.Observables)
	}

	eve := res.Findings[1]
	if _, ok := observable(eve, finding.KindURL,
		"http://intranet.corp.example/login?user=admin&password=[REDACTED:password]"); !ok {
		t.Errorf("url observable not masked: %v", eve.Observables)
	}
}

// derivedText joins everything of a finding except Raw.
func derivedText(f finding.Finding) string {
	parts := []string{f.Title, f.Description, f.RuleID}
	for k, v := range f.Labels {
		parts = append(parts, k+"="+v)
	}
	for _, o := range f.Observables {
		parts = append(parts, o.Value)
	}
	return strings.Join(parts, "\n")
}
