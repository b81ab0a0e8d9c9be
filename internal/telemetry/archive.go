package telemetry

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
)

func isZip(magic []byte) bool  { return bytes.HasPrefix(magic, []byte("PK\x03\x04")) }
func isGzip(magic []byte) bool { return bytes.HasPrefix(magic, []byte{0x1f, 0x8b}) }

// gzip loads a gzip-compressed input. Progress counts compressed bytes.
func (j *loadJob) gzip(ctx context.Context, br *bufio.Reader) error {
	zr, err := gzip.NewReader(br)
	if err != nil {
		return fmt.Errorf("opening gzip: %w", err)
	}
	defer zr.Close()

	inner := bufio.NewReaderSize(zr, readBufferSize)
	if magic, _ := inner.Peek(4); isZip(magic) || isGzip(magic) {
		return fmt.Errorf("%w: nested archive in %s", ErrUnknownFormat, j.name)
	}
	return j.plain(ctx, j.name, trimExt(filepath.Base(j.name), ".gz"), inner)
}

// zip loads every member of a zip archive. A zip needs random access: a file is
// read in place, any other reader is copied to a temporary file first.
func (j *loadJob) zip(ctx context.Context, r io.Reader, br *bufio.Reader) error {
	if f, ok := r.(*os.File); ok && j.total > 0 {
		return j.zipFrom(ctx, f, j.total)
	}

	tmp, err := os.CreateTemp("", "conductor-telemetry-*.zip")
	if err != nil {
		return fmt.Errorf("spooling zip: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()

	size, err := io.Copy(tmp, br)
	if err != nil {
		return fmt.Errorf("spooling zip: %w", err)
	}
	return j.zipFrom(ctx, tmp, size)
}

func (j *loadJob) zipFrom(ctx context.Context, ra io.ReaderAt, size int64) error {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return fmt.Errorf("opening zip: %w", err)
	}

	// From here progress counts uncompressed member bytes.
	j.read, j.total = 0, 0
	for _, f := range zr.File {
		j.total += int64(f.UncompressedSize64)
	}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		if err := j.member(ctx, f); err != nil {
			return err
		}
	}
	return nil
}

// member loads one zip member. A member that cannot be read or is not telemetry is
// recorded as a bad line and the other members still load.
func (j *loadJob) member(ctx context.Context, f *zip.File) error {
	file := j.name + "/" + f.Name
	source := filepath.Base(j.name) + "/" + path.Base(f.Name)
	rc, err := f.Open()
	if err != nil {
		j.bad(file, 0, fmt.Errorf("opening zip member: %w", err))
		return nil
	}
	defer rc.Close()

	br := bufio.NewReaderSize(&countingReader{r: rc, n: &j.read}, readBufferSize)
	if magic, _ := br.Peek(4); isZip(magic) || isGzip(magic) {
		j.bad(file, 0, fmt.Errorf("%w: nested archive", ErrUnknownFormat))
		return nil
	}

	err = j.plain(ctx, file, source, br)
	if errors.Is(err, ErrUnknownFormat) {
		j.bad(file, 0, err)
		return nil
	}
	return err
}

func trimExt(name, ext string) string {
	if len(name) > len(ext) && filepath.Ext(name) == ext {
		return name[:len(name)-len(ext)]
	}
	return name
}
