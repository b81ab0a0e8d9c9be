package redact

import "strings"

// Key hides a credential the caller holds, such as an API key that a server
// quotes back in an error: it replaces with "[redacted]" every run of at
// least n bytes of s that also occurs in key, so a key quoted in part
// ("sk-abc***xyz") is hidden too.
func Key(s, key string, n int) string {
	hide := make([]bool, len(s))
	for i := range s {
		for j := range key {
			l := 0
			for i+l < len(s) && j+l < len(key) && s[i+l] == key[j+l] {
				l++
			}
			for m := i; l >= n && m < i+l; m++ {
				hide[m] = true
			}
		}
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if !hide[i] {
			b.WriteByte(s[i])
			continue
		}
		b.WriteString("[redacted]")
		for i+1 < len(s) && hide[i+1] {
			i++
		}
	}
	return b.String()
}
