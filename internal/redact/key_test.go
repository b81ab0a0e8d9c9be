package redact

import "testing"

func TestKey(t *testing.T) {
	const key = "sk-live-0123456789abcdef"
	tests := []struct{ in, want string }{
		{"no secret here", "no secret here"},
		{"key " + key + " end", "key [redacted] end"},
		{"masked sk-live-01****cdef", "masked [redacted]****cdef"},
		{"tail 89abcdef", "tail [redacted]"},
		{"five 01234 only", "five 01234 only"},
	}
	for _, tt := range tests {
		if got := Key(tt.in, key, 6); got != tt.want {
			t.Errorf("Key(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
