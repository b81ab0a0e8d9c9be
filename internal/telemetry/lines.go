package telemetry

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// readBufferSize is the bufio buffer for reading input: large enough that most
// lines are a single ReadSlice, small enough to allocate per file.
const readBufferSize = 1 << 20

// lineReader yields lines of at most max bytes, numbered from 1, without the line
// ending. A longer line is consumed and reported as ErrLineTooLong, and reading goes
// on with the next line, which bufio.Scanner cannot do.
type lineReader struct {
	br   *bufio.Reader
	max  int
	line int
	buf  []byte
}

func newLineReader(br *bufio.Reader, max, firstLine int) *lineReader {
	return &lineReader{br: br, max: max, line: firstLine - 1}
}

// next returns the next line. The slice is valid until the following call.
func (lr *lineReader) next() ([]byte, error) {
	lr.line++
	lr.buf = lr.buf[:0]
	for {
		chunk, err := lr.br.ReadSlice('\n')
		if len(lr.buf)+len(chunk) > lr.max+2 { // +2 leaves room for "\r\n"
			return nil, lr.skipLong(err)
		}
		lr.buf = append(lr.buf, chunk...)

		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(lr.buf) == 0:
			return nil, io.EOF
		case err != nil && !errors.Is(err, io.EOF):
			return nil, err
		}
		line := trimEOL(lr.buf)
		if len(line) > lr.max {
			return nil, fmt.Errorf("%w: over %d bytes, skipped", ErrLineTooLong, lr.max)
		}
		return line, nil
	}
}

// skipLong discards the rest of an over-long line.
func (lr *lineReader) skipLong(err error) error {
	for errors.Is(err, bufio.ErrBufferFull) {
		_, err = lr.br.ReadSlice('\n')
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return fmt.Errorf("%w: over %d bytes, skipped", ErrLineTooLong, lr.max)
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}

// lineTracker counts lines in a stream read by json.Decoder so that an element found
// at a byte offset can be given its line number. It keeps only the offsets of
// newlines read ahead of the last position asked about.
type lineTracker struct {
	r    io.Reader
	off  int64
	nl   []int64
	line int
}

func (t *lineTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	for i, b := range p[:n] {
		if b == '\n' {
			t.nl = append(t.nl, t.off+int64(i))
		}
	}
	t.off += int64(n)
	return n, err
}

// lineAt returns the line holding byte offset off; offsets must not decrease.
func (t *lineTracker) lineAt(off int64) int {
	i := 0
	for i < len(t.nl) && t.nl[i] < off {
		i++
	}
	t.line += i
	t.nl = append(t.nl[:0], t.nl[i:]...)
	return t.line
}
