package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const chromium = "/usr/bin/chromium"

func TestConsoleIsStaticAndStrict(t *testing.T) {
	e := newEnv(t)
	r := e.must(200, "GET", "/", "", nil)
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp,
		"default-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP = %q, want default-src 'self' and no unsafe-inline", csp)
	}
	if !bytes.Contains(r.body, []byte(`<script src="/console/app.js" defer></script>`)) {
		t.Errorf("index.html does not load /console/app.js")
	}

	// No inline script or handler anywhere in the console's files, and no
	// HTML built from strings in its JavaScript.
	inline := regexp.MustCompile(`<script>|<script [^>]*>[^<]|\son[a-z]+=`)
	err := fs.WalkDir(consoleFiles, "console", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, _ := consoleFiles.ReadFile(path)
		if strings.HasSuffix(path, ".html") && inline.Match(data) {
			t.Errorf("%s has inline script or an on* handler", path)
		}
		for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML",
			"document.write", "eval("} {
			if strings.HasSuffix(path, ".js") && bytes.Contains(data, []byte(sink)) {
				t.Errorf("%s uses %s", path, sink)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	js := e.must(200, "GET", "/console/app.js", "", nil)
	if ct := js.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("app.js Content-Type = %q, want text/javascript", ct)
	}
}

// TestConsoleEscapesUntrustedText loads a case page in headless Chromium.
// The case comes from an alert and a reported e-mail whose titles carry an
// <img onerror> and a <script>, and whose text has a markdown image and an
// <img> pointing at a canary server (threat T2). The page must show the
// markup as text, run none of it, and nothing may ever fetch the canary.
func TestConsoleEscapesUntrustedText(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Skip("needs Debian's chromium at /usr/bin/chromium (apt-get install chromium; " +
			"scripts/test.sh installs it when run as root)")
	}
	var leaks atomic.Int64
	canary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		leaks.Add(1)
	}))
	defer canary.Close()

	e := newEnv(t)
	e.ingestXSS(canary.URL)
	site := httptest.NewServer(consoleHarness(e))
	defer site.Close()

	page := dumpDOM(t, site.URL+"/__test/console.html#/cases/CASE-000001")
	wantText := []string{
		`&lt;img src=x onerror=`, `&lt;script&gt;document.body.dataset.pwned`,
		`Actions and decisions`, `edr.isolate_host`, `Timeline`, `system:ingest`,
	}
	for _, w := range wantText {
		if !strings.Contains(page, w) {
			t.Errorf("case page lacks %q", w)
		}
	}
	checkInert(t, page)

	approvals := dumpDOM(t, site.URL+"/__test/console.html#/approvals")
	for _, w := range []string{"Approve", "Reject", "edr.isolate_host", "lead"} {
		if !strings.Contains(approvals, w) {
			t.Errorf("approvals page lacks %q", w)
		}
	}
	checkInert(t, approvals)

	mail := dumpDOM(t, site.URL+"/__test/console.html#/cases/CASE-000002")
	if !strings.Contains(mail, "&lt;script&gt;") {
		t.Errorf("e-mail case page does not show its subject's <script> as text")
	}
	checkInert(t, mail)
	if n := leaks.Load(); n != 0 {
		t.Errorf("the canary was fetched %d times", n)
	}
}

func checkInert(t *testing.T, page string) {
	t.Helper()
	if strings.Contains(page, "data-pwned") {
		t.Errorf("untrusted markup ran: the DOM has data-pwned")
	}
	if strings.Contains(page, "<img") {
		t.Errorf("untrusted markup became an element: the DOM has an <img>")
	}
	if regexp.MustCompile(`<script>`).MatchString(page) {
		t.Errorf("untrusted markup became a <script> element")
	}
}

// ingestXSS opens CASE-000001 from an alert and CASE-000002 from an e-mail,
// both carrying markup, and holds an action on the first.
func (e *env) ingestXSS(canaryURL string) {
	e.t.Helper()
	alert := map[string]any{
		"title": `Invoice <img src=x onerror="document.body.dataset.pwned='img'"> ` +
			`<script>document.body.dataset.pwned='script'</script>`,
		"time": "2026-11-30T10:00:00Z", "severity": "high", "source": "mail-gateway",
		"description": "![chart](" + canaryURL + "/leak.png?case=secret) <img src=\"" +
			canaryURL + "/img.png\">",
		"observables": []map[string]string{{"kind": "host", "value": "WS-0203",
			"role": "target"}},
	}
	data, _ := json.Marshal(alert)
	e.must(200, "POST", "/api/v1/ingest?name=alert.json", "lee", data)
	e.holdDC01("bot")

	eml := "From: Billing <billing@lookalike.example>\r\nTo: cfo@acme.example\r\n" +
		"Subject: <script>document.body.dataset.pwned='mail'</script> overdue\r\n" +
		"Date: Mon, 30 Nov 2026 10:00:00 +0000\r\nMessage-ID: <x1@lookalike.example>\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Pay now ![logo](" + canaryURL + "/logo.png?who=cfo)\r\n"
	e.must(200, "POST", "/api/v1/ingest?name=report.eml", "lee", eml)
}

// consoleHarness serves the real server, plus a copy of the console page
// that first puts a token in session storage, as the login form would: a
// headless browser cannot type into the form.
func consoleHarness(e *env) http.Handler {
	index, _ := consoleFiles.ReadFile("console/index.html")
	page := bytes.Replace(index, []byte(`<script src="/console/app.js"`),
		[]byte(`<script src="/__test/seed.js"></script>`+"\n"+`<script src="/console/app.js"`),
		1)
	tok, _ := json.Marshal(e.tokens["lin"])
	mux := http.NewServeMux()
	mux.Handle("/", e.srv.Handler())
	mux.HandleFunc("/__test/console.html", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	mux.HandleFunc("/__test/seed.js", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprintf(w, "sessionStorage.setItem(%q, %s);\n", "conductor.token", tok)
	})
	return mux
}

// dumpDOM loads url in headless Chromium and returns the DOM once the page
// has settled (virtual time lets its fetches finish).
func dumpDOM(t *testing.T, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--no-first-run", "--user-data-dir="+t.TempDir(), "--virtual-time-budget=10000",
		"--dump-dom", url)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom %s: %v\n%s", url, err, stderr.String())
	}
	return string(out)
}
