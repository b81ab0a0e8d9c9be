package store

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/conductor-sec/conductor/internal/finding"
)

// FuzzFindingRoundTrip stores findings built from arbitrary bytes (the raw
// record and the free-text fields of an alert are untrusted) and checks that
// Raw comes back byte for byte and a second copy is counted, not stored.
func FuzzFindingRoundTrip(f *testing.F) {
	f.Add([]byte(`{"src_ip":"10.0.0.5"}`), "ET SCAN", "suricata")
	f.Add([]byte{0, 0xff, 0xfe, '\n'}, "bad \xff title", "")
	f.Add([]byte{}, "", "email")
	s := openTest(f)
	ctx := context.Background()

	f.Fuzz(func(t *testing.T, raw []byte, title, source string) {
		in := finding.Finding{Source: source, Title: title, Raw: raw,
			Labels: map[string]string{title: source}}
		res, err := s.PutFindings(ctx, []finding.Finding{in, in})
		if err != nil {
			t.Fatalf("PutFindings() = %v", err)
		}
		if res[0].FindingID != res[1].FindingID || !res[1].Duplicate {
			t.Fatalf("PutFindings(same twice) = %+v, want the second a duplicate", res)
		}

		got, err := s.GetFinding(ctx, res[0].FindingID)
		if err != nil {
			t.Fatalf("GetFinding() = %v", err)
		}
		if !bytes.Equal(got.Raw, raw) {
			t.Fatalf("GetFinding().Raw = %q, want %q", got.Raw, raw)
		}
		// Text fields travel as JSON, which only promises valid UTF-8 back.
		if utf8.ValidString(source) && got.Source != source {
			t.Fatalf("GetFinding().Source = %q, want %q", got.Source, source)
		}
	})
}

// FuzzStepRoundTrip appends steps with arbitrary field bytes and checks that
// they read back unchanged and the chain still verifies: the hash must cover
// exactly what the database returns.
func FuzzStepRoundTrip(f *testing.F) {
	f.Add("CASE-000001", "looked up \x00", "reason", []byte(`{"ip":"10.0.0.5"}`))
	f.Add("", "\xff\xfe", "bad \xc3\x28", []byte{0xff})
	s := openTest(f)
	ctx := context.Background()

	f.Fuzz(func(t *testing.T, caseID, summary, reason string, args []byte) {
		st := Step{CaseID: caseID, Summary: summary, Reasons: []string{reason, ""},
			Args: json.RawMessage(args), Output: json.RawMessage(args)}
		if err := s.AppendStep(ctx, &st); err != nil {
			t.Fatalf("AppendStep() = %v", err)
		}

		var got Step
		s.eachStep(ctx, "WHERE seq = ?", []any{st.Seq}, func(x Step) error {
			got = x
			return nil
		})
		if StepHash(&got) != st.Hash || got.Summary != summary || got.Reasons[0] != reason {
			t.Fatalf("step %d read back as %+v, want %+v", st.Seq, got, st)
		}
		// The whole chain is walked now and then, not every time, to keep
		// the fuzzer fast as the chain grows.
		if st.Seq%128 != 0 {
			return
		}
		if rep, err := s.VerifyChain(ctx); err != nil || !rep.OK {
			t.Fatalf("VerifyChain() = %+v, %v", rep, err)
		}
	})
}
