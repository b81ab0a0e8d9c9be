package email

import (
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"net/mail"
	"regexp"
	"strings"

	"github.com/conductor-sec/conductor/internal/finding"
	"github.com/conductor-sec/conductor/internal/redact"
	"github.com/jhillyerd/enmime/v2"
	"golang.org/x/text/encoding/htmlindex"
)

// readIdentity fills subject, sender, recipients and message id.
func (a *analysis) readIdentity() {
	a.mail.Subject = redact.String(oneLine(a.subject()))
	a.mail.MessageID = cutBytes(oneLine(a.msg.header("Message-Id")), 500)

	a.readFrom()
	a.mail.ReplyTo = a.addressValues("Reply-To")
	if rp := a.addresses("Return-Path"); len(rp) > 0 {
		a.mail.ReturnPath = cutBytes(rp[0].Address, 320)
	}
	a.mail.To = a.addressValues("To")
	a.cc = append(a.addressValues("Cc"), a.addressValues("Bcc")...)
}

// subject decodes the Subject, repairing encoded words whose base64 padding is
// wrong (a trick seen in the wild to slip past filters that decode strictly).
func (a *analysis) subject() string {
	s := a.msg.decoded("Subject")
	if !encodedWord.MatchString(s) {
		return s
	}
	fixed, ok := repairEncodedWords(s)
	if !ok {
		a.defect("undecodable encoded word in Subject")
		return s
	}
	a.defect("malformed encoded word in Subject repaired")
	return fixed
}

func (a *analysis) readFrom() {
	froms := a.msg.headers("From")
	if len(froms) == 0 {
		a.defect("no From header")
		return
	}
	if len(froms) > 1 {
		a.defect("several From headers, the first is used")
	}

	decoded := a.msg.env.GetHeaderValues("From")[0]
	list := a.parseAddressList("From", froms[0], decoded)
	if len(list) == 0 {
		return
	}
	a.mail.From = finding.Address{
		Name:    redact.String(cutBytes(cleanName(list[0].Name), 500)),
		Address: cutBytes(list[0].Address, 320),
	}
}

// addresses parses the first value of an address header.
func (a *analysis) addresses(name string) []*mail.Address {
	raw := a.msg.header(name)
	if strings.TrimSpace(raw) == "" {
		return nil
	}
	return a.parseAddressList(name, raw, a.msg.decoded(name))
}

// maxAddresses caps one address header; a reported e-mail sent to thousands
// is scoped from the mail server, not from its To line.
const maxAddresses = 100

func (a *analysis) addressValues(name string) []string {
	var out []string
	for _, ad := range a.addresses(name) {
		if len(out) == maxAddresses {
			a.defect("more than 100 addresses in " + name + ", the rest were ignored")
			break
		}
		out = appendUnique(out, cutBytes(ad.Address, 320))
	}
	return out
}

// parseAddressList reads an address header with enmime's tolerant parser; when
// even that fails it falls back to picking out whatever looks like an address.
func (a *analysis) parseAddressList(name, raw, decoded string) []*mail.Address {
	list, err := enmime.ParseAddressList(raw)
	if err == nil || errors.Is(err, mail.ErrHeaderNotPresent) {
		return normalizeAddresses(list)
	}

	list = scrapeAddresses(decoded)
	if len(list) == 0 && isGroupOnly(raw) {
		return nil
	}
	a.defect("unparseable " + name + " header")
	return list
}

var (
	addrSpec  = regexp.MustCompile(`[^\s<>"',;:()\[\]]+@[^\s<>"',;:()\[\]@]+`)
	groupOnly = regexp.MustCompile(`^[^:@<>]*:\s*;?\s*$`)
)

// isGroupOnly reports an empty group such as "undisclosed-recipients:;".
func isGroupOnly(raw string) bool { return groupOnly.MatchString(strings.TrimSpace(raw)) }

func scrapeAddresses(s string) []*mail.Address {
	var out []*mail.Address
	for _, loc := range addrSpec.FindAllStringIndex(s, -1) {
		name := ""
		if len(out) == 0 {
			name = strings.TrimSpace(strings.TrimRight(s[:loc[0]], "<"))
		}
		out = append(out, &mail.Address{Name: name, Address: s[loc[0]:loc[1]]})
	}
	return normalizeAddresses(out)
}

func normalizeAddresses(list []*mail.Address) []*mail.Address {
	out := list[:0]
	for _, ad := range list {
		if ad == nil {
			continue
		}
		ad.Address = strings.ToLower(strings.Trim(oneLine(ad.Address), "<> ."))
		if ad.Address == "" {
			continue
		}
		out = append(out, ad)
	}
	return out
}

// cleanName strips quoting and separators a broken From leaves on a name.
func cleanName(s string) string {
	return strings.Trim(oneLine(s), " \"',;_<>")
}

func domainOf(address string) string {
	i := strings.LastIndexByte(address, '@')
	if i < 0 {
		return ""
	}
	return strings.TrimSuffix(strings.ToLower(address[i+1:]), ".")
}

var encodedWord = regexp.MustCompile(`=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=`)

// repairEncodedWords re-pads base64 encoded words and decodes them with the
// standard library decoder.
func repairEncodedWords(s string) (string, bool) {
	fixed := encodedWord.ReplaceAllStringFunc(s, func(w string) string {
		m := encodedWord.FindStringSubmatch(w)
		if !strings.EqualFold(m[2], "b") {
			return w
		}
		text := strings.TrimRight(m[3], "=")
		if r := len(text) % 4; r != 0 {
			text += strings.Repeat("=", 4-r)
		}
		if _, err := base64.StdEncoding.DecodeString(text); err != nil {
			return w
		}
		return "=?" + m[1] + "?B?" + text + "?="
	})

	dec := mime.WordDecoder{CharsetReader: charsetReader}
	out, err := dec.DecodeHeader(fixed)
	if err != nil || encodedWord.MatchString(out) {
		return s, false
	}
	return out, true
}

func charsetReader(label string, r io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(label)
	if err != nil {
		return nil, err
	}
	return enc.NewDecoder().Reader(r), nil
}

func appendUnique(list []string, s string) []string {
	for _, v := range list {
		if v == s {
			return list
		}
	}
	return append(list, s)
}
