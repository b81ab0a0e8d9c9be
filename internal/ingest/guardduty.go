package ingest

import (
	"bytes"
	"math"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/conductor-sec/conductor/internal/finding"
)

const wantGuardDuty = "a GuardDuty finding"

// guardDutyTechniques links finding types to ATT&CK techniques where the link is
// plain; most GuardDuty types name a behaviour too broad to pin to one technique,
// and a wrong technique would mislead correlation more than a missing one.
// TODO: extend from AWS's published type list once scenarios show which types
// matter; only the types below are mapped.
var guardDutyTechniques = []struct {
	match     string
	anywhere  bool // match anywhere in the type, not only as its prefix
	technique string
}{
	{match: "UnauthorizedAccess:IAMUser/", technique: "T1078"}, // Valid Accounts
	{match: "Recon:EC2/PortProbe", technique: "T1046"},         // Network Service Discovery
	{match: "Recon:EC2/Portscan", technique: "T1046"},
	{match: "BruteForce", anywhere: true, technique: "T1110"}, // Brute Force
	{match: "Backdoor:EC2/C&CActivity", technique: "T1071"},   // Application Layer Protocol
	{match: "CryptoCurrency:", technique: "T1496"},            // Resource Hijacking
}

// parseGuardDuty reads a GuardDuty finding in its API form, wrapped in an
// EventBridge event ("detail"), or as a Sentinel AWSGuardDuty row (ActivityType,
// ResourceDetails, ServiceDetails). Keys are matched without regard to case.
func parseGuardDuty(b *builder, v *fastjson.Value) error {
	root := v
	if d := fget(v, "detail"); d != nil && d.Type() == fastjson.TypeObject {
		root = d
	}
	// A Sentinel row's Type column names the table; ActivityType is the finding type.
	typ := str(fany(root, "activityType", "type"))
	if typ == "" {
		return missing("type", wantGuardDuty)
	}
	if err := b.guardDutyTime(v, root); err != nil {
		return err
	}

	b.f.RuleID = typ
	b.title(firstNonEmpty(str(fget(root, "title")), typ))
	b.description(str(fget(root, "description")))
	b.guardDutySeverity(fget(root, "severity"))
	for _, t := range guardDutyTechniques {
		if strings.HasPrefix(typ, t.match) || t.anywhere && strings.Contains(typ, t.match) {
			b.f.AddTechnique(t.technique)
		}
	}

	// Each embedded document needs its own parser: parsing again would invalidate
	// the values of the first.
	pr, ps := parsers.Get(), parsers.Get()
	defer parsers.Put(pr)
	defer parsers.Put(ps)
	resource := embedded(pr, fany(root, "resource", "resourceDetails"))
	service := embedded(ps, fany(root, "service", "serviceDetails"))
	b.guardDutyLabels(v, root, resource, service)
	b.guardDutyResource(resource, str(fget(service, "resourceRole")))
	b.guardDutyAction(fget(service, "action"), str(fget(service, "resourceRole")))
	return nil
}

// guardDutyTime prefers when the activity was first seen, then when the finding was
// created.
func (b *builder) guardDutyTime(v, root *fastjson.Value) error {
	for _, t := range []struct {
		v    *fastjson.Value
		path []string
	}{
		{root, []string{"service", "eventFirstSeen"}},
		{root, []string{"createdAt"}},
		{root, []string{"timeCreated"}},
		{v, []string{"time"}},
		{root, []string{"updatedAt"}},
		{root, []string{"timeGenerated"}},
	} {
		if s := str(fget(t.v, t.path...)); s != "" {
			return b.when(strings.Join(t.path, "."), s)
		}
	}
	return missing("createdAt", wantGuardDuty)
}

// guardDutySeverity maps GuardDuty's 1.0-10.0 scale: 1.0-3.9 low, 4.0-6.9 medium,
// 7.0-8.9 high, 9.0-10.0 critical; the score is the severity times ten.
func (b *builder) guardDutySeverity(v *fastjson.Value) {
	sev, ok := num(v)
	if !ok {
		b.unknownSeverity()
		return
	}
	score := int(math.Round(sev * 10))
	switch {
	case sev >= 9:
		b.severity(finding.SeverityCritical, score)
	case sev >= 7:
		b.severity(finding.SeverityHigh, score)
	case sev >= 4:
		b.severity(finding.SeverityMedium, score)
	case sev >= 1:
		b.severity(finding.SeverityLow, score)
	default:
		b.severity(finding.SeverityInfo, score)
	}
}

func (b *builder) guardDutyLabels(v, root, resource, service *fastjson.Value) {
	b.label("account_id", str(fany(root, "accountId", "account")))
	if b.f.Labels["account_id"] == "" {
		b.label("account_id", str(fget(v, "account")))
	}
	b.label("region", str(fget(root, "region")))
	b.label("partition", str(fget(root, "partition")))
	b.label("finding_id", str(fget(root, "id")))
	b.label("arn", str(fget(root, "arn")))
	b.label("resource_type", str(fget(resource, "resourceType")))
	b.label("resource_role", str(fget(service, "resourceRole")))
	b.label("action_type", str(fget(service, "action", "actionType")))
	b.label("api", str(fget(service, "action", "awsApiCallAction", "api")))
	b.label("count", str(fget(service, "count")))
	b.label("archived", str(fget(service, "archived")))
}

