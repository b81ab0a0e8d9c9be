package ingest

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/conductor-sec/conductor/internal/finding"
)

const wantGeneric = "a generic alert (see docs/ingest.md)"

var genericKinds = map[string]finding.Kind{
	"ip": finding.KindIP, "domain": finding.KindDomain, "url": finding.KindURL,
	"hash": finding.KindHash, "email": finding.KindEmail, "user": finding.KindUser,
	"host": finding.KindHost, "process": finding.KindProcess, "file": finding.KindFile,
}

// parseGeneric reads the shape documented at [FormatGeneric]. It is strict where
// the other parsers are lenient: the shape is ours, so a typo in a severity or an
// observable kind is reported rather than guessed at.
func parseGeneric(b *builder, v *fastjson.Value) error {
	if !b.title(str(v.Get("title"))) {
		return missing("title", wantGeneric)
	}
	if ts := str(v.Get("time")); ts != "" {
		if err := b.when("time", ts); err != nil {
			return err
		}
	}
	if err := b.genericSeverity(v.Get("severity")); err != nil {
		return err
	}

	b.f.RuleID = str(v.Get("rule_id"))
	b.description(str(v.Get("description")))
	b.label("source", str(v.Get("source")))
	v.GetObject("labels").Visit(func(k []byte, val *fastjson.Value) {
		b.label(string(k), str(val))
	})
	if err := b.genericTechniques(v.Get("techniques")); err != nil {
		return err
	}
	return b.genericObservables(v.GetArray("observables"))
}

func (b *builder) genericSeverity(v *fastjson.Value) error {
	if v == nil || v.Type() == fastjson.TypeNull {
		b.unknownSeverity()
		return nil
	}
	if sev, ok := band(str(v)); ok {
		b.severity(sev, bandScores[sev])
		return nil
	}
	score, ok := num(v)
	if !ok || score < 0 || score > 100 {
		return fmt.Errorf("severity %q: want info, low, medium, high, critical or 0-100",
			str(v))
	}
	b.severity(scoreBand(int(score)), int(score))
	return nil
}

func (b *builder) genericTechniques(v *fastjson.Value) error {
	for i, id := range strs(v) {
		id = strings.ToUpper(strings.TrimSpace(id))
		if !finding.IsTechnique(id) {
			return fmt.Errorf("techniques[%d] %q: want an ATT&CK id such as T1110", i, id)
		}
		b.f.AddTechnique(id)
	}
	return nil
}

func (b *builder) genericObservables(list []*fastjson.Value) error {
	for i, o := range list {
		kindName := str(o.Get("kind"))
		kind, ok := genericKinds[strings.ToLower(kindName)]
		if !ok {
			return fmt.Errorf("observables[%d].kind %q: want ip, domain, url, hash, email, "+
				"user, host, process or file", i, kindName)
		}
		value := str(o.Get("value"))
		if value == "" {
			return missing(fmt.Sprintf("observables[%d].value", i), wantGeneric)
		}
		if _, err := netip.ParseAddr(value); kind == finding.KindIP && err != nil {
			return fmt.Errorf("observables[%d].value %q: want an IP address", i, value)
		}
		b.add(kind, value, str(o.Get("role")))
	}
	return nil
}
