// Package demo holds the samples `conductor demo` investigates: real alerts and
// telemetry copied from public corpora whose licences allow it, and e-mails
// written for the demo. NOTICE.md in samples/ names each source and licence.
package demo

import (
	"embed"
	"io/fs"
	"path"
	"sort"
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
