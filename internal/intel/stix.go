package intel

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// stixObject holds the fields of any STIX object this loader reads.
type stixObject struct {
	Type              string          `json:"type"`
	ID                string          `json:"id"`
	Name              string          `json:"name"`
	Pattern           string          `json:"pattern"`
	PatternType       string          `json:"pattern_type"`
	IndicatorTypes    []string        `json:"indicator_types"`
	Labels            []string        `json:"labels"`
	Confidence        *int            `json:"confidence"`
	ValidUntil        string          `json:"valid_until"`
	Revoked           bool            `json:"revoked"`
	CreatedByRef      string          `json:"created_by_ref"`
	ObjectMarkingRefs []string        `json:"object_marking_refs"`
	RelationshipType  string          `json:"relationship_type"`
	SourceRef         string          `json:"source_ref"`
	TargetRef         string          `json:"target_ref"`
	DefinitionType    string          `json:"definition_type"`
	Definition        json.RawMessage `json:"definition"`
}

// threatRank orders the objects an indicator may point at when choosing its
// threat name: the most specific first.
var threatRank = map[string]int{
	"malware": 1, "threat-actor": 2, "intrusion-set": 3, "campaign": 4,
	"tool": 5, "infrastructure": 6, "attack-pattern": 7,
}

// tlpMarkings are the TLP 1.0 marking definitions the STIX 2.1 spec fixes by
// id, so bundles refer to them without including them.
var tlpMarkings = map[string]string{
	"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "tlp:white",
	"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "tlp:green",
	"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "tlp:amber",
	"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "tlp:red",
}

// stixBundle is what one bundle says beyond its indicators.
type stixBundle struct {
	names   map[string]stixObject // malware, actors, identities … by id
	threats map[string]string     // indicator id to threat name
	tlp     map[string]string     // marking id to "tlp:…"
}

// loadSTIX reads the indicator objects of a STIX 2.x bundle, as the package
// documentation describes.
func (s *Set) loadSTIX(name string, data []byte) (int, error) {
	var raw struct {
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return 0, fmt.Errorf("decoding stix bundle: %w", err)
	}

	l := &loader{set: s, file: name}
	objs := decodeObjects(l, raw.Objects)
	b := indexBundle(objs)
	for _, o := range objs {
		if o.Type == "indicator" {
			l.stixIndicator(o, b)
		}
	}
	return l.done()
}

func decodeObjects(l *loader, raws []json.RawMessage) []stixObject {
	objs := make([]stixObject, 0, len(raws))
	for i, r := range raws {
		var o stixObject
		if err := json.Unmarshal(r, &o); err != nil {
			l.skip(fmt.Sprintf("object %d", i), fmt.Errorf("decoding: %w", err))
			continue
		}
		objs = append(objs, o)
	}
	return objs
}

func indexBundle(objs []stixObject) stixBundle {
	b := stixBundle{
		names:   map[string]stixObject{},
		threats: map[string]string{},
		tlp:     map[string]string{},
	}
	for _, o := range objs {
		switch {
		case o.Type == "marking-definition" && o.DefinitionType == "tlp":
			var def struct{ TLP string }
			if json.Unmarshal(o.Definition, &def) == nil && def.TLP != "" {
				b.tlp[o.ID] = "tlp:" + strings.ToLower(def.TLP)
			}
		case o.Type != "indicator" && o.Type != "relationship" && o.Name != "":
			b.names[o.ID] = o
		}
	}
	b.linkThreats(objs)
	return b
}

// linkThreats picks, for each indicator, the best-ranked object it
// indicates; among equals the first relationship in the bundle wins.
func (b stixBundle) linkThreats(objs []stixObject) {
	best := map[string]int{}
	for _, o := range objs {
		if o.Type != "relationship" || o.RelationshipType != "indicates" {
			continue
		}
		target, ok := b.names[o.TargetRef]
		rank := threatRank[target.Type]
		if !ok || rank == 0 {
			continue
		}
		if cur, seen := best[o.SourceRef]; !seen || rank < cur {
			best[o.SourceRef] = rank
			b.threats[o.SourceRef] = target.Name
		}
	}
}

