package email

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestScanText(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"plain link in prose", "Go to https://evil.example/login. Thanks",
			[]string{"https://evil.example/login"}},
		{"hxxp and [.]", "IOC: hxxp://evil[.]example/a.php?x=1",
			[]string{"http://evil.example/a.php?x=1"}},
		{"hxxps with [:] and (.)", "hxxps[:]//login(.)evil(.)example/",
			[]string{"https://login.evil.example/"}},
		{"[dot] and upper-case scheme", "HXXPS://evil[dot]example/x",
			[]string{"https://evil.example/x"}},
		{"bare www gets a scheme", "see www.Evil.example/path,",
			[]string{"http://www.evil.example/path"}},
		{"empty path becomes /", "https://Evil.Example", []string{"https://evil.example/"}},
		{"parenthesised link", "(see https://evil.example/a)",
			[]string{"https://evil.example/a"}},
		{"wiki-style parentheses kept", "https://en.example/wiki/Foo_(bar)",
			[]string{"https://en.example/wiki/Foo_(bar)"}},
		{"duplicates collapse", "https://a.example/ and https://a.example/",
			[]string{"https://a.example/"}},
		{"mailto and relative ignored", "mailto:x@y.example /path/only", nil},
		{"google redirect unwrapped", "https://www.google.com/url?q=https://evil.example/p&sa=D",
			[]string{"https://www.google.com/url?q=https://evil.example/p&sa=D",
				"https://evil.example/p"}},
		{"safelinks unwrapped", "https://eur01.safelinks.protection.outlook.com/?url=" +
			"https%3A%2F%2Fevil.example%2Fx&data=05",
			[]string{"https://eur01.safelinks.protection.outlook.com/?url=" +
				"https%3A%2F%2Fevil.example%2Fx&data=05", "https://evil.example/x"}},
		{"google non-redirect kept alone", "https://www.google.com/search?q=x",
			[]string{"https://www.google.com/search?q=x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l linkSet
			scanText(tt.in, &l)
			if diff := cmp.Diff(tt.want, l.urls); diff != "" {
				t.Errorf("scanText(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestLinkSetCap(t *testing.T) {
	var b strings.Builder
	for i := range maxURLs + 20 {
		fmt.Fprintf(&b, "https://host%d.example/ ", i)
	}
	raw := "From: a@b.example\r\nSubject: many\r\n\r\n" + b.String()
	f := mustParse(t, []byte(raw))

	if got := len(f.Email.URLs); got != maxURLs {
		t.Errorf("len(URLs) = %d, want %d", got, maxURLs)
	}
	if got := f.Email.URLs[maxURLs-1]; got != "https://host499.example/" {
		t.Errorf("last URL = %q, want https://host499.example/", got)
	}
	want := "more than 500 links, the rest were dropped"
	if !strings.Contains(strings.Join(f.Email.Defects, "|"), want) {
		t.Errorf("Defects = %q, want %q", f.Email.Defects, want)
	}
}

func TestScanHTML(t *testing.T) {
	doc := `<html><head>
<meta http-equiv="refresh" content="0; url=https://refresh.example/go">
<style>body{background:url('https://css.example/bg.png')}</style></head>
<body>
<a href="https://evil.example/a?x=1&amp;y=2">https://bank.example/login</a>
<img src="//cdn.example/relative-scheme.png">
<form action="https://collect.example/post.php"><input type="hidden" name="r"
 value="https://after.example/done"></form>
<div xmlns="http://www.w3.org/1999/xhtml">Visit https://text.example/page now</div>
<script>window.location = "https://script.example/x";</script>
<a href="mailto:help@evil.example">help</a>
</body></html>`
	var l linkSet
	anchors := scanHTML(doc, &l)

	wantURLs := []string{
		"https://refresh.example/go",
		"https://css.example/bg.png",
		"https://evil.example/a?x=1&y=2",
		"https://cdn.example/relative-scheme.png",
		"https://collect.example/post.php",
		"https://after.example/done",
		"https://text.example/page",
		"https://script.example/x",
	}
	if diff := cmp.Diff(wantURLs, l.urls); diff != "" {
		t.Errorf("scanHTML links mismatch (-want +got):\n%s", diff)
	}
	wantAnchors := []anchor{{href: "https://evil.example/a?x=1&y=2",
		text: "https://bank.example/login"}}
	if diff := cmp.Diff(wantAnchors, anchors, cmp.AllowUnexported(anchor{})); diff != "" {
		t.Errorf("scanHTML anchors mismatch (-want +got):\n%s", diff)
	}
}

func TestTextClaimsOtherHost(t *testing.T) {
	tests := []struct {
		name string
		a    anchor
		want bool
	}{
		{"url text to another domain",
			anchor{"https://rnicrosoft-secure.com/x", "https://login.microsoftonline.com"}, true},
		{"bare domain text to another domain",
			anchor{"https://evil.example/", "paypal.com"}, true},
		{"same registrable domain",
			anchor{"https://portal.northwind.example/i", "www.northwind.example"}, false},
		{"words, not a domain", anchor{"https://evil.example/", "Click here"}, false},
		{"redirect to the shown domain",
			anchor{"https://www.google.com/url?q=https://paypal.com/", "https://paypal.com"}, false},
		{"file name is not a domain", anchor{"https://evil.example/", "invoice.pdf"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := textClaimsOtherHost(tt.a); got != tt.want {
				t.Errorf("textClaimsOtherHost(%+v) = %v, want %v", tt.a, got, tt.want)
			}
		})
	}
}
