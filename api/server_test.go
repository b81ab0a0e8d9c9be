package api

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestServeShutsDownGracefully serves on a real listener, holds an event
// stream open and a request in flight, and cancels: Serve must end the
// stream, let the request finish and return without error.
func TestServeShutsDownGracefully(t *testing.T) {
	e := newEnv(t)
	e.ingestFile("injection.json")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- e.srv.Serve(ctx, ln) }()
	base := "http://" + ln.Addr().String()

	res := get(t, base+"/healthz", "")
	if res.StatusCode != 200 {
		t.Fatalf("GET /healthz = %d", res.StatusCode)
	}
	res.Body.Close()
	stream := get(t, base+"/api/v1/cases/CASE-000001/events", e.tokens["lee"])
	defer stream.Body.Close()
	buf := make([]byte, 64)
	if _, err := stream.Body.Read(buf); err != nil {
		t.Fatalf("reading the stream: %v", err)
	}

	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve = %v, want nil after a graceful shutdown", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return: the open event stream held the shutdown")
	}
	if _, err := io.ReadAll(stream.Body); err != nil && err != io.ErrUnexpectedEOF {
		t.Logf("stream ended with %v", err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("the server still answers after shutdown")
	}
}

func get(t *testing.T, url, token string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestNewValidatesConfig(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no app", Config{Keys: &Keys{}}},
		{"no keys", Config{App: e.app}},
	}
	for _, tt := range tests {
		if _, err := New(tt.cfg); err == nil {
			t.Errorf("New(%s) = nil error, want one", tt.name)
		}
	}
}
