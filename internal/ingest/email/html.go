package email

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// anchor is one <a href> with the text a reader sees for it.
type anchor struct {
	href string
	text string
}

const maxAnchorText = 500

// linkAttrs are the attributes whose value a browser would load or submit to.
var linkAttrs = map[string]bool{
	"href": true, "src": true, "action": true, "formaction": true,
	"background": true, "poster": true, "data": true,
}

// scanHTML tokenizes (never renders) HTML and collects links from link
// attributes, absolute links in any other attribute, meta refresh and text,
// including script text. Entities are
// unescaped by the tokenizer. It returns the anchors for the link-text check.
func scanHTML(doc string, links *linkSet) []anchor {
	z := html.NewTokenizer(strings.NewReader(doc))
	var anchors []anchor
	var open *anchor
	for {
		switch z.Next() {
		case html.ErrorToken:
			return closeAnchor(anchors, open)
		case html.StartTagToken, html.SelfClosingTagToken:
			t := z.Token()
			href := scanTag(t, links)
			if t.Data == "a" {
				anchors = closeAnchor(anchors, open)
				open = &anchor{href: href}
			}
		case html.EndTagToken:
			if t := z.Token(); t.Data == "a" {
				anchors, open = closeAnchor(anchors, open), nil
			}
		case html.TextToken:
			open = readText(string(z.Text()), open, links)
		}
	}
}

// readText scans text for links, except the label of a link: "https://bank.com"
// shown over another href is a claim, not a destination.
func readText(text string, open *anchor, links *linkSet) *anchor {
	if open == nil || open.href == "" {
		scanText(text, links)
	}
	if open != nil && len(open.text) < maxAnchorText {
		open.text += text
	}
	return open
}

// maxAnchors bounds the memory a page of millions of links can take; the
// link-text check only needs to find one liar.
const maxAnchors = 2000

func closeAnchor(anchors []anchor, a *anchor) []anchor {
	if a == nil || a.href == "" || len(anchors) >= maxAnchors {
		return anchors
	}
	a.text = cutBytes(oneLine(a.text), maxAnchorText)
	return append(anchors, *a)
}

var metaRefreshURL = regexp.MustCompile(`(?i)url\s*=\s*['"]?([^'"\s>]+)`)

// scanTag adds the links of one tag and returns its normalized href.
func scanTag(t html.Token, links *linkSet) string {
	var href string
	refresh := t.Data == "meta" && hasAttr(t, "http-equiv", "refresh")
	for _, at := range t.Attr {
		key := strings.ToLower(at.Key)
		switch {
		case linkAttrs[key]:
			u := links.add(at.Val)
			if key == "href" {
				href = u
			}
		case refresh && key == "content":
			if m := metaRefreshURL.FindStringSubmatch(at.Val); m != nil {
				links.add(m[1])
			}
		case !strings.HasPrefix(key, "xmlns"):
			// Inline CSS url(), hidden form fields holding the post-theft
			// redirect, data-* attributes: any absolute link in any value.
			scanText(at.Val, links)
		}
	}
	return href
}

func hasAttr(t html.Token, key, val string) bool {
	for _, at := range t.Attr {
		if strings.EqualFold(at.Key, key) && strings.EqualFold(strings.TrimSpace(at.Val), val) {
			return true
		}
	}
	return false
}
