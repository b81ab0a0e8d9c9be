package ingest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/conductor-sec/conductor/internal/finding"
)

const wantElastic = "an Elastic detection alert or an ECS document with event.kind alert"

// ecsField maps one ECS field to an observable.
type ecsField struct {
	path string
	kind finding.Kind
	role string
}

// ecsObservables are the ECS fields worth correlating on. The host an alert fired
// on is its target; user.name and the process are who acted.
var ecsObservables = []ecsField{
	{"source.ip", finding.KindIP, "src"},
	{"client.ip", finding.KindIP, "src"},
	{"destination.ip", finding.KindIP, "dst"},
	{"server.ip", finding.KindIP, "dst"},
	{"source.domain", finding.KindDomain, "src"},
	{"destination.domain", finding.KindDomain, "dst"},
	{"host.name", finding.KindHost, "target"},
	{"host.hostname", finding.KindHost, "target"},
	{"host.ip", finding.KindIP, "target"},
	{"user.name", finding.KindUser, "actor"},
	{"user.target.name", finding.KindUser, "target"},
	{"user.email", finding.KindEmail, "actor"},
	{"email.from.address", finding.KindEmail, "sender"},
	{"email.to.address", finding.KindEmail, "recipient"},
	{"process.command_line", finding.KindProcess, "actor"},
	{"process.parent.command_line", finding.KindProcess, "parent"},
	{"process.executable", finding.KindFile, "actor"},
	{"process.hash.sha256", finding.KindHash, "actor"},
	{"file.path", finding.KindFile, "target"},
	{"file.hash.sha256", finding.KindHash, "target"},
	{"file.hash.sha1", finding.KindHash, "target"},
	{"file.hash.md5", finding.KindHash, "target"},
	{"url.full", finding.KindURL, "dst"},
	{"url.original", finding.KindURL, "dst"},
	{"dns.question.name", finding.KindDomain, "query"},
}

// ecsRelated lists everything an event touched; values already seen under a
// more specific field are not repeated.
var ecsRelated = []ecsField{
	{"related.ip", finding.KindIP, ""},
	{"related.user", finding.KindUser, ""},
	{"related.hosts", finding.KindHost, ""},
	{"related.hash", finding.KindHash, ""},
}

// ecsLabels maps label names to the fields they show; arrays are joined with ",".
var ecsLabels = [][2]string{
	{"workflow_status", "kibana.alert.workflow_status"},
	{"rule_type", "kibana.alert.rule.type"},
	{"event_category", "event.category"},
	{"event_action", "event.action"},
	{"event_outcome", "event.outcome"},
	{"event_dataset", "event.dataset"},
	{"tactic", "threat.tactic.name"},
	{"rule_tactic", "kibana.alert.rule.threat.tactic.name"},
	{"process_name", "process.name"},
	{"parent_process_name", "process.parent.name"},
	{"user_domain", "user.domain"},
	{"agent_type", "agent.type"},
	{"cloud_account_id", "cloud.account.id"},
}

var ecsTechniquePaths = []string{
	"threat.technique.id",
	"threat.technique.subtechnique.id",
	"kibana.alert.rule.threat.technique.id",
	"kibana.alert.rule.threat.technique.subtechnique.id",
	"signal.rule.threat.technique.id",
	"signal.rule.threat.technique.subtechnique.id",
}

// parseElastic reads an Elastic Security detection alert (kibana.alert.*, or the
// older signal.*) or any ECS document whose event.kind is "alert" or "signal".
// Dotted keys, nested objects and mixes of both are accepted. Other ECS documents
// are [ErrNotAlert].
func parseElastic(b *builder, v *fastjson.Value) error {
	if !elasticAlert(v) {
		return fmt.Errorf("%w: ECS event.kind %q", ErrNotAlert, getStr(v, "event.kind"))
	}
	if !b.title(first(v, "kibana.alert.rule.name", "signal.rule.name", "rule.name")) {
		return missing("kibana.alert.rule.name", wantElastic)
	}
	field, ts := firstField(v, "kibana.alert.original_time", "signal.original_time",
		"@timestamp")
	if ts == "" {
		return missing("@timestamp", wantElastic)
	}
	if err := b.when(field, ts); err != nil {
		return err
	}

	b.f.RuleID = first(v, "kibana.alert.rule.rule_id", "kibana.alert.rule.uuid",
		"signal.rule.rule_id", "signal.rule.id", "rule.id", "rule.uuid")
	b.description(first(v, "kibana.alert.reason", "signal.reason",
		"kibana.alert.rule.description", "signal.rule.description", "rule.description",
		"event.reason", "message"))
	b.elasticSeverity(v)
	for _, path := range ecsTechniquePaths {
		eachStr(v, path, b.f.AddTechnique)
	}
	b.ecsObservables(v)
	for _, l := range ecsLabels {
		b.label(l[0], joined(v, l[1]))
	}
	return nil
}

func elasticAlert(v *fastjson.Value) bool {
	if get(v, "kibana.alert.rule.name") != nil || get(v, "kibana.alert.rule.uuid") != nil ||
		get(v, "signal.rule") != nil {
		return true
	}
	kind := getStr(v, "event.kind")
	return kind == "alert" || kind == "signal"
}

// elasticSeverity takes the named band and the 0-100 risk score. With only a score,
// the band follows Elastic's own rule defaults: up to 21 low, 47 medium, 73 high,
// above that critical.
func (b *builder) elasticSeverity(v *fastjson.Value) {
	sev, hasBand := band(first(v, "kibana.alert.severity", "kibana.alert.rule.severity",
		"signal.rule.severity"))
	score, hasScore := num(firstValue(v, "kibana.alert.risk_score",
		"kibana.alert.rule.risk_score", "signal.rule.risk_score", "event.risk_score_norm"))

	switch {
	case hasBand && hasScore:
		b.severity(sev, int(score))
	case hasBand:
		b.severity(sev, bandScores[sev])
	case hasScore && score <= 21:
		b.severity(finding.SeverityLow, int(score))
	case hasScore && score <= 47:
		b.severity(finding.SeverityMedium, int(score))
	case hasScore && score <= 73:
		b.severity(finding.SeverityHigh, int(score))
	case hasScore:
		b.severity(finding.SeverityCritical, int(score))
	default:
		b.unknownSeverity()
	}
}

func (b *builder) ecsObservables(v *fastjson.Value) {
	for _, f := range ecsObservables {
		eachStr(v, f.path, func(s string) { b.ecsAdd(f, s) })
	}
	for _, f := range ecsRelated {
		eachStr(v, f.path, func(s string) {
			if !b.has(f.kind, s) {
				b.ecsAdd(f, s)
			}
		})
	}
}

func (b *builder) ecsAdd(f ecsField, s string) {
	switch {
	case f.kind == finding.KindIP:
		b.ip(s, f.role)
	case f.kind == finding.KindURL && !strings.Contains(s, "://"):
		// url.original may be a bare path, which names nothing on its own.
	default:
		b.add(f.kind, s, f.role)
	}
}

// firstField returns the first path with a value, and the value.
func firstField(v *fastjson.Value, paths ...string) (string, string) {
	for _, p := range paths {
		if s := getStr(v, p); s != "" {
			return p, s
		}
	}
	return "", ""
}

func firstValue(v *fastjson.Value, paths ...string) *fastjson.Value {
	for _, p := range paths {
		if x := get(v, p); x != nil {
			return x
		}
	}
	return nil
}

// joined returns every distinct value at path, joined with ",".
func joined(v *fastjson.Value, path string) string {
	var out []string
	eachStr(v, path, func(s string) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	})
	return strings.Join(out, ",")
}
