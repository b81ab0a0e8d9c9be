package ingest

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/conductor-sec/conductor/internal/finding"
)

const wantEVE = "an EVE alert event"

// parseSuricata reads one Suricata EVE JSON event. Only event_type "alert" makes a
// finding; flow, dns, http, tls, stats and the other event types are [ErrNotAlert].
func parseSuricata(b *builder, v *fastjson.Value) error {
	if et := str(v.Get("event_type")); et != "alert" {
		return fmt.Errorf("%w: EVE event_type %q", ErrNotAlert, et)
	}

	alert := v.Get("alert")
	if !b.title(str(alert.Get("signature"))) {
		return missing("alert.signature", wantEVE)
	}
	ts := str(v.Get("timestamp"))
	if ts == "" {
		return missing("timestamp", wantEVE)
	}
	if err := b.when("timestamp", ts); err != nil {
		return err
	}

	b.f.RuleID = str(alert.Get("signature_id"))
	b.suricataSeverity(alert.Get("severity"))
	for _, id := range strs(alert.Get("metadata", "mitre_technique_id")) {
		b.f.AddTechnique(id)
	}
	b.suricataObservables(v)
	b.suricataLabels(v, alert)
	b.f.Description = b.text(suricataSummary(v, alert))
	return nil
}

// suricataSeverity maps alert.severity, where 1 is the most severe: 1 high,
// 2 medium, 3 low, anything higher info.
func (b *builder) suricataSeverity(v *fastjson.Value) {
	n, ok := num(v)
	switch {
	case !ok:
		b.unknownSeverity()
	case n <= 1:
		b.severity(finding.SeverityHigh, 75)
	case n == 2:
		b.severity(finding.SeverityMedium, 50)
	case n == 3:
		b.severity(finding.SeverityLow, 25)
	default:
		b.severity(finding.SeverityInfo, 10)
	}
}

func (b *builder) suricataObservables(v *fastjson.Value) {
	b.ip(str(v.Get("src_ip")), "src")
	b.ip(str(v.Get("dest_ip")), "dst")

	host := str(v.Get("http", "hostname"))
	b.host(host, "dst")
	b.add(finding.KindURL, eveURL(host, str(v.Get("http", "url")), str(v.Get("dest_port"))),
		"dst")
	b.host(str(v.Get("tls", "sni")), "dst")

	// Older EVE puts the name at dns.rrname, newer under dns.query[] or dns.queries[].
	if dns := v.Get("dns"); dns != nil {
		for _, path := range []string{"rrname", "query.rrname", "queries.rrname"} {
			eachStr(dns, path, func(s string) { b.add(finding.KindDomain, s, "query") })
		}
	}

	if fi := v.Get("fileinfo"); fi != nil {
		b.add(finding.KindFile, str(fi.Get("filename")), "")
		for _, h := range []string{"sha256", "sha1", "md5"} {
			b.add(finding.KindHash, str(fi.Get(h)), "")
		}
	}
}

// eveURL makes an absolute URL from http.hostname and the path in http.url.
func eveURL(host, path, port string) string {
	switch {
	case path == "" || strings.Contains(path, "://"):
		return path
	case host == "" || !strings.HasPrefix(path, "/"):
		return ""
	case port != "" && port != "80":
		return "http://" + host + ":" + port + path
	}
	return "http://" + host + path
}

func (b *builder) suricataLabels(v, alert *fastjson.Value) {
	b.label("category", str(alert.Get("category")))
	b.label("action", str(alert.Get("action")))
	b.label("gid", str(alert.Get("gid")))
	b.label("rev", str(alert.Get("rev")))
	for _, k := range []string{"proto", "app_proto", "src_port", "dest_port", "flow_id",
		"in_iface", "community_id"} {
		b.label(k, str(v.Get(k)))
	}
	b.label("sensor", str(v.Get("host")))
	b.label("http_user_agent", str(v.Get("http", "http_user_agent")))
	b.label("http_method", str(v.Get("http", "http_method")))
}

// suricataSummary reads like "Attempted Information Leak: TCP 192.168.1.146:32858 ->
// 89.160.20.112:80, allowed".
func suricataSummary(v, alert *fastjson.Value) string {
	var s strings.Builder
	s.Grow(96)
	if c := str(alert.Get("category")); c != "" {
		s.WriteString(c)
		s.WriteString(": ")
	}
	s.WriteString(str(v.Get("proto")))
	s.WriteByte(' ')
	endpoint(&s, v, "src_ip", "src_port")
	s.WriteString(" -> ")
	endpoint(&s, v, "dest_ip", "dest_port")
	if a := str(alert.Get("action")); a != "" {
		s.WriteString(", ")
		s.WriteString(a)
	}
	return s.String()
}

// endpoint writes "ip:port", bracketing an IPv6 address.
func endpoint(s *strings.Builder, v *fastjson.Value, ip, port string) {
	a, p := str(v.Get(ip)), str(v.Get(port))
	if p != "" && strings.Contains(a, ":") {
		a = "[" + a + "]"
	}
	s.WriteString(a)
	if p != "" {
		s.WriteByte(':')
		s.WriteString(p)
	}
}

// ip records an address, ignoring text that is not one.
func (b *builder) ip(s, role string) {
	if _, err := netip.ParseAddr(s); err == nil {
		b.add(finding.KindIP, s, role)
	}
}

// host records a host name as a domain, or as an IP when it is an address literal.
func (b *builder) host(s, role string) {
	if s == "" {
		return
	}
	if _, err := netip.ParseAddr(s); err == nil {
		b.add(finding.KindIP, s, role)
		return
	}
	b.add(finding.KindDomain, strings.ToLower(strings.TrimSuffix(s, ".")), role)
}
