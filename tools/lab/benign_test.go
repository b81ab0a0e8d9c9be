package lab

import (
	"slices"
	"testing"
	"time"
)

func TestKnownBenign(t *testing.T) {
	l, _ := newTestLab(t, nil)
	night := time.Date(2026, 11, 30, 1, 32, 0, 0, time.UTC)
	noon := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	backup := "nightly backup: BKP-01 runs rsync over ssh as svc-backup to every server " +
		"each night"
	tests := []struct {
		name                    string
		hosts, users, technique []string
		at                      time.Time
		want                    []string
	}{
		{"backup at night", []string{"BKP-01"}, []string{"svc-backup"},
			[]string{"T1021.004"}, night, []string{backup}},
		{"backup by ip and fqdn user", []string{"10.20.0.50"},
			[]string{"svc-backup@acme-corp.example"}, []string{"T1021.004"}, night,
			[]string{backup}},
		{"backup host at noon", []string{"BKP-01"}, []string{"svc-backup"},
			[]string{"T1021.004"}, noon, nil},
		{"other technique on the backup host", []string{"BKP-01"}, []string{"svc-backup"},
			[]string{"T1021.004", "T1003.001"}, night, nil},
		{"other user on the backup host", []string{"BKP-01"}, []string{"maria.lopez"},
			[]string{"T1021.004"}, night, nil},
		{"no techniques at all", []string{"BKP-01"}, []string{"svc-backup"}, nil, night, nil},
		{"admin psexec from the jump host", []string{"JMP-01"}, []string{"sam.taylor"},
			[]string{"T1569.002"}, noon, []string{"admin remote tooling: IT administrators " +
				"run PsExec and remote shells from the jump host"}},
		{"psexec from a workstation", []string{"WS-0142"}, []string{"sam.taylor"},
			[]string{"T1569.002"}, noon, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := l.KnownBenign(tt.hosts, tt.users, tt.technique, tt.at)
			if !slices.Equal(got, tt.want) {
				t.Errorf("KnownBenign(%v, %v, %v, %s) = %q, want %q", tt.hosts, tt.users,
					tt.technique, tt.at.Format("15:04"), got, tt.want)
			}
		})
	}
}

func TestWithinHoursWrapsMidnight(t *testing.T) {
	for _, tc := range []struct {
		hhmm string
		want bool
	}{{"22:59", false}, {"23:00", true}, {"00:10", true}, {"01:00", false}} {
		at, _ := time.Parse("15:04", tc.hhmm)
		if got := withinHours("23:00-01:00", at); got != tc.want {
			t.Errorf("withinHours(23:00-01:00, %s) = %v, want %v", tc.hhmm, got, tc.want)
		}
	}
}
