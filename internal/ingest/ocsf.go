package ingest

import (
	"fmt"
	"strconv"
	"time"

	"github.com/valyala/fastjson"

	"github.com/conductor-sec/conductor/internal/finding"
)

const wantOCSF = "an OCSF Detection Finding (class_uid 2004) or Security Finding (2001)"

// ocsfKinds maps observables[].type_id to a kind: 1 Hostname, 2 IP Address,
// 4 User Name, 5 Email Address, 6 URL String, 7 File Name, 8 Hash, 9 Process Name,
// 13 Command Line, 45 File Path. Object types (21 User, 24 File, 25 Process) carry
// no value and are read from the event's own objects instead.
var ocsfKinds = map[int]finding.Kind{
	1: finding.KindHost, 2: finding.KindIP, 4: finding.KindUser, 5: finding.KindEmail,
	6: finding.KindURL, 7: finding.KindFile, 8: finding.KindHash, 9: finding.KindProcess,
	13: finding.KindProcess, 45: finding.KindFile,
}

// ocsfSeverities maps severity_id: 1 Informational … 5 Critical, 6 Fatal.
var ocsfSeverities = map[string]struct {
	band  finding.Severity
	score int
}{
	"1": {finding.SeverityInfo, 10}, "2": {finding.SeverityLow, 25},
	"3": {finding.SeverityMedium, 50}, "4": {finding.SeverityHigh, 75},
	"5": {finding.SeverityCritical, 95}, "6": {finding.SeverityCritical, 100},
}

// parseOCSF reads an OCSF Detection Finding (2004) or Security Finding (2001).
// Events of other classes are [ErrNotAlert].
func parseOCSF(b *builder, v *fastjson.Value) error {
	class := str(v.Get("class_uid"))
	if class != "2004" && class != "2001" {
		return fmt.Errorf("%w: OCSF class_uid %s", ErrNotAlert, class)
	}

	info := v.Get("finding_info")
	if info == nil {
		info = v.Get("finding") // Security Finding before OCSF 1.1
	}
	if !b.title(firstNonEmpty(str(info.Get("title")), str(v.Get("message")))) {
		return missing("finding_info.title", wantOCSF)
	}
	if err := b.ocsfTime(v); err != nil {
		return err
	}

	b.f.RuleID = firstNonEmpty(str(info.Get("analytic", "uid")),
		str(info.Get("analytic", "name")), str(info.Get("uid")))
	b.description(firstNonEmpty(str(info.Get("desc")), str(v.Get("message"))))
	b.ocsfSeverity(v)
	for _, root := range []*fastjson.Value{info, v} {
		eachStr(root, "attacks.technique.uid", b.f.AddTechnique)
		eachStr(root, "attacks.sub_technique.uid", b.f.AddTechnique)
	}

	b.ocsfObservables(v.Get("observables"))
	b.ocsfEntities(v)
	for _, e := range v.GetArray("evidences") {
		b.ocsfEntities(e)
	}
	b.ocsfLabels(v, info)
	return nil
}

// ocsfTime reads time, epoch milliseconds, falling back to the time_dt string.
func (b *builder) ocsfTime(v *fastjson.Value) error {
	raw := str(v.Get("time"))
	if raw == "" {
		if dt := str(v.Get("time_dt")); dt != "" {
			return b.when("time_dt", dt)
		}
		return missing("time", wantOCSF)
	}
	ms, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return fmt.Errorf("parsing \"time\" %q: want epoch milliseconds: %w", raw, err)
	}
	b.f.Time, b.f.TimeRaw = time.UnixMilli(ms).UTC(), raw
	return nil
}

func (b *builder) ocsfSeverity(v *fastjson.Value) {
	if s, ok := ocsfSeverities[str(v.Get("severity_id"))]; ok {
		b.severity(s.band, s.score)
		return
	}
	// 0 Unknown and 99 Other leave the caption as the only clue.
	if sev, ok := band(str(v.Get("severity"))); ok {
		b.severity(sev, bandScores[sev])
		return
	}
	b.unknownSeverity()
}

func (b *builder) ocsfObservables(list *fastjson.Value) {
	for _, o := range list.GetArray() {
		id, err := strconv.Atoi(str(o.Get("type_id")))
		kind, ok := ocsfKinds[id]
		if err != nil || !ok {
			continue
		}
		value, role := str(o.Get("value")), ocsfRole(str(o.Get("name")))
		if kind == finding.KindIP {
			b.ip(value, role)
			continue
		}
		b.add(kind, value, role)
	}
}

// ocsfRole reads the role from the attribute path an observable names
// ("src_endpoint.ip", "actor.user.name", "device.hostname").
func ocsfRole(name string) string {
	for _, p := range []struct{ prefix, role string }{
		{"src_endpoint", "src"}, {"dst_endpoint", "dst"}, {"actor", "actor"},
		{"device", "target"}, {"resources", "target"}, {"user", "target"},
	} {
		if len(name) >= len(p.prefix) && name[:len(p.prefix)] == p.prefix {
			return p.role
		}
	}
	return ""
}

// ocsfEntities reads the objects an event or one of its evidences carries.
func (b *builder) ocsfEntities(v *fastjson.Value) {
	if v == nil {
		return
	}
	b.add(finding.KindHost, firstNonEmpty(str(v.Get("device", "hostname")),
		str(v.Get("device", "name"))), "target")
	b.ip(str(v.Get("device", "ip")), "target")
	b.ip(str(v.Get("src_endpoint", "ip")), "src")
	b.ip(str(v.Get("dst_endpoint", "ip")), "dst")
	b.add(finding.KindHost, str(v.Get("src_endpoint", "hostname")), "src")
	b.add(finding.KindHost, str(v.Get("dst_endpoint", "hostname")), "dst")
	b.add(finding.KindDomain, str(v.Get("dst_endpoint", "domain")), "dst")

	b.add(finding.KindUser, str(v.Get("actor", "user", "name")), "actor")
	b.add(finding.KindProcess, str(v.Get("actor", "process", "cmd_line")), "actor")
	b.add(finding.KindFile, str(v.Get("actor", "process", "file", "path")), "actor")
	b.add(finding.KindUser, str(v.Get("user", "name")), "target")
	b.add(finding.KindEmail, str(v.Get("user", "email_addr")), "target")
	b.add(finding.KindProcess, str(v.Get("process", "cmd_line")), "")
	b.add(finding.KindFile, firstNonEmpty(str(v.Get("file", "path")),
		str(v.Get("file", "name"))), "")
	eachStr(v, "file.hashes.value", func(h string) { b.add(finding.KindHash, h, "") })
	b.add(finding.KindURL, str(v.Get("url", "url_string")), "dst")
	b.host(str(v.Get("query", "hostname")), "query")
}

func (b *builder) ocsfLabels(v, info *fastjson.Value) {
	b.label("class_name", str(v.Get("class_name")))
	b.label("activity_name", str(v.Get("activity_name")))
	b.label("status", firstNonEmpty(str(v.Get("status")), str(v.Get("status_id"))))
	b.label("product", str(v.Get("metadata", "product", "name")))
	b.label("vendor", str(v.Get("metadata", "product", "vendor_name")))
	b.label("finding_uid", str(info.Get("uid")))
	b.label("finding_types", joined(info, "types"))
	b.label("analytic", str(info.Get("analytic", "name")))
	b.label("confidence", firstNonEmpty(str(v.Get("confidence")),
		str(v.Get("confidence_score"))))
	b.label("tactic", joined(info, "attacks.tactic.name"))
	b.label("resources", joined(v, "resources.name"))
}
