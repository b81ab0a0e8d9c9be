package intel_test

import (
	"fmt"

	"github.com/conductor-sec/conductor/internal/intel"
)

func ExampleSet_Lookup() {
	set, err := intel.Defaults()
	if err != nil {
		panic(err)
	}
	// A URL hits its own indicator and its domain's.
	for _, m := range set.Lookup(intel.KindURL, "HTTPS://RNICROSOFT-secure.com/owa/auth/login.php") {
		fmt.Printf("%s %s: %s (%d)\n", m.Kind, m.Matched, m.Threat, m.Confidence)
	}
	// Output:
	// url https://rnicrosoft-secure.com/owa/auth/login.php: Credential phishing (OWA login clone) (90)
	// domain rnicrosoft-secure.com: Credential phishing (Microsoft 365 lookalike) (90)
}

func ExampleParsePattern() {
	comps, err := intel.ParsePattern(
		"[domain-name:value = 'e.ct.toh.info' OR ipv4-addr:value = '101.78.151.179']")
	if err != nil {
		panic(err)
	}
	for _, c := range comps {
		fmt.Println(c.Object, c.Path, c.Operator, c.Values)
	}
	// Output:
	// domain-name value = [e.ct.toh.info]
	// ipv4-addr value = [101.78.151.179]
}
