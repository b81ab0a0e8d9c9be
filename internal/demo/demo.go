// Package demo holds the samples `conductor demo` investigates, and loads them
// for the demo and the bench: real alerts and telemetry copied from public
// corpora whose licences allow it, and e-mails written for the demo.
// NOTICE.md in samples/ names each source and licence.
package demo

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"

	"github.com/conductor-sec/conductor/internal/app"
	"github.com/conductor-sec/conductor/internal/finding"
	"github.com/conductor-sec/conductor/internal/ingest"
)

//go:embed samples
var samples embed.FS

// Sample is one embedded file.
type Sample struct {
	Name string
	Data []byte
}

// Alerts returns the alert and e-mail samples, in name order.
func Alerts() ([]Sample, error) {
	a, err := read("samples/alerts")
	if err != nil {
		return nil, err
	}
	m, err := read("samples/mail")
	if err != nil {
		return nil, err
	}
	return append(a, m...), nil
}

// Telemetry returns the log samples that back siem.search in the demo.
func Telemetry() ([]Sample, error) { return read("samples/telemetry") }

// LoadTelemetry loads the telemetry samples into a and returns how many
// events it holds.
func LoadTelemetry(ctx context.Context, a *app.App) (int, error) {
	samples, err := Telemetry()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range samples {
		rep, err := a.Telemetry.Load(ctx, s.Name, bytes.NewReader(s.Data), nil)
		if err != nil {
			return n, fmt.Errorf("loading demo telemetry %s: %w", s.Name, err)
		}
		n += rep.Events
	}
	return n, nil
}

// Findings parses the alert and e-mail samples with opts. A sample with a
// record it cannot read is an error: the samples are ours.
func Findings(opts ingest.Options) ([]finding.Finding, error) {
	samples, err := Alerts()
	if err != nil {
		return nil, err
	}
	var all []finding.Finding
	for _, s := range samples {
		res, err := ingest.Parse(s.Name, s.Data, opts)
		if err != nil {
			return nil, fmt.Errorf("demo sample %s: %w", s.Name, err)
		}
		if len(res.Errors) > 0 {
			return nil, fmt.Errorf("demo sample %s: %w", s.Name, res.Errors[0])
		}
		all = append(all, res.Findings...)
	}
	return all, nil
}

func read(dir string) ([]Sample, error) {
	entries, err := fs.ReadDir(samples, dir)
	if err != nil {
		return nil, err
	}
	var out []Sample
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) == ".md" {
			continue
		}
		data, err := samples.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, Sample{Name: e.Name(), Data: data})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
