package intel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

type mispFile struct {
	Event    *mispEvent `json:"Event"`
	Response []struct {
		Event *mispEvent `json:"Event"`
	} `json:"response"`
}

type mispEvent struct {
	UUID          string                `json:"uuid"`
	Info          string                `json:"info"`
	ThreatLevelID flexString            `json:"threat_level_id"`
	Orgc          struct{ Name string } `json:"Orgc"`
	Tag           []mispTag             `json:"Tag"`
	Galaxy        []mispGalaxy          `json:"Galaxy"`
	Attribute     []mispAttribute       `json:"Attribute"`
	Object        []struct {
		Name      string          `json:"name"`
		Attribute []mispAttribute `json:"Attribute"`
	} `json:"Object"`
}

type mispAttribute struct {
	UUID    string       `json:"uuid"`
	Type    string       `json:"type"`
	Value   string       `json:"value"`
	ToIDs   flexBool     `json:"to_ids"`
	Deleted flexBool     `json:"deleted"`
	Tag     []mispTag    `json:"Tag"`
	Galaxy  []mispGalaxy `json:"Galaxy"`
}

type mispTag struct {
	Name string `json:"name"`
}

type mispGalaxy struct {
	GalaxyCluster []struct {
		Value string `json:"value"`
	} `json:"GalaxyCluster"`
}

// flexString accepts a JSON string or number: MISP exports write ids both
// ways.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a string or number: %w", err)
	}
	*f = flexString(n.String())
	return nil
}

// flexBool accepts true/false, "1"/"0" and "true"/"false".
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	switch strings.Trim(strings.ToLower(string(b)), `"`) {
	case "true", "1":
		*f = true
	case "false", "0", "", "null":
		*f = false
	default:
		return fmt.Errorf("want a boolean, got %s", clip(string(b)))
	}
	return nil
}

// mispKinds maps MISP attribute types to indicator kinds. A composite type
// ("filename|sha256") lists the kind of each part, "" for a part that is no
// indicator (the file name, the port).
var mispKinds = map[string][]string{
	"ip-src": {KindIP}, "ip-dst": {KindIP},
	"ip-src|port": {KindIP, ""}, "ip-dst|port": {KindIP, ""},
	"domain": {KindDomain}, "hostname": {KindDomain},
	"hostname|port": {KindDomain, ""}, "domain|ip": {KindDomain, KindIP},
	"url": {KindURL}, "link": nil, // a link is a reference to read, not a bad URL
	"md5": {KindHash}, "sha1": {KindHash}, "sha224": {KindHash},
	"sha256": {KindHash}, "sha384": {KindHash}, "sha512": {KindHash},
	"filename|md5": {"", KindHash}, "filename|sha1": {"", KindHash},
	"filename|sha256": {"", KindHash}, "filename|sha512": {"", KindHash},
	"email": {KindEmail}, "email-src": {KindEmail}, "email-dst": {KindEmail},
	"email-reply-to": {KindEmail},
}

// mispConfidence maps threat_level_id (1 high, 2 medium, 3 low, 4 undefined)
// to a confidence; MISP has no confidence of its own at event level.
var mispConfidence = map[string]int{"1": 90, "2": 70, "3": 50, "4": DefaultConfidence}

// loadMISP reads MISP events, as the package documentation describes.
func (s *Set) loadMISP(name string, data []byte) (int, error) {
	var f mispFile
	if err := json.Unmarshal(data, &f); err != nil {
		return 0, fmt.Errorf("decoding misp event: %w", err)
	}
	events := []*mispEvent{f.Event}
	for _, r := range f.Response {
		events = append(events, r.Event)
	}

	l := &loader{set: s, file: name}
	for _, e := range events {
		if e != nil {
			l.mispEvent(e)
		}
	}
	return l.done()
}

func (l *loader) mispEvent(e *mispEvent) {
	base := Indicator{
		Threat:     firstCluster(e.Galaxy, e.Tag),
		Name:       e.Info,
		Source:     e.Orgc.Name,
		Confidence: DefaultConfidence,
		Tags:       tagNames(e.Tag),
	}
	if base.Threat == "" {
		base.Threat = e.Info
	}
	if base.Source == "" {
		base.Source = l.file
	}
	if c, ok := mispConfidence[string(e.ThreatLevelID)]; ok {
		base.Confidence = c
	}

	for _, a := range e.Attribute {
		l.mispAttribute(base, e.UUID, a)
	}
	for _, o := range e.Object {
		for _, a := range o.Attribute {
			l.mispAttribute(base, e.UUID, a)
		}
	}
}

func (l *loader) mispAttribute(base Indicator, event string, a mispAttribute) {
	kinds, ok := mispKinds[a.Type]
	if !ok || len(kinds) == 0 || bool(a.Deleted) {
		return
	}
	parts := strings.SplitN(a.Value, "|", len(kinds))
	if len(parts) != len(kinds) {
		l.skip(mispWhere(event, a), fmt.Errorf("%s value without %d parts", a.Type, len(kinds)))
		return
	}

	ind := base
	ind.Ref = l.file + "#" + firstNonEmpty(a.UUID, event)
	ind.Tags = append(append([]string(nil), base.Tags...), tagNames(a.Tag)...)
	if t := firstCluster(a.Galaxy, a.Tag); t != "" {
		ind.Threat = t
	}
	if !a.ToIDs {
		ind.Confidence /= 2
		ind.Tags = append(ind.Tags, "to_ids:false")
	}
	if strings.HasPrefix(a.Type, "filename|") {
		ind.Tags = append(ind.Tags, "filename:"+clip(parts[0]))
	}
	for i, kind := range kinds {
		if kind != "" {
			ind.Kind, ind.Value = kind, parts[i]
			l.add(ind, mispWhere(event, a))
		}
	}
}

func mispWhere(event string, a mispAttribute) string {
	return "attribute " + firstNonEmpty(a.UUID, event)
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func tagNames(tags []mispTag) []string {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		out = append(out, t.Name)
	}
	return out
}

// firstCluster returns the first galaxy cluster value, from the galaxies or
// else from a tag shaped misp-galaxy:type="Value".
func firstCluster(galaxies []mispGalaxy, tags []mispTag) string {
	for _, g := range galaxies {
		for _, c := range g.GalaxyCluster {
			if c.Value != "" {
				return c.Value
			}
		}
	}
	for _, t := range tags {
		rest, ok := strings.CutPrefix(t.Name, "misp-galaxy:")
		if !ok {
			continue
		}
		if _, v, ok := strings.Cut(rest, "="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}
