package ingest

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/valyala/fastjson"
)

// keySet records which distinctive top-level keys a record has.
type keySet uint32

const (
	kClassUID keySet = 1 << iota
	kEventType
	kTimestamp
	kFlowID
	kSrcIP
	kType
	kSeverity
	kResource
	kService
	kDetail
	kDetailType
	kAWSGuardDuty
	kActivityType
	kDetails
	kRuleLevel
	kWazuhContext
	kKibana
	kAtTimestamp
	kECS
	kTitle
)

func (k keySet) has(bits keySet) bool { return k&bits == bits }
func (k keySet) any(bits keySet) bool { return k&bits != 0 }

var errNoFormat = fmt.Errorf("%w: no distinctive keys (want event_type, class_uid, "+
	"rule.level, kibana.alert.*, @timestamp with event.*, GuardDuty type, severity and "+
	"resource, or title)", ErrUnknownFormat)

// detect names a record's format from its top-level keys. The order matters: an
// OCSF or EVE record is recognised by one key; GuardDuty before generic, because a
// GuardDuty finding also has a title; Wazuh before Elastic, because alerts read
// back from the Wazuh indexer also carry @timestamp.
func detect(v *fastjson.Value) (string, error) {
	o, err := v.Object()
	if err != nil {
		return "", fmt.Errorf("%w: record is a JSON %s, want an object", ErrUnknownFormat,
			v.Type())
	}
	var k keySet
	o.Visit(func(key []byte, val *fastjson.Value) { k |= noteKey(key, val) })

	switch {
	case k.has(kClassUID):
		return FormatOCSF, nil
	case k.has(kEventType) && k.any(kTimestamp|kFlowID|kSrcIP):
		return FormatSuricata, nil
	case isGuardDuty(k):
		return FormatGuardDuty, nil
	case k.has(kRuleLevel) && k.any(kWazuhContext):
		return FormatWazuh, nil
	case k.any(kKibana) || k.has(kAtTimestamp) && k.any(kECS):
		return FormatElastic, nil
	case k.has(kTitle):
		return FormatGeneric, nil
	}
	return "", errNoFormat
}

func isGuardDuty(k keySet) bool {
	return k.has(kDetail) && k.any(kDetailType|kAWSGuardDuty) ||
		k.has(kType|kSeverity) && k.any(kResource|kService) ||
		k.has(kActivityType|kDetails)
}

// noteKey maps one top-level key to its bit. GuardDuty keys are matched without
// regard to case: SDKs and the raw event disagree on it.
func noteKey(key []byte, val *fastjson.Value) keySet {
	switch string(key) {
	case "class_uid":
		return kClassUID
	case "event_type":
		return kEventType
	case "timestamp":
		return kTimestamp
	case "flow_id":
		return kFlowID
	case "src_ip":
		return kSrcIP
	case "rule":
		if val.Get("level") != nil {
			return kRuleLevel
		}
		return 0
	case "agent", "manager", "decoder", "full_log", "location":
		return kWazuhContext
	case "@timestamp":
		return kAtTimestamp
	case "event", "ecs":
		return kECS
	case "kibana", "signal":
		return kKibana
	case "title":
		return kTitle
	}
	return dottedKey(key) | guardDutyKey(key, val)
}

// dottedKey spots flattened ECS and Kibana keys ("kibana.alert.rule.name").
func dottedKey(key []byte) keySet {
	switch {
	case bytes.HasPrefix(key, []byte("kibana.")), bytes.HasPrefix(key, []byte("signal.")):
		return kKibana
	case bytes.HasPrefix(key, []byte("event.")), bytes.HasPrefix(key, []byte("ecs.")):
		return kECS
	}
	return 0
}

// guardDutyKeys are matched without regard to case.
var guardDutyKeys = []struct {
	name string
	bit  keySet
}{
	{"type", kType}, {"severity", kSeverity}, {"resource", kResource},
	{"service", kService}, {"detail", kDetail}, {"detail-type", kDetailType},
	{"source", kAWSGuardDuty}, {"activitytype", kActivityType},
	{"servicedetails", kDetails}, {"resourcedetails", kDetails},
}

func guardDutyKey(key []byte, val *fastjson.Value) keySet {
	for _, k := range guardDutyKeys {
		if !equalFold(key, k.name) {
			continue
		}
		switch k.bit {
		case kDetail:
			if val.Type() != fastjson.TypeObject {
				return 0
			}
		case kAWSGuardDuty:
			if !strings.EqualFold(str(val), "aws.guardduty") {
				return 0
			}
		}
		return k.bit
	}
	return 0
}

// equalFold compares ASCII key bytes with a lower-case name, without allocating.
func equalFold(key []byte, name string) bool {
	if len(key) != len(name) {
		return false
	}
	for i, c := range key {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != name[i] {
			return false
		}
	}
	return true
}
