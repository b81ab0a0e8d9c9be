package redact

import (
	"encoding/json"
	"testing"
)

func TestJSON(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"no trigger is untouched", `{ "user": "alice", "n": 1 }`, `{ "user": "alice", "n": 1 }`},
		{"password value masked, order kept",
			`{"user":"alice","password":"hunter2","port":5432}`,
			`{"user":"alice","password":"[REDACTED:password]","port":5432}`},
		{"nested object under secret key",
			`{"auth":{"client_secret":{"v":"x","w":[1,2]}},"ok":true}`,
			`{"auth":{"client_secret":"[REDACTED:secret]"},"ok":true}`},
		{"number under api key", `{"apiKey":12345678}`, `{"apiKey":"[REDACTED:api_key]"}`},
		{"null and bool kept", `{"token":null,"password":false}`,
			`{"token":null,"password":false}`},
		{"secret inside free text", `{"cmd":"curl -H 'Authorization: Bearer abcdefgh12345'"}`,
			`{"cmd":"curl -H 'Authorization: Bearer [REDACTED:authorization]'"}`},
		{"array of objects", `[{"name":"a","token":"t1"},{"name":"b","token":"t2"}]`,
			`[{"name":"a","token":"[REDACTED:token]"},{"name":"b","token":"[REDACTED:token]"}]`},
		{"html characters not escaped", `{"note":"a<b & token","password":"x"}`,
			`{"note":"a<b & token","password":"[REDACTED:password]"}`},
		{"big number kept exactly", `{"flow_id":2191386088856669123,"token":"x"}`,
			`{"flow_id":2191386088856669123,"token":"[REDACTED:token]"}`},
		{"invalid json masked as text", `{"password": "hunter2", `,
			`{"password": "[REDACTED:password]", `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(JSON([]byte(tt.in))); got != tt.want {
				t.Errorf("JSON(%s) =\n%s, want\n%s", tt.in, got, tt.want)
			}
		})
	}
}

func TestJSONStaysValid(t *testing.T) {
	in := `{"a":[{"password":{"x":[1,{"y":2}]},"b":"sk-notakey"},[],{}],"token":"q","z":[null]}`
	out := JSON([]byte(in))
	if !json.Valid(out) {
		t.Fatalf("JSON(%s) = %s, not valid JSON", in, out)
	}
	want := `{"a":[{"password":"[REDACTED:password]","b":"sk-notakey"},[],{}],` +
		`"token":"[REDACTED:token]","z":[null]}`
	if string(out) != want {
		t.Errorf("JSON(%s) = %s, want %s", in, out, want)
	}
}

func TestJSONMoreShapes(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"ndjson values", "{\"token\":\"a\"}\n{\"token\":\"b\"}",
			"{\"token\":\"[REDACTED:token]\"}\n{\"token\":\"[REDACTED:token]\"}"},
		{"top-level string", `"password=x"`, `"password=[REDACTED:password]"`},
		{"array under secret key", `{"cookie":["a","b"],"n":[]}`,
			`{"cookie":"[REDACTED:cookie]","n":[]}`},
		{"empty secret kept", `{"password":""}`, `{"password":""}`},
		{"escaped key", `{"pass\u0077ord":"x"}`, `{"password":"[REDACTED:password]"}`},
		{"trailing garbage masked as text", `{"token":"a"} }`, `{"token":"[REDACTED:token]"} }`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(JSON([]byte(tt.in))); got != tt.want {
				t.Errorf("JSON(%s) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}
