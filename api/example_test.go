package api_test

import (
	"fmt"

	"github.com/conductor-sec/conductor/api"
)

// The keys file stores the digest of each token; the principal a key acts as
// depends on the transport.
func ExampleKey_Principal() {
	k := api.Key{Name: "triage-bot", Role: api.RoleAgent, SHA256: api.HashToken("foo")}
	fmt.Println(k.SHA256)
	fmt.Println(k.Principal(false).Name, k.Principal(true).Name)
	fmt.Println(api.Loopback("127.0.0.1:8080"), api.Loopback("0.0.0.0:8080"))
	// Output:
	// 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
	// agent:triage-bot mcp:triage-bot
	// true false
}