// guardDutyResource records the affected resource. Its role follows
// service.resourceRole: ACTOR when the resource did the deed (an instance talking to
// a C&C server), TARGET when it suffered it.
func (b *builder) guardDutyResource(r *fastjson.Value, resourceRole string) {
	role := "target"
	if strings.EqualFold(resourceRole, "ACTOR") {
		role = "actor"
	}

	inst := fget(r, "instanceDetails")
	b.add(finding.KindHost, str(fget(inst, "instanceId")), role)
	for _, nic := range fget(inst, "networkInterfaces").GetArray() {
		b.ip(str(fget(nic, "privateIpAddress")), role)
		b.ip(str(fget(nic, "publicIp")), role)
	}
	b.label("instance_id", str(fget(inst, "instanceId")))

	key := fget(r, "accessKeyDetails")
	b.add(finding.KindUser, str(fget(key, "userName")), role)
	b.label("access_key_id", str(fget(key, "accessKeyId")))
	b.add(finding.KindUser, str(fget(r, "kubernetesDetails", "kubernetesUserDetails",
		"username")), role)
	b.add(finding.KindUser, str(fget(r, "rdsDbUserDetails", "user")), role)

	var buckets []string
	for _, bk := range fget(r, "s3BucketDetails").GetArray() {
		buckets = append(buckets, str(fget(bk, "name")))
	}
	b.label("bucket", strings.Join(buckets, ","))
	b.label("container", str(fget(r, "containerDetails", "name")))
	b.label("ecs_cluster", str(fget(r, "ecsClusterDetails", "name")))
	b.label("eks_cluster", str(fget(r, "eksClusterDetails", "name")))
	b.label("k8s_workload", str(fget(r, "kubernetesDetails", "kubernetesWorkloadDetails",
		"name")))
	b.label("lambda_function", str(fget(r, "lambdaDetails", "functionName")))
	b.label("db_instance", str(fget(r, "rdsDbInstanceDetails", "dbInstanceIdentifier")))
	b.label("db_shard_group", str(fget(r, "rdsLimitlessDbDetails", "dbShardGroupIdentifier")))
}

// guardDutyAction records the remote side of each action. The remote address is
// the source of a probe, an API call or a login, and the destination of an outbound
// connection.
func (b *builder) guardDutyAction(action *fastjson.Value, resourceRole string) {
	o := action.GetObject()
	o.Visit(func(key []byte, sub *fastjson.Value) {
		if sub.Type() != fastjson.TypeObject {
			return
		}
		role := "src"
		if bytes.EqualFold(key, []byte("networkConnectionAction")) {
			dir := str(fget(sub, "connectionDirection"))
			if strings.EqualFold(dir, "OUTBOUND") ||
				dir == "" && strings.EqualFold(resourceRole, "ACTOR") {
				role = "dst"
			}
		}
		b.remoteIPs(sub, role, 0)
		b.host(str(fget(sub, "domain")), "dst")
	})
}

// remoteIPs finds remoteIpDetails objects at any depth of an action (a port probe
// lists them in portProbeDetails[]).
func (b *builder) remoteIPs(v *fastjson.Value, role string, depth int) {
	if v == nil || depth > 6 {
		return
	}
	switch v.Type() {
	case fastjson.TypeArray:
		for _, e := range v.GetArray() {
			b.remoteIPs(e, role, depth+1)
		}
	case fastjson.TypeObject:
		o, _ := v.Object()
		o.Visit(func(key []byte, sub *fastjson.Value) {
			if bytes.EqualFold(key, []byte("remoteIpDetails")) {
				b.ip(str(fget(sub, "ipAddressV4")), role)
				b.ip(str(fget(sub, "ipAddressV6")), role)
				return
			}
			b.remoteIPs(sub, role, depth+1)
		})
	}
}

// fget follows keys through nested objects, matching each key exactly first and
// then without regard to case.
func fget(v *fastjson.Value, keys ...string) *fastjson.Value {
	for _, k := range keys {
		if v == nil || v.Type() != fastjson.TypeObject {
			return nil
		}
		o, _ := v.Object()
		x := o.Get(k)
		if x == nil {
			o.Visit(func(key []byte, val *fastjson.Value) {
				if x == nil && strings.EqualFold(string(key), k) {
					x = val
				}
			})
		}
		v = x
	}
	return v
}

// fany returns the first of the keys that v has.
func fany(v *fastjson.Value, keys ...string) *fastjson.Value {
	for _, k := range keys {
		if x := fget(v, k); x != nil {
			return x
		}
	}
	return nil
}

// embedded returns v, or the object a JSON string in v holds: Sentinel exports
// keep the resource and service objects as JSON text.
func embedded(p *fastjson.Parser, v *fastjson.Value) *fastjson.Value {
	if v == nil || v.Type() != fastjson.TypeString {
		return v
	}
	s, _ := v.StringBytes()
	if x, err := p.ParseBytes(s); err == nil {
		return x
	}
	return nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
