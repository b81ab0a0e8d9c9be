package redact_test

import (
	"fmt"

	"github.com/conductor-sec/conductor/internal/redact"
)

func ExampleString() {
	fmt.Println(redact.String("GET /login?user=alice&password=hunter2 HTTP/1.1"))
	// Output: GET /login?user=alice&password=[REDACTED:password] HTTP/1.1
}

func ExampleJSON() {
	fmt.Println(string(redact.JSON([]byte(`{"user":"alice","api_key":"k-123"}`))))
	// Output: {"user":"alice","api_key":"[REDACTED:api_key]"}
}
