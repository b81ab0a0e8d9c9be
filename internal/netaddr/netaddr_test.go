package netaddr

import "testing"

func TestRoutableString(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"185.220.101.47", true},
		{" [2001:4860:4860::8888] ", true},
		{"::ffff:185.220.101.47", true},
		{"fe80::1%eth0", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"192.168.56.10", false},
		{"127.0.0.1", false},
		{"169.254.1.1", false},
		{"100.64.0.1", false},
		{"192.0.0.8", false},
		{"198.18.0.1", false},
		{"240.0.0.1", false},
		{"224.0.0.1", false},
		{"0.0.0.0", false},
		{"fd00::1", false},
		{"::1", false},
		{"10.0.0.0/8", false},
		{"not an ip", false},
		{"", false},
	}
	for _, tc := range tests {
		if got := RoutableString(tc.in); got != tc.want {
			t.Errorf("RoutableString(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
