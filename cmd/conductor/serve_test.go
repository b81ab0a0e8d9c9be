package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/conductor-sec/conductor/api"
	"github.com/conductor-sec/conductor/internal/app"
	"github.com/conductor-sec/conductor/internal/config"
	"github.com/conductor-sec/conductor/internal/store"
)

var tokenLine = regexp.MustCompile(`Bearer (cnd_[A-Za-z0-9_-]{43})\n`)

func TestServeKeys(t *testing.T) {
	keysFile := filepath.Join(t.TempDir(), "keys.yaml")
	if _, err := api.AddKey(keysFile, "lee", api.RoleAnalyst); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(t.TempDir(), "empty.yaml")
	if err := writeFile(empty, "keys: []\n"); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, addr, keys string
		wantKeys         int
		wantCode         int // exit code of the error; 0 for none
	}{
		{"keys file anywhere", "0.0.0.0:8080", keysFile, 1, 0},
		{"no keys off loopback", "0.0.0.0:8080", "", 0, 2},
		{"no keys on all interfaces", ":8080", "", 0, 2},
		{"empty keys file", "127.0.0.1:8080", empty, 0, 2},
		{"no keys on loopback", "127.0.0.1:8080", "", 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			keys, err := serveKeys(&stderr, tt.addr, tt.keys)
			var ec exitCodeError
			switch {
			case tt.wantCode != 0 && (!errors.As(err, &ec) || ec.code != tt.wantCode):
				t.Fatalf("serveKeys(%s, %q) = %v, want exit code %d", tt.addr, tt.keys, err,
					tt.wantCode)
			case tt.wantCode == 0 && (err != nil || keys.Len() != tt.wantKeys):
				t.Fatalf("serveKeys(%s, %q) = %v, %v; want %d keys", tt.addr, tt.keys, keys,
					err, tt.wantKeys)
			}
			if tt.name != "no keys on loopback" {
				return
			}
			m := tokenLine.FindStringSubmatch(stderr.String())
			if m == nil {
				t.Fatalf("stderr %q shows no token", stderr.String())
			}
			if k, ok := keys.Lookup(m[1]); !ok || k.Role != api.RoleAdmin {
				t.Errorf("the printed token = %+v, %v; want the run's admin key", k, ok)
			}
		})
	}
}

func TestPrintNewKey(t *testing.T) {
	var out bytes.Buffer
	if err := printNewKey(&out, "", "bot", api.RoleAgent); err != nil {
		t.Fatal(err)
	}
	ks, err := api.ParseKeys([]byte(out.String()[strings.Index(out.String(), "keys:"):]))
	if err != nil {
		t.Fatalf("the printed YAML does not parse: %v\n%s", err, out.String())
	}
	tok := regexp.MustCompile(`cnd_[A-Za-z0-9_-]{43}`).FindString(out.String())
	if k, ok := ks.Lookup(tok); !ok || k.Name != "bot" || k.Role != api.RoleAgent {
		t.Errorf("printed token and YAML disagree: %+v, %v", k, ok)
	}

	path := filepath.Join(t.TempDir(), "k.yaml")
	out.Reset()
	if err := printNewKey(&out, path, "lin", api.RoleLead); err != nil {
		t.Fatal(err)
	}
	tok = regexp.MustCompile(`cnd_[A-Za-z0-9_-]{43}`).FindString(out.String())
	ks, err = api.LoadKeys(path)
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := ks.Lookup(tok); !ok || k.Name != "lin" {
		t.Errorf("the token printed for lin does not open %s: %+v, %v", path, k, ok)
	}
	if err := printNewKey(&out, path, "lin", api.RoleLead); err == nil {
		t.Error("a second key named lin was accepted")
	}
}

func writeFile(path, data string) error {
	return os.WriteFile(path, []byte(data), 0o600)
}

// TestServeRunsTimers: a server undoes the demo's time-limited containment
// once it is due, without anyone running `conductor timers run`.
func TestServeRunsTimers(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	mustRun(t, "demo", "--db", db)

	later := time.Now().Add(5 * time.Hour)
	a, err := app.Open(context.Background(), config.Config{DB: db},
		app.Options{Now: func() time.Time { return later }})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		runTimersEvery(ctx, a, 10*time.Millisecond)
		close(done)
	}()

	var fired []store.Timer
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		if fired, err = a.Store.ListTimers(ctx, store.TimerFired); err != nil ||
			len(fired) == 2 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done

	if len(fired) != 2 {
		t.Fatalf("fired timers = %+v, %v; want the demo's isolation and block undone", fired,
			err)
	}
	snap, err := a.Lab.State(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, iso := range snap.Isolated {
		if iso.Host == "WS-0142" {
			t.Errorf("WS-0142 is still isolated after its time limit: %+v", snap.Isolated)
		}
	}
}
