package ingest

import (
	"strings"

	"github.com/valyala/fastjson"

	"github.com/conductor-sec/conductor/internal/finding"
)

const wantWazuh = "a Wazuh alert from alerts.json"

// wazuhData maps fields of the decoded event (data.*) to observables. Names vary by
// decoder; these are the ones the stock decoders use.
var wazuhData = []struct {
	path []string
	kind finding.Kind
	role string
}{
	{[]string{"srcip"}, finding.KindIP, "src"},
	{[]string{"dstip"}, finding.KindIP, "dst"},
	{[]string{"srcuser"}, finding.KindUser, "actor"},
	{[]string{"dstuser"}, finding.KindUser, "target"},
	{[]string{"url"}, finding.KindURL, "dst"},
	{[]string{"win", "eventdata", "ipAddress"}, finding.KindIP, "src"},
	{[]string{"win", "eventdata", "targetUserName"}, finding.KindUser, "target"},
	{[]string{"win", "eventdata", "subjectUserName"}, finding.KindUser, "actor"},
	{[]string{"win", "eventdata", "commandLine"}, finding.KindProcess, "actor"},
	{[]string{"win", "eventdata", "image"}, finding.KindFile, "actor"},
}

// parseWazuh reads one alert of Wazuh's classic alerts.json: rule.level 0-15,
// rule.id, rule.description, rule.mitre.id[], agent, data.* and full_log.
func parseWazuh(b *builder, v *fastjson.Value) error {
	rule := v.Get("rule")
	if !b.title(str(rule.Get("description"))) {
		return missing("rule.description", wantWazuh)
	}
	ts := str(v.Get("timestamp"))
	if ts == "" {
		return missing("timestamp", wantWazuh)
	}
	if err := b.when("timestamp", ts); err != nil {
		return err
	}

	b.f.RuleID = str(rule.Get("id"))
	b.wazuhSeverity(rule.Get("level"))
	for _, id := range strs(rule.Get("mitre", "id")) {
		b.f.AddTechnique(id)
	}
	b.description(str(v.Get("full_log")))
	b.wazuhObservables(v)
	b.wazuhLabels(v, rule)
	return nil
}

// wazuhSeverity follows Wazuh's rule classification: 0-3 are ignored, low-priority
// or successful events (info), 4-6 low, 7-11 medium, 12-14 high-importance
// events, 15 a severe attack (critical). The score is level/15 on 0-100.
func (b *builder) wazuhSeverity(v *fastjson.Value) {
	level, ok := num(v)
	if !ok {
		b.unknownSeverity()
		return
	}
	score := int(level * 100 / 15)
	switch {
	case level >= 15:
		b.severity(finding.SeverityCritical, score)
	case level >= 12:
		b.severity(finding.SeverityHigh, score)
	case level >= 7:
		b.severity(finding.SeverityMedium, score)
	case level >= 4:
		b.severity(finding.SeverityLow, score)
	default:
		b.severity(finding.SeverityInfo, score)
	}
}

func (b *builder) wazuhObservables(v *fastjson.Value) {
	agent := v.Get("agent")
	b.add(finding.KindHost, str(agent.Get("name")), "target")
	b.ip(str(agent.Get("ip")), "target")

	data := v.Get("data")
	for _, d := range wazuhData {
		s := str(data.Get(d.path...))
		if d.kind == finding.KindIP {
			b.ip(s, d.role)
			continue
		}
		b.add(d.kind, s, d.role)
	}

	sc := v.Get("syscheck")
	b.add(finding.KindFile, str(sc.Get("path")), "target")
	b.add(finding.KindHash, str(sc.Get("sha256_after")), "target")
}

func (b *builder) wazuhLabels(v, rule *fastjson.Value) {
	b.label("level", str(rule.Get("level")))
	b.label("groups", strings.Join(strs(rule.Get("groups")), ","))
	b.label("tactic", strings.Join(strs(rule.Get("mitre", "tactic")), ","))
	b.label("agent_id", str(v.Get("agent", "id")))
	b.label("manager", str(v.Get("manager", "name")))
	b.label("decoder", str(v.Get("decoder", "name")))
	b.label("location", str(v.Get("location")))
	b.label("alert_id", str(v.Get("id")))
	b.label("src_port", str(v.Get("data", "srcport")))
	b.label("protocol", str(v.Get("data", "protocol")))
}
