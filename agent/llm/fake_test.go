package llm_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// reply is one scripted answer of the fake endpoint.
type reply struct {
	// status is the HTTP status; 200 streams chunks.
	status int
	// chunks are the SSE data lines of a streamed answer, sent one by one.
	chunks []string
	// body is the body of an error answer.
	body string
	// hang blocks until the client gives up.
	hang bool
}

// received is one request the fake endpoint saw.
type received struct {
	Auth string
	Body chatRequest
	Raw  []byte
}

// chatRequest is the part of a chat-completions request the tests read.
type chatRequest struct {
	Model         string         `json:"model"`
	Stream        bool           `json:"stream"`
	MaxTokens     int            `json:"max_tokens"`
	Temperature   *float64       `json:"temperature"`
	ToolChoice    string         `json:"tool_choice"`
	StreamOptions map[string]any `json:"stream_options"`
	Messages      []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
	Tools []struct {
		Type     string `json:"type"`
		Function struct {
			Name        string          `json:"name"`
			Description string          `json:"description"`
			Parameters  json.RawMessage `json:"parameters"`
		} `json:"function"`
	} `json:"tools"`
}

// fakeModel is an OpenAI-compatible chat-completions endpoint on loopback
// that plays a transcript: one reply per request, in order. A request past
// the end of the script gets a 500, so a test that asks too often fails.
type fakeModel struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	script   []reply
	requests []received
}

func newFakeModel(t *testing.T, script ...reply) *fakeModel {
	t.Helper()
	m := &fakeModel{t: t, script: script}
	m.srv = httptest.NewServer(http.HandlerFunc(m.serve))
	t.Cleanup(m.srv.Close)
	return m
}

// URL is the API root to configure, like a real server's .../v1.
func (m *fakeModel) URL() string { return m.srv.URL + "/v1" }

func (m *fakeModel) Requests() []received {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]received(nil), m.requests...)
}

func (m *fakeModel) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var body chatRequest
	if r.URL.Path != "/v1/chat/completions" || json.Unmarshal(raw, &body) != nil {
		http.Error(w, `{"error":{"message":"bad request to the fake"}}`, http.StatusBadRequest)
		return
	}

	m.mu.Lock()
	n := len(m.requests)
	m.requests = append(m.requests, received{Auth: r.Header.Get("Authorization"),
		Body: body, Raw: raw})
	m.mu.Unlock()
	if n >= len(m.script) {
		http.Error(w, `{"error":{"message":"script exhausted"}}`, http.StatusInternalServerError)
		return
	}

	rep := m.script[n]
	switch {
	case rep.hang:
		<-r.Context().Done()
	case rep.status != http.StatusOK:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rep.status)
		io.WriteString(w, rep.body)
	default:
		m.stream(w, rep.chunks)
	}
}

// stream writes chunks as server-sent events, flushing each, the way a
// server generating tokens does.
func (m *fakeModel) stream(w http.ResponseWriter, chunks []string) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	for _, c := range chunks {
		io.WriteString(w, c+"\n\n")
		w.(http.Flusher).Flush()
	}
}

var sectionRE = regexp.MustCompile(`^-- (stream|hang|status (\d{3})) --$`)

// transcript loads testdata/NAME.txt: lines starting with # before the first
// section are comments; "-- stream --" starts an answer whose lines are SSE
// data lines; "-- status NNN --" an error answer whose lines are its body;
// "-- hang --" an answer that never comes.
func transcript(t *testing.T, name string) []reply {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	var out []reply
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := sectionRE.FindStringSubmatch(line); m != nil {
			out = append(out, section(m))
			continue
		}
		if len(out) == 0 || strings.TrimSpace(line) == "" {
			continue
		}
		cur := &out[len(out)-1]
		if cur.status == http.StatusOK {
			cur.chunks = append(cur.chunks, line)
		} else {
			cur.body += line + "\n"
		}
	}
	if err := sc.Err(); err != nil || len(out) == 0 {
		t.Fatalf("transcript %s: %v, %d answers", name, err, len(out))
	}
	return out
}

func section(m []string) reply {
	switch {
	case m[1] == "stream":
		return reply{status: http.StatusOK}
	case m[1] == "hang":
		return reply{hang: true}
	}
	code, _ := strconv.Atoi(m[2])
	return reply{status: code}
}

// script joins transcripts, for a test that plays several in a row.
func script(t *testing.T, names ...string) []reply {
	t.Helper()
	var out []reply
	for _, n := range names {
		out = append(out, transcript(t, n)...)
	}
	return out
}

// userMessage returns the case view message of a request.
func (r received) userMessage(t *testing.T) string {
	t.Helper()
	for _, m := range r.Body.Messages {
		if m.Role == "user" {
			return m.Content
		}
	}
	t.Fatalf("request has no user message: %s", r.Raw)
	return ""
}

// fenceToken reads the request's fence token from its user message.
func fenceToken(t *testing.T, msg string) string {
	t.Helper()
	m := regexp.MustCompile(`Fence token of this request: (\S+)`).FindStringSubmatch(msg)
	if m == nil {
		t.Fatalf("user message has no fence token: %.200s", msg)
	}
	return m[1]
}

// fenced returns the content of the fence around field, or fails.
func fenced(t *testing.T, msg, token, field string) string {
	t.Helper()
	open := fmt.Sprintf("<untrusted:%s field=%s>", token, field)
	i := strings.Index(msg, open)
	if i < 0 {
		t.Fatalf("no fence %s in the request", open)
	}
	rest := msg[i+len(open):]
	j := strings.Index(rest, "</untrusted:"+token+">")
	if j < 0 {
		t.Fatalf("fence %s is never closed", open)
	}
	return rest[:j]
}
