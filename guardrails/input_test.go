package guardrails

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
)

// jsonValue is the input as Replay and `opa eval` see it: the request's JSON,
// parsed.
func jsonValue(t *testing.T, req Request) ast.Value {
	t.Helper()
	raw, err := json.Marshal(req)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	v, err := inputValue(raw)
	if err != nil {
		t.Fatalf("inputValue(%s): %v", raw, err)
	}
	return v
}

// sameValue compares two inputs, numbers by their text as well as their
// value, since a reason that quotes a number prints its text.
func sameValue(a, b ast.Value) bool {
	return ast.Compare(a, b) == 0 && a.String() == b.String()
}

func TestRequestValueMatchesJSON(t *testing.T) {
	full := containment("edr.disable_user", Target{Arg: "user", Kind: "user", Value: "ceo",
		Known: true, Role: "executive", VIP: true, BreakGlass: true, Internal: true,
		AllowListed: true, PublicSuffix: true, AssetType: "x", Criticality: "high",
		CrownJewel: true})
	full.ActorRole = "lead"
	full.Lifts = true
	full.Case.Verdict = "malicious"
	full.Case.SuspectedInjection = true
	full.Args = map[string]any{"user": "ceo", "notify": true, "minutes": 30, "x": nil}
	full.Recent = Recent{SameToolCase: 2, SameToolWindow: 9, WindowSeconds: 3600}
	full.Approvals = []GivenApproval{{ID: "APR-1", Tool: "edr.isolate_host",
		ApproverRole: "lead", DecidedBy: "analyst:lin"}, {ID: "APR-2"}}

	cases := map[string]Request{
		"lookup":            lookup(),
		"ticket":            ticket(),
		"workstation":       containment("edr.isolate_host", workstation),
		"domain controller": containment("edr.isolate_host", domainController),
		"every field":       full,
		"zero request":      {},
		"nil args":          {Tool: "x", Args: nil},
		"empty targets":     {Targets: []Target{}, Provenance: map[string]string{}},
		"allow-listed only": containment("dns.block_domain", Target{Arg: "domain",
			Kind: "domain", Value: "github.com", AllowListed: true}),
	}
	for _, conf := range []float64{0, 0.7, 1, 1.0 / 3, 1e-7, -2.5e-9, 1e21, 123456789e12} {
		r := lookup()
		r.Case.Confidence = conf
		cases["confidence "+ast.FloatNumberTerm(conf).String()] = r
	}
	r := lookup()
	r.Time = time.Date(2026, 12, 3, 19, 4, 5, 120000000, time.FixedZone("X", 5400))
	cases["zoned time"] = r

	for name, req := range cases {
		t.Run(name, func(t *testing.T) {
			got, ok := requestValue(req)
			if !ok {
				t.Fatalf("requestValue refused %+v", req)
			}
			if want := jsonValue(t, req); !sameValue(got, want) {
				t.Errorf("requestValue =\n%v\nJSON path =\n%v", got, want)
			}
		})
	}
}

// TestRequestValueFallsBack: what only encoding/json renders faithfully is
// left to it.
func TestRequestValueFallsBack(t *testing.T) {
	cases := map[string]Request{
		"float argument":  {Args: map[string]any{"ratio": 0.5}},
		"nested argument": {Args: map[string]any{"hosts": []any{"a"}}},
		"invalid UTF-8":   {Tool: "edr.\xff"},
		"invalid key":     {Provenance: map[string]string{"\xc3": FromPlanner}},
		"NaN confidence":  {Case: CaseFacts{Confidence: math.NaN()}},
	}
	for name, req := range cases {
		if _, ok := requestValue(req); ok {
			t.Errorf("%s: requestValue accepted %+v", name, req)
		}
	}
}

// FuzzRequestValue: whenever requestValue builds an input, it is the one the
// JSON path builds.
func FuzzRequestValue(f *testing.F) {
	f.Add("edr.isolate_host", "host", "ws-042", "workstation", 0.9, 3, true, "case_entity")
	f.Add("firewall.block_ip", "ip", "10.0.0.0/8", "", 1e-7, -1, false, "untrusted_text")
	f.Add("\xff", "<&>", "\u2028", "\x00", 1e21, 1<<40, true, "\xc3")
	f.Fuzz(func(t *testing.T, tool, kind, value, assetType string, conf float64, n int,
		flag bool, src string) {
		req := Request{
			ID: value, Tool: tool, Risk: kind, Reversible: flag, Lifts: !flag, Actor: src,
			ActorRole: assetType,
			Args:      map[string]any{kind: value, "n": n, "flag": flag, src: nil},
			Case:      CaseFacts{ID: tool, Score: n, Confidence: conf, Verdict: src},
			Targets: []Target{{Arg: kind, Kind: kind, Value: value, Known: flag,
				AssetType: assetType, VIP: flag, Role: src, AllowListed: !flag,
				Internal: n%2 == 0, PublicSuffix: n%3 == 0}},
			Provenance: map[string]string{kind: src},
			Recent:     Recent{SameToolCase: n, SameToolWindow: -n, WindowSeconds: n / 2},
			Approvals: []GivenApproval{{ID: value, Tool: tool, ApproverRole: assetType,
				DecidedBy: src}},
			Time: testNow.Add(time.Duration(n)),
		}
		got, ok := requestValue(req)
		if !ok {
			return
		}
		raw, err := json.Marshal(req)
		if err != nil {
			t.Fatalf("requestValue built an input json.Marshal refuses: %v", err)
		}
		want, err := inputValue(raw)
		if err != nil {
			t.Fatalf("inputValue(%s): %v", raw, err)
		}
		if !sameValue(got, want) {
			t.Errorf("requestValue =\n%v\nJSON path =\n%v", got, want)
		}
	})
}
