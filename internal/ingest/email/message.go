package email

import (
	"bytes"
	"fmt"
	"io"
	"net/mail"
	"net/textproto"

	"github.com/jhillyerd/enmime/v2"
)

// message is the MIME view of the input: enmime's envelope plus the defects met
// while getting it.
type message struct {
	env     *enmime.Envelope
	defects []string
}

// header returns the first raw (undecoded) value of a header.
func (m *message) header(name string) string {
	return m.env.Root.Header.Get(name)
}

// headers returns every raw value of a header, top first.
func (m *message) headers(name string) []string {
	return m.env.Root.Header.Values(name)
}

// decoded returns the first value of a header with RFC 2047 words decoded.
func (m *message) decoded(name string) string {
	vs := m.env.GetHeaderValues(name)
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

// newParser returns the enmime parser tuned for broken mail: skip parts it
// cannot read, read a multipart without boundary as one part, keep what a
// corrupt base64 text part still yields.
func newParser(raw bool) *enmime.Parser {
	return enmime.NewParser(
		enmime.SkipMalformedParts(true),
		enmime.MultipartWOBoundaryAsSinglePart(true),
		enmime.SetReadPartErrorPolicy(enmime.AllowCorruptTextPartErrorPolicy),
		enmime.MaxStoredPartErrors(maxDefects),
		enmime.RawContent(raw),
	)
}

// readMessage parses raw with enmime, then with two fallbacks: skipping
// whitespace before the first header, and net/mail with the body kept as plain
// text. Input that none of them can give a header to is [ErrNotEmail].
func readMessage(raw []byte) (*message, error) {
	env, err := readEnvelope(newParser(false), raw)
	if err == nil {
		return checkHeaders(&message{env: env})
	}

	trimmed := bytes.TrimLeft(raw, " \t\r\n")
	if len(trimmed) < len(raw) {
		if env, err2 := readEnvelope(newParser(false), trimmed); err2 == nil {
			m := &message{env: env, defects: []string{"whitespace before the first header"}}
			return checkHeaders(m)
		}
	}

	m, ferr := readPlain(raw)
	if ferr != nil {
		return nil, fmt.Errorf("%w: %s", ErrNotEmail, oneLine(err.Error()))
	}
	m.defects = append(m.defects, "mime structure unreadable, body kept as text: "+
		cutBytes(oneLine(err.Error()), 200))
	return checkHeaders(m)
}

// readEnvelope runs enmime and turns a panic inside it into an error: a bug in
// a dependency must not take the service down on one hostile message.
func readEnvelope(p *enmime.Parser, raw []byte) (env *enmime.Envelope, err error) {
	defer func() {
		if r := recover(); r != nil {
			env, err = nil, fmt.Errorf("mime parser panic: %v", r)
		}
	}()
	return p.ReadEnvelope(bytes.NewReader(raw))
}

// readPlain reads the header with net/mail and keeps the whole body as text.
func readPlain(raw []byte) (*message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("reading header: %w", err)
	}
	body, err := io.ReadAll(msg.Body)
	if err != nil {
		return nil, fmt.Errorf("reading body: %w", err)
	}

	root := enmime.NewPart("text/plain")
	root.Header = textproto.MIMEHeader(msg.Header)
	root.Content = body
	env, err := readFromPart(root)
	if err != nil {
		return nil, err
	}
	env.Text = string(body)
	return &message{env: env}, nil
}

func readFromPart(root *enmime.Part) (env *enmime.Envelope, err error) {
	defer func() {
		if r := recover(); r != nil {
			env, err = nil, fmt.Errorf("mime parser panic: %v", r)
		}
	}()
	env, err = newParser(false).EnvelopeFromPart(root)
	if err != nil {
		return nil, fmt.Errorf("building envelope: %w", err)
	}
	return env, nil
}

func checkHeaders(m *message) (*message, error) {
	if m.env == nil || m.env.Root == nil || len(m.env.Root.Header) == 0 {
		return nil, fmt.Errorf("%w: no header found", ErrNotEmail)
	}
	return m, nil
}
