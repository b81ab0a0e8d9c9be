package redact

import (
	"strings"
	"testing"
)

// Test secrets are assembled at run time so that no scanner mistakes this file
// for a leak.
var (
	awsKeyID  = "AKIA" + "IOSFODNN7EXAMPLE"
	awsSecret = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"
	openAIKey = "sk-proj-" + "4fT9xQ2mZ8rLk1VbN7cW3yHd6JpE0sGa"
	legacyKey = "sk-" + "Zx81nQ4rT7vL2mK9pB5cW3yHd6JpE0sGa"
	ghToken   = "ghp_" + "1A2b3C4d5E6f7G8h9I0jK1lM2nO3pQ4rS5tU"
	ghPAT     = "github_pat_" + "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"
	slack     = "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
	jwt       = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." +
		"eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0." +
		"SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)

func TestString(t *testing.T) {
	pem := "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn\n" +
		"-----END RSA PRIVATE KEY-----"
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"plain alert text", "ET POLICY curl User-Agent Outbound",
			"ET POLICY curl User-Agent Outbound"},
		{"sshd failed password is not a secret",
			"Failed password for invalid user admin from 203.0.113.5 port 51234 ssh2",
			"Failed password for invalid user admin from 203.0.113.5 port 51234 ssh2"},
		{"aws key id in a cli line", "aws configure set aws_access_key_id " + awsKeyID,
			"aws configure set aws_access_key_id [REDACTED:aws_access_key_id]"},
		{"aws secret after its name", "aws_secret_access_key = " + awsSecret,
			"aws_secret_access_key = [REDACTED:aws_secret_key]"},
		{"aws secret in env form", "AWS_SECRET_ACCESS_KEY=" + awsSecret + " aws s3 ls",
			"AWS_SECRET_ACCESS_KEY=[REDACTED:aws_secret_key] aws s3 ls"},
		{"openai project key", "export OPENAI_API_KEY " + openAIKey,
			"export OPENAI_API_KEY [REDACTED:api_key]"},
		{"legacy sk key in curl", "curl -H 'x: " + legacyKey + "' https://api.example.com",
			"curl -H 'x: [REDACTED:api_key]' https://api.example.com"},
		{"sk word without digits stays", "pip install sk-learn-pipeline-settings",
			"pip install sk-learn-pipeline-settings"},
		{"github classic token", "git clone https://" + ghToken + "@github.com/acme/app",
			"git clone https://[REDACTED:github_token]@github.com/acme/app"},
		{"github fine grained token", "GH token " + ghPAT + " used",
			"GH token [REDACTED:github_token] used"},
		{"slack bot token", "posting with " + slack, "posting with [REDACTED:slack_token]"},
		{"bare jwt", "session=" + jwt, "session=[REDACTED:jwt]"},
		{"authorization bearer header", "Authorization: Bearer " + jwt,
			"Authorization: Bearer [REDACTED:authorization]"},
		{"authorization basic header", "authorization: Basic YWRtaW46aHVudGVyMg==",
			"authorization: Basic [REDACTED:authorization]"},
		{"bearer without header name", "curl -H 'Bearer abcdef0123456789' host",
			"curl -H 'Bearer [REDACTED:bearer_token]' host"},
		{"password query param", "GET /login?user=alice&password=hunter2&next=/",
			"GET /login?user=alice&password=[REDACTED:password]&next=/"},
		{"pwd param", "mysql -u root pwd=S3cr3t! -h db01",
			"mysql -u root pwd=[REDACTED:password] -h db01"},
		{"passwd colon", "passwd: correct horse", "passwd: [REDACTED:password] horse"},
		{"json password with spaces", `{"user":"bob","password": "correct horse battery"}`,
			`{"user":"bob","password": "[REDACTED:password]"}`},
		{"escaped json password", `{\"password\":\"p@ss word\"}`,
			`{\"password\":\"[REDACTED:password]\"}`},
		{"single quoted db password", "db_password='p4ss; word'",
			"db_password='[REDACTED:password]'"},
		{"api key query params", "https://api.example.com/v1?api_key=abc123&apikey=def456",
			"https://api.example.com/v1?api_key=[REDACTED:api_key]&apikey=[REDACTED:api_key]"},
		{"token query param", "/callback?code=1&token=tok_9f8e7d6c",
			"/callback?code=1&token=[REDACTED:token]"},
		{"header api key", "X-Api-Key: 0123456789abcdef", "X-Api-Key: [REDACTED:api_key]"},
		{"client secret", "client_secret=Zm9vYmFy", "client_secret=[REDACTED:secret]"},
		{"url credentials", "mongodb://admin:Sup3rS3cret@10.0.0.5:27017/db",
			"mongodb://admin:[REDACTED:password]@10.0.0.5:27017/db"},
		{"private key block", "key follows\n" + pem + "\nend",
			"key follows\n-----BEGIN RSA PRIVATE KEY-----[REDACTED:private_key]" +
				"-----END RSA PRIVATE KEY-----\nend"},
		{"cut private key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk",
			"-----BEGIN OPENSSH PRIVATE KEY-----[REDACTED:private_key]"},
		{"password hash is not the password", "password_hash=$2b$12$abc",
			"password_hash=$2b$12$abc"},
		{"max tokens is not a token", "max_tokens=512", "max_tokens=512"},
		{"empty password kept", "password= user=bob", "password= user=bob"},
		{"already masked", "password=[REDACTED:password]", "password=[REDACTED:password]"},
		{"two secrets in one command line",
			"net use \\\\fs01 /user:corp\\svc password=Winter2024! & set token=abc",
			"net use \\\\fs01 /user:corp\\svc password=[REDACTED:password] & " +
				"set token=[REDACTED:token]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := String(tt.in); got != tt.want {
				t.Errorf("String(%q) =\n%q, want\n%q", tt.in, got, tt.want)
			}
		})
	}
}

