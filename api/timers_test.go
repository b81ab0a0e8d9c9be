package api

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/conductor-sec/conductor/internal/store"
)

// TestConfirmTimer: a human keeps a time-limited containment in force over
// the API; an agent may not, and a second confirmation finds nothing to do.
func TestConfirmTimer(t *testing.T) {
	e := newEnv(t)
	e.ingestFile("injection.json")
	timer := store.Timer{ActionID: "ACT-000099", CaseID: "CASE-000001",
		Tool: "edr.release_host", Args: json.RawMessage(`{"host":"WS-0142"}`),
		Due: time.Now().Add(4 * time.Hour).UTC()}
	if _, err := e.app.Store.PutTimer(t.Context(), &timer); err != nil {
		t.Fatal(err)
	}

	var list timerList
	e.must(200, "GET", "/api/v1/timers", "bot", nil).decode(t, &list)
	if len(list.Timers) != 1 || list.Timers[0].ActionID != "ACT-000099" ||
		list.Timers[0].Tool != "edr.release_host" {
		t.Fatalf("GET /timers = %+v, want the one pending release of WS-0142", list)
	}

	path := "/api/v1/actions/ACT-000099/confirm"
	tests := []struct {
		name, who string
		status    int
		code      string
	}{
		{"agent may not confirm", "bot", 403, "forbidden"},
		{"analyst confirms", "lee", 200, ""},
		{"twice", "lin", 409, "no_timer"},
		{"unknown action", "lin", 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := path
			if tt.name == "unknown action" {
				p = "/api/v1/actions/ACT-404/confirm"
			}
			r := e.do("POST", p, tt.who, decisionRequest{Note: "EDR shows the beacon"})
			if r.status != tt.status || r.errorCode() != tt.code {
				t.Errorf("POST %s as %s = %d %s, want %d %s", p, tt.who, r.status, r.body,
					tt.status, tt.code)
			}
		})
	}

	e.must(200, "GET", "/api/v1/timers?status=confirmed", "lee", nil).decode(t, &list)
	if len(list.Timers) != 1 || list.Timers[0].Status != store.TimerConfirmed {
		t.Errorf("confirmed timers = %+v, want the release of WS-0142", list)
	}
	if r := e.do("GET", "/api/v1/timers?status=soon", "lee", nil); r.status != 400 {
		t.Errorf("GET /timers?status=soon = %d, want 400", r.status)
	}
}
