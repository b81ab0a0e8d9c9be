// Package redact masks secrets — API keys, passwords, tokens, private keys — in
// text and JSON before they reach a prompt, a log, the audit chain or a policy input
// (threat T13).
//
// Masking keeps the name of a secret and replaces only its value with
// "[REDACTED:kind]", so "password=hunter2" becomes "password=[REDACTED:password]"
// and the text stays readable. [String] sits on the hot ingest path: a single pass
// over the bytes looks for trigger words, and only the rules whose triggers were
// seen run their regular expressions.
package redact

import (
	"regexp"
	"strings"
)

// Trigger bits: which families of rules a string may need.
const (
	trigPEM uint32 = 1 << iota
	trigAuth
	trigBearer
	trigJWT
	trigAWS
	trigSK
	trigGitHub
	trigSlack
	trigURL
	trigKey
)

// rule masks one kind of secret. The submatch group is replaced by the mask; group 0
// is the whole match.
type rule struct {
	kind    string
	trigger uint32
	re      *regexp.Regexp
	group   int
	// keep, when set, leaves a candidate unmasked (a false positive).
	keep func(value string) bool
}

// rules run in order: a JWT is named before the Bearer rule sees it, and masks never
// match a later rule because "[" ends every value class below.
var rules = []rule{
	{
		kind: "private_key", trigger: trigPEM, group: 2,
		re: regexp.MustCompile(`(?s)(-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----)(.+?)` +
			`(-----END [A-Z0-9 ]*PRIVATE KEY-----|\z)`),
	},
	{
		kind: "authorization", trigger: trigAuth, group: 4, keep: authScheme,
		re: regexp.MustCompile(`(?i)\b((?:proxy-)?authorization)` +
			`(\\?["']?[ \t]*[:=][ \t]*\\?["']?)` +
			`((?:bearer|basic|digest|token|negotiate|ntlm|apikey)[ \t]+)?` +
			`([^\s"'\\,;\[]+)`),
	},
	{
		kind: "jwt", trigger: trigJWT,
		re: regexp.MustCompile(`eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*`),
	},
	{
		kind: "bearer_token", trigger: trigBearer, group: 2,
		re: regexp.MustCompile(`(?i)\b(bearer[ \t]+)([A-Za-z0-9\-._~+/]{8,}=*)`),
	},
	{
		// No word boundaries: a key glued to other text is still a key, and masking a
		// look-alike inside a longer token costs nothing.
		kind: "aws_access_key_id", trigger: trigAWS,
		re: regexp.MustCompile(`(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}`),
	},
	{
		kind: "api_key", trigger: trigSK, keep: noDigit,
		re: regexp.MustCompile(`\bsk-(?:proj-|ant-|live-|test-|svcacct-|admin-)?` +
			`[A-Za-z0-9_\-]{20,}`),
	},
	{
		kind: "github_token", trigger: trigGitHub,
		re: regexp.MustCompile(`(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})`),
	},
	{
		kind: "slack_token", trigger: trigSlack,
		re: regexp.MustCompile(`xox[abposr]-[A-Za-z0-9-]{10,}`),
	},
}

// String returns s with every secret it recognises masked. A string without any
// trigger word is returned as is, without allocating.
func String(s string) string {
	hits := scan(s)
	if hits == 0 {
		return s
	}

	for i := range rules {
		if hits&rules[i].trigger != 0 {
			s = rules[i].apply(s)
		}
	}

	if hits&trigURL != 0 {
		s = maskURLCredentials(s)
	}
	if hits&trigKey != 0 {
		s = maskPairs(s)
	}
	return s
}

// Mask returns the replacement text for a secret of the given kind.
func Mask(kind string) string { return "[REDACTED:" + kind + "]" }

// apply replaces the rule's group in every match.
func (r *rule) apply(s string) string {
	matches := r.re.FindAllStringSubmatchIndex(s, -1)
	if matches == nil {
		return s
	}

	var b strings.Builder
	last := 0
	for _, m := range matches {
		lo, hi := m[2*r.group], m[2*r.group+1]
		if lo < last || hi <= lo {
			continue
		}
		value := s[lo:hi]
		if strings.HasPrefix(value, "[REDACTED") || (r.keep != nil && r.keep(value)) {
			continue
		}
		b.WriteString(s[last:lo])
		b.WriteString(Mask(r.kind))
		last = hi
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// noDigit keeps "sk-" words without a digit: real keys always mix digits in, and
// hyphenated words such as "sk-learn-pipeline-settings" do not.
func noDigit(v string) bool {
	return strings.IndexAny(v, "0123456789") < 0
}

// authScheme keeps a bare scheme word: in "Authorization: Bearer [REDACTED:jwt]" the
// credential is already masked and "Bearer" is not a secret.
func authScheme(v string) bool {
	switch strings.ToLower(v) {
	case "bearer", "basic", "digest", "token", "negotiate", "ntlm", "apikey":
		return true
	}
	return false
}

// maskURLCredentials masks the password in "scheme://user:password@host". It is
// hand-written because URLs are common in alerts and a regular expression over every
// one of them would dominate the cost of ingest.
func maskURLCredentials(s string) string {
	var b strings.Builder
	last := 0
	for p := strings.Index(s, "://"); p >= 0; {
		lo, hi := urlPassword(s, p+3)
		if hi > lo && !strings.HasPrefix(s[lo:hi], "[REDACTED") {
			b.WriteString(s[last:lo])
			b.WriteString(Mask("password"))
			last = hi
		}
		next := strings.Index(s[p+3:], "://")
		if next < 0 {
			break
		}
		p += 3 + next
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// urlPassword finds the password in the authority that starts at k: the text between
// the first ':' and the last '@' before the path. It returns lo == hi when there is
// none.
func urlPassword(s string, k int) (lo, hi int) {
	end := k
	for end < len(s) && !strings.ContainsRune("/?#\"'<> \t\r\n[", rune(s[end])) {
		end++
	}
	at := strings.LastIndexByte(s[k:end], '@')
	if at < 0 {
		return 0, 0
	}
	colon := strings.IndexByte(s[k:k+at], ':')
	if colon < 0 {
		return 0, 0
	}
	return k + colon + 1, k + at
}