func (l *loader) stixIndicator(o stixObject, b stixBundle) {
	if o.PatternType != "" && o.PatternType != "stix" {
		return // sigma, yara, snort … are rules, not values
	}
	comps, err := ParsePattern(o.Pattern)
	if err != nil {
		l.skip(o.ID, err)
		return
	}
	base, err := b.base(o, l.file)
	if err != nil {
		l.skip(o.ID, err)
		return
	}

	// TODO: comparisons are taken one by one, so [ipv4-addr:value = 'X' AND
	// network-traffic:dst_port = 443] yields the bare address X; honouring AND
	// needs the expression tree, which ParsePattern does not keep yet.
	for _, c := range comps {
		kind := stixKind(c)
		if kind == "" {
			continue
		}
		for _, v := range c.Values {
			ind := base
			ind.Kind, ind.Value = kind, v
			l.add(ind, o.ID)
		}
	}
}

// base builds the fields every value of indicator o shares.
func (b stixBundle) base(o stixObject, file string) (Indicator, error) {
	ind := Indicator{
		Threat:     b.threats[o.ID],
		Name:       o.Name,
		Source:     file,
		Confidence: DefaultConfidence,
		Tags:       append(append([]string(nil), o.IndicatorTypes...), o.Labels...),
		Expired:    o.Revoked,
		Ref:        file + "#" + o.ID,
	}
	if ind.Threat == "" {
		ind.Threat = o.Name
	}
	if id, ok := b.names[o.CreatedByRef]; ok && id.Type == "identity" {
		ind.Source = id.Name
	}
	if o.Confidence != nil {
		ind.Confidence = *o.Confidence
	}
	if o.Revoked {
		ind.Tags = append(ind.Tags, "revoked")
	}
	ind.Tags = append(ind.Tags, b.markings(o.ObjectMarkingRefs)...)
	if o.ValidUntil != "" {
		t, err := time.Parse(time.RFC3339Nano, o.ValidUntil)
		if err != nil {
			return ind, fmt.Errorf("valid_until: %w", err)
		}
		ind.ValidUntil = t.UTC()
	}
	return ind, nil
}

func (b stixBundle) markings(refs []string) []string {
	var out []string
	for _, r := range refs {
		if t, ok := tlpMarkings[r]; ok {
			out = append(out, t)
		} else if t, ok := b.tlp[r]; ok {
			out = append(out, t)
		}
	}
	return out
}

// stixKind maps a comparison to the indicator kind it names, or "".
func stixKind(c Comparison) string {
	if c.Negated || (c.Operator != "=" && c.Operator != "IN") {
		return ""
	}
	switch c.Object + ":" + c.Path {
	case "ipv4-addr:value", "ipv6-addr:value":
		return KindIP
	case "domain-name:value":
		return KindDomain
	case "url:value":
		return KindURL
	case "email-addr:value", "email-message:from_ref.value", "email-message:sender_ref.value":
		return KindEmail
	}
	if (c.Object == "file" || c.Object == "artifact") && isHashPath(c.Path) {
		return KindHash
	}
	return ""
}

var hashAlgorithms = map[string]bool{
	"md5": true, "sha1": true, "sha224": true, "sha256": true, "sha384": true,
	"sha512": true, "sha3256": true, "sha3384": true, "sha3512": true,
}

// isHashPath accepts hashes.MD5, hashes.'SHA-256', hashes.sha256 and the
// like; fuzzy hashes (SSDEEP, TLSH) are not values a lookup can hit.
func isHashPath(path string) bool {
	alg, ok := strings.CutPrefix(path, "hashes.")
	if !ok {
		return false
	}
	alg = strings.NewReplacer("-", "", "_", "", "'", "").Replace(strings.ToLower(alg))
	return hashAlgorithms[alg]
}