func TestStringIdempotent(t *testing.T) {
	in := "Authorization: Bearer " + jwt + " password=x " + awsKeyID + " " + openAIKey
	once := String(in)
	if twice := String(once); twice != once {
		t.Errorf("String(String(x)) = %q, want %q", twice, once)
	}
}

func TestStringNoTriggerNoAlloc(t *testing.T) {
	s := "ET POLICY GNU/Linux APT User-Agent Outbound likely related to package management"
	allocs := testing.AllocsPerRun(100, func() { _ = String(s) })
	if allocs != 0 {
		t.Errorf("String(plain) allocs = %v, want 0", allocs)
	}
}

func TestSensitiveKey(t *testing.T) {
	tests := []struct {
		key  string
		kind string
		ok   bool
	}{
		{"password", "password", true},
		{"DB_PASSWORD", "password", true},
		{"Password2", "password", true},
		{"pwd", "password", true},
		{"passphrase", "password", true},
		{"aws_secret_access_key", "aws_secret_key", true},
		{"SecretAccessKey", "secret", true},
		{"client-secret", "secret", true},
		{"X-Api-Key", "api_key", true},
		{"apiKey", "api_key", true},
		{"private_key", "private_key", true},
		{"access_token", "token", true},
		{"Authorization", "authorization", true},
		{"Set-Cookie", "cookie", true},
		{"password_last_used", "", false},
		{"max_tokens", "", false},
		{"secret_name", "", false},
		{"user", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			kind, ok := SensitiveKey(tt.key)
			if kind != tt.kind || ok != tt.ok {
				t.Errorf("SensitiveKey(%q) = %q, %v, want %q, %v", tt.key, kind, ok, tt.kind, tt.ok)
			}
		})
	}
}

func TestMap(t *testing.T) {
	m := map[string]string{
		"user":        "alice",
		"db_password": "hunter2",
		"command":     "curl -u bob:x https://h/?token=abc",
		"api_key":     "",
	}
	Map(m)

	want := map[string]string{
		"user":        "alice",
		"db_password": "[REDACTED:password]",
		"command":     "curl -u bob:x https://h/?token=[REDACTED:token]",
		"api_key":     "",
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("Map: m[%q] = %q, want %q", k, m[k], v)
		}
	}
}

func TestMaskNamesKind(t *testing.T) {
	if got := Mask("jwt"); got != "[REDACTED:jwt]" {
		t.Errorf("Mask(jwt) = %q, want [REDACTED:jwt]", got)
	}
	if strings.Contains(String("token="+ghToken), ghToken) {
		t.Error("String kept a GitHub token")
	}
}

// TestStringLeavesLookAlikes lists text that resembles a secret but is not one:
// masking it would hide evidence an analyst needs.
func TestStringLeavesLookAlikes(t *testing.T) {
	for _, s := range []string{
		"GET /index.html HTTP/1.1",
		"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh",
		"User changed password for account bob",
		"Windows: Password policy changed",
		"secret_name=prod/db arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db",
		"https://example.com/path?q=1",
		"https://user@example.com/",
		"eyJhbGciOiJIUzI1NiJ9 alone is only a header",
		"xoxb- too short",
		"ghp_short",
		"Authorization: Bearer",
		"task-1234567890abcdefghijkl",
		"token=null&password=true",
		"password: ********",
	} {
		t.Run(s, func(t *testing.T) {
			if got := String(s); got != s {
				t.Errorf("String(%q) = %q, want it unchanged", s, got)
			}
		})
	}
}

func TestStringQuotesAndEnds(t *testing.T) {
	tests := []struct{ in, want string }{
		{`password="unterminated secret`, `password="[REDACTED:password]`},
		{"password='multi\nline'", "password='[REDACTED:password]\nline'"},
		{`{\"token\":\"abc`, `{\"token\":\"[REDACTED:token]`},
		{"token = spaced", "token = [REDACTED:token]"},
		{"PWD=/home/u;ls", "PWD=[REDACTED:password];ls"},
		{"a:b@c token:x", "a:b@c token:[REDACTED:token]"},
		{"https://u:p@h1/ https://v:q@h2/", "https://u:[REDACTED:password]@h1/ " +
			"https://v:[REDACTED:password]@h2/"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := String(tt.in); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
