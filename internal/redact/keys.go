package redact

import "strings"

// maskPairs masks the values of key=value, key: value and "key": "value" pairs whose
// key names a secret (see [SensitiveKey]). It walks the separators rather than
// running a regular expression, because secret words ("password", "token") are
// common in ordinary alert text and this must stay linear and cheap.
func maskPairs(s string) string {
	var b strings.Builder
	last := 0
	for p := 0; p < len(s); p++ {
		if s[p] != ':' && s[p] != '=' {
			continue
		}
		key, start := keyBefore(s, p)
		if s[p] == ':' && start > 0 && s[start-1] == ':' {
			continue // a field of a colon chain such as an ARN ("…:secret:prod/db")
		}
		kind, ok := SensitiveKey(key)
		if !ok {
			continue
		}
		lo, quote, spaced := valueStart(s, p+1)
		hi := valueEnd(s, lo, quote)
		if lo < last || keepValue(s[lo:hi]) || spaced && quote == "" && nextPair(s[lo:hi]) {
			continue
		}
		b.WriteString(s[last:lo])
		b.WriteString(Mask(kind))
		last, p = hi, hi-1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// keyBefore returns the key ending before the separator at p, and where it starts,
// stepping back over blanks and a closing quote (JSON, or JSON escaped in a string).
func keyBefore(s string, p int) (string, int) {
	j := p
	for j > 0 && (s[j-1] == ' ' || s[j-1] == '\t') {
		j--
	}
	if j > 0 && (s[j-1] == '"' || s[j-1] == '\'') {
		j--
		if j > 0 && s[j-1] == '\\' {
			j--
		}
	}
	end := j
	for j > 0 && keyChar(s[j-1]) {
		j--
	}
	return s[j:end], j
}

func keyChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '_' || c == '-' || c == '.'
}

// valueStart steps over blanks and an opening quote after a separator. It returns
// where the value begins, the quote ("", `"`, `'`, or an escaped `\"`), and whether
// blanks were skipped.
func valueStart(s string, k int) (lo int, quote string, spaced bool) {
	start := k
	for k < len(s) && (s[k] == ' ' || s[k] == '\t') {
		k++
	}
	spaced = k > start
	switch {
	case k < len(s) && (s[k] == '"' || s[k] == '\''):
		return k + 1, s[k : k+1], spaced
	case k+1 < len(s) && s[k] == '\\' && (s[k+1] == '"' || s[k+1] == '\''):
		return k + 2, s[k : k+2], spaced
	}
	return k, "", spaced
}

// valueEnd returns where the value starting at lo ends. A quoted value runs to its
// closing quote (or the end of the line when the quote never closes, so a truncated
// secret is still masked); a bare value runs to a space or a delimiter.
func valueEnd(s string, lo int, quote string) int {
	switch quote {
	case `"`, `'`:
		for i := lo; i < len(s); i++ {
			switch s[i] {
			case '\\':
				i++
			case quote[0], '\n':
				return i
			}
		}
		return len(s)
	case `\"`, `\'`:
		if i := strings.Index(s[lo:], quote); i >= 0 {
			return lo + i
		}
		return lineEnd(s, lo)
	}
	if i := strings.IndexAny(s[lo:], " \t\r\n&,;\"'<>)]}\\"); i >= 0 {
		return lo + i
	}
	return len(s)
}

func lineEnd(s string, lo int) int {
	if i := strings.IndexByte(s[lo:], '\n'); i >= 0 {
		return lo + i
	}
	return len(s)
}

// nextPair reports a bare value after blanks that is really the next key=value
// pair, as in "password= user=bob": it holds an '=' that is not base64 padding.
func nextPair(v string) bool {
	i := strings.IndexByte(v, '=')
	return i > 0 && strings.TrimRight(v[i:], "=") != ""
}

// keepValue reports values that are not secrets: empty, JSON literals, masks
// already in place, and placeholder stars.
func keepValue(v string) bool {
	switch v {
	case "", "null", "true", "false":
		return true
	}
	return strings.HasPrefix(v, "[REDACTED") || strings.Trim(v, "*") == ""
}

// SensitiveKey reports whether a field or parameter name holds a secret, and which
// kind ("password", "secret", "aws_secret_key", "private_key", "api_key", "token",
// "authorization", "cookie"). Case, '_', '-', '.' and trailing digits are ignored,
// and the secret word must end the name: "db_password" and "X-Api-Key" are
// sensitive, "password_last_used" and "max_tokens" are not.
func SensitiveKey(name string) (kind string, ok bool) {
	var buf [64]byte
	n := normalize(buf[:0], name)

	switch {
	case contains(n, "aws") && suffix(n, "secretkey", "secretaccesskey", "secret"):
		return "aws_secret_key", true
	case suffix(n, "password", "passwd", "passphrase", "pwd"):
		return "password", true
	case suffix(n, "secret", "secretkey", "secretaccesskey"):
		return "secret", true
	case suffix(n, "privatekey"):
		return "private_key", true
	case suffix(n, "apikey"):
		return "api_key", true
	case suffix(n, "token"):
		return "token", true
	case string(n) == "authorization" || string(n) == "proxyauthorization":
		return "authorization", true
	case suffix(n, "cookie"):
		return "cookie", true
	}
	return "", false
}

// normalize lower-cases name, drops separators and trailing digits.
func normalize(dst []byte, name string) []byte {
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_' || c == '-' || c == '.' || c == ' ':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	for len(dst) > 0 && '0' <= dst[len(dst)-1] && dst[len(dst)-1] <= '9' {
		dst = dst[:len(dst)-1]
	}
	return dst
}

func suffix(n []byte, lits ...string) bool {
	for _, lit := range lits {
		if len(n) >= len(lit) && string(n[len(n)-len(lit):]) == lit {
			return true
		}
	}
	return false
}

func contains(n []byte, lit string) bool {
	return strings.Contains(string(n), lit)
}

// Map masks m in place: the whole value under a key named like a secret (see
// [SensitiveKey]), and any secret [String] finds in the other values.
func Map(m map[string]string) {
	for k, v := range m {
		if kind, ok := SensitiveKey(k); ok && !keepValue(v) {
			m[k] = Mask(kind)
			continue
		}
		m[k] = String(v)
	}
}
