package email

import (
	"strings"

	"github.com/conductor-sec/conductor/internal/redact"
	"github.com/jhillyerd/enmime/v2"
)

const bodyCutMarker = "\n[body truncated]"

// readParts visits every leaf of the MIME tree: text and HTML parts give links
// and tell whether a plain-text body exists; attachments are measured and
// hashed.
func (a *analysis) readParts() {
	var textAttachments []textAttachment
	for _, p := range leaves(a.msg.env.Root) {
		attached := isAttachment(p)
		// An attached message is raw MIME, whatever type it was given: its
		// links are read, decoded, when it is analysed as a report's original.
		if !isAttachedMessage(p) {
			a.scanPart(p, attached)
		}
		if !attached {
			continue
		}
		if convertedText(p) {
			textAttachments = append(textAttachments, textAttachment{len(a.mail.Attachments), p})
		}
		a.mail.Attachments = append(a.mail.Attachments, describeAttachment(p, p.Content))
	}

	a.rehashText(textAttachments)
	a.mail.URLs = a.links.urls
	if a.links.dropped {
		a.defect("more than 500 links, the rest were dropped")
	}
}

// scanPart pulls links from every part that is text: plain, HTML or SVG (body
// or attached) and calendar invitations, which carry links in their
// description.
func (a *analysis) scanPart(p *enmime.Part, attached bool) {
	if isMarkup(p, attached) {
		a.anchors = append(a.anchors, scanHTML(string(p.Content), &a.links)...)
		if !attached && strings.TrimSpace(string(p.Content)) != "" {
			a.hasHTML = true
		}
		return
	}
	switch p.ContentType {
	case "text/plain", "":
		scanText(string(p.Content), &a.links)
		if !attached && strings.TrimSpace(string(p.Content)) != "" {
			a.hasPlain = true
		}
	case "text/calendar", "application/ics":
		scanText(string(p.Content), &a.links)
	}
}

// markupTypes are read with the HTML tokenizer; "text/htm" is not a real type
// but phishing kits send it.
var markupTypes = map[string]bool{
	"text/html": true, "text/htm": true, "application/xhtml+xml": true,
	"image/svg+xml": true,
}

// isMarkup also catches an attached page whose type lies, such as an
// octet-stream named invoice.html.
func isMarkup(p *enmime.Part, attached bool) bool {
	if markupTypes[p.ContentType] {
		return true
	}
	exts := extensions(p.FileName)
	return attached && len(exts) > 0 && activeExts[exts[len(exts)-1]]
}

// isAttachment follows what mail clients show as a file: a part with
// disposition attachment, or one that carries a filename or name parameter
// whatever its disposition.
func isAttachment(p *enmime.Part) bool {
	return strings.EqualFold(p.Disposition, "attachment") || p.FileName != ""
}

func isMultipart(contentType string) bool {
	return strings.HasPrefix(contentType, "multipart/")
}

// leaves lists the parts without children, depth first.
func leaves(root *enmime.Part) []*enmime.Part {
	if root == nil {
		return nil
	}
	return root.DepthMatchAll(func(p *enmime.Part) bool {
		return p.FirstChild == nil
	})
}

// readBodyText keeps the plain text enmime chose (or its text rendering of the
// HTML), cleaned and capped.
func (a *analysis) readBodyText() {
	text := cleanText(a.msg.env.Text)
	if len(text) > maxBodyBytes {
		text = cutBytes(text, maxBodyBytes) + bodyCutMarker
		a.defect("body text cut at 16384 bytes")
	}
	a.mail.BodyText = redact.String(text)
}
