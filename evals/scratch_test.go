package evals

import (
	"strings"
	"context"
	"os"
	"testing"
)

func TestScratch(t *testing.T) {
	scs, err := Load("scenarios")
	if err != nil {
		t.Fatal(err)
	}
	if f := os.Getenv("ONLY"); f != "" {
		var keep []Scenario
		for _, s := range scs {
			if s.Name == f {
				keep = append(keep, s)
			}
		}
		scs = keep
	}
	card, err := Run(context.Background(), scs, Options{CorpusRoot: "../../shared/corpus"})
	if err != nil {
		t.Fatal(err)
	}
	card.WriteText(os.Stdout)
	for _, r := range card.Scenarios {
		for _, n := range r.Notes {
			t.Logf("%s note: %s", r.Name, n)
		}
	}
}

func TestScratchCorpus(t *testing.T) {
	dir := "../../shared/corpus/phishing_pot"
	ents, _ := os.ReadDir(dir)
	var scs []Scenario
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".eml") {
			continue
		}
		scs = append(scs, Scenario{Name: e.Name(), Category: "x", File: e.Name(),
			Inputs: []Input{{Corpus: "phishing_pot/" + e.Name(), Name: e.Name()}},
			Expect: Expect{Verdict: Strings{"malicious"}, Questions: []Question{{Ask: "Who sent the e-mail?", Want: []string{"@"}}, {Ask: "SPF?", Want: []string{"x"}}}}})
	}
	card, err := Run(context.Background(), scs, Options{CorpusRoot: "../../shared/corpus"})
	if err != nil {
		t.Fatal(err)
	}
	card.WriteText(os.Stdout)
}
