package email_test

import (
	"fmt"
	"os"

	"github.com/conductor-sec/conductor/internal/ingest/email"
)

func ExampleParse() {
	raw, err := os.ReadFile("testdata/demo-phish.eml")
	if err != nil {
		fmt.Println(err)
		return
	}

	f, err := email.Parse(raw, email.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.Email.From.Address, f.Email.OriginIP)
	fmt.Println(f.Email.Auth.SPF, f.Email.Auth.DMARC)
	fmt.Println(f.Severity, f.SeverityScore, f.Techniques)
	fmt.Println(f.Email.Signals[:3])
	// Output:
	// it-support@rnicrosoft-secure.com 185.220.101.47
	// fail fail
	// high 75 [T1566 T1566.001 T1566.002]
	// [display_name_spoof dmarc_fail double_extension]
}
