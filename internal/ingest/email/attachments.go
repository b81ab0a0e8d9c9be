package email

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"mime/quotedprintable"
	"strings"

	"github.com/conductor-sec/conductor/internal/finding"
	"github.com/jhillyerd/enmime/v2"
)

// describeAttachment measures and hashes the decoded bytes of a part; nothing
// else is done with them. (An attached message that a report carries is read
// by report.go as the message under investigation.)
func describeAttachment(p *enmime.Part, content []byte) finding.Attachment {
	sum := sha256.Sum256(content)
	return finding.Attachment{
		Name:        cutBytes(oneLine(p.FileName), 255),
		ContentType: cutBytes(oneLine(p.ContentType), 255),
		Size:        len(content),
		SHA256:      hex.EncodeToString(sum[:]),
	}
}

// rehashText fixes the size and hash of text attachments. enmime converts text
// parts to UTF-8, but the file a user would save is the bytes after transfer
// decoding only, so those parts are read again without conversion.
func (a *analysis) rehashText(parts []textAttachment) {
	if len(parts) == 0 {
		return
	}
	env, err := readEnvelope(newParser(true), a.raw)
	if err != nil {
		a.defect("text attachments hashed after charset conversion")
		return
	}

	byID := map[string]*enmime.Part{}
	for _, p := range leaves(env.Root) {
		byID[p.PartID] = p
	}
	for _, t := range parts {
		rawPart := byID[t.part.PartID]
		if rawPart == nil || rawPart.FileName != t.part.FileName {
			a.defect("text attachment " + t.part.PartID + " hashed after charset conversion")
			continue
		}
		a.mail.Attachments[t.index] = describeAttachment(t.part, a.decodeTransfer(rawPart))
	}
}

// convertedText reports a text part whose decoded bytes enmime may have
// changed by charset conversion. Pure ASCII under an ASCII-compatible charset
// comes out of conversion unchanged, which saves a second parse.
func convertedText(p *enmime.Part) bool {
	if !strings.HasPrefix(p.ContentType, "text/") {
		return false
	}
	return !isASCII(p.Content) || !asciiCompatible(p.Charset) || !asciiCompatible(p.OrigCharset)
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// asciiCompatible lists the charsets that encode ASCII as itself; UTF-7,
// UTF-16 and EBCDIC do not.
func asciiCompatible(charset string) bool {
	c := strings.ToLower(strings.TrimSpace(charset))
	switch {
	case c == "" || c == "us-ascii" || c == "ascii" || c == "utf-8" || c == "utf8":
		return true
	case strings.HasPrefix(c, "iso-8859-") || strings.HasPrefix(c, "windows-125"):
		return true
	}
	return false
}

// textAttachment remembers where a text part sits in the attachment list.
type textAttachment struct {
	index int
	part  *enmime.Part
}

// decodeTransfer undoes the Content-Transfer-Encoding of a raw part.
func (a *analysis) decodeTransfer(p *enmime.Part) []byte {
	cte := strings.ToLower(strings.TrimSpace(p.Header.Get("Content-Transfer-Encoding")))
	switch cte {
	case "base64":
		return decodeBase64(p.Content)
	case "quoted-printable":
		out, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(p.Content)))
		if err != nil {
			a.defect("attachment " + p.PartID + ": bad quoted-printable, hashed as far as readable")
		}
		return out
	}
	return p.Content
}

// decodeBase64 skips characters outside the alphabet, as mail clients do, and
// decodes what is left.
func decodeBase64(in []byte) []byte {
	clean := make([]byte, 0, len(in))
	for _, c := range in {
		if isBase64Char(c) {
			clean = append(clean, c)
		}
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, _ := base64.RawStdEncoding.Decode(out, clean[:len(clean)/4*4+usable(len(clean)%4)])
	return out[:n]
}

// usable drops a trailing single base64 character, which cannot encode a byte.
func usable(rem int) int {
	if rem == 1 {
		return 0
	}
	return rem
}

func isBase64Char(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
		c == '+' || c == '/'
}
