package api

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// sseReader reads events from a live response.
type sseReader struct {
	sc *bufio.Scanner
}

// next returns the next step event, skipping comments.
func (r *sseReader) next(t *testing.T) (string, StepEvent) {
	t.Helper()
	var id string
	var ev StepEvent
	for r.sc.Scan() {
		line := r.sc.Text()
		switch {
		case strings.HasPrefix(line, "id: "):
			id = line[4:]
		case strings.HasPrefix(line, "data: "):
			if err := json.Unmarshal([]byte(line[6:]), &ev); err != nil {
				t.Fatalf("event data %q: %v", line, err)
			}
		case line == "" && ev.Seq != 0:
			return id, ev
		}
	}
	t.Fatalf("stream ended: %v", r.sc.Err())
	return "", ev
}

func (e *env) openEvents(ctx context.Context, path, lastID string) (*http.Response,
	*sseReader) {
	e.t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.http.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+e.tokens["lee"])
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	res, err := e.http.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		e.t.Fatalf("GET %s = %d %s", path, res.StatusCode, res.Header.Get("Content-Type"))
	}
	return res, &sseReader{sc: bufio.NewScanner(res.Body)}
}

func TestCaseEventsStreamNewSteps(t *testing.T) {
	e := newEnv(t)
	doc := e.ingestFile("injection.json").Cases[0]
	last := doc.Timeline[len(doc.Timeline)-1].Seq

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, events := e.openEvents(ctx, "/api/v1/cases/CASE-000001/events?after=2", "")
	defer res.Body.Close()

	id, first := events.next(t)
	if id != "3" || first.Seq != 3 || first.CaseID != "CASE-000001" || first.Hash == "" {
		t.Fatalf("first event = id %s %+v, want step 3 of CASE-000001", id, first)
	}
	for seq := int64(4); seq <= last; seq++ {
		if _, ev := events.next(t); ev.Seq != seq {
			t.Fatalf("event = step %d, want %d", ev.Seq, seq)
		}
	}

	// A step recorded now reaches the open stream.
	go e.do("POST", "/api/v1/cases/CASE-000001/actions", "bot",
		actionRequest{Tool: "user.get", Args: []byte(`{"user":"priya.shah"}`)})
	_, decision := events.next(t)
	if decision.Seq != last+1 || decision.Actor != "agent:bot" || decision.Tool != "user.get" ||
		decision.Decision != "allow" {
		t.Errorf("new event = %+v, want step %d: agent:bot's user.get, allowed", decision,
			last+1)
	}

	// The client going away ends the handler: its access log line appears.
	cancel()
	const line = `"route":"/api/v1/cases/:id/events"`
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(e.logs.String(), line); {
		if time.Now().After(deadline) {
			t.Fatalf("the event handler did not return after the client left")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCaseEventsResumeAndEnd(t *testing.T) {
	e := newEnv(t)
	e.ingestFile("injection.json")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	res, events := e.openEvents(ctx, "/api/v1/cases/CASE-000001/events", "5")
	if _, ev := events.next(t); ev.Seq != 6 {
		t.Errorf("after Last-Event-ID 5 the first event is step %d, want 6", ev.Seq)
	}

	// Closing the server ends the stream, so a graceful shutdown never waits on it.
	e.srv.Close()
	done := make(chan struct{})
	go func() {
		for events.sc.Scan() {
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Errorf("the stream stayed open after Server.Close")
	}
	res.Body.Close()

	for _, tt := range []struct{ path, code string }{
		{"/api/v1/cases/CASE-000404/events", "not_found"},
		{"/api/v1/cases/CASE-000001/events?after=-1", "bad_after"},
	} {
		r := e.do("GET", tt.path, "lee", nil)
		if r.errorCode() != tt.code {
			t.Errorf("GET %s = %d %s, want %s", tt.path, r.status, r.body, tt.code)
		}
	}
}
