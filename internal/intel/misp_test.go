package intel

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadMISPXorist(t *testing.T) {
	s := newTestSet()
	n, err := s.LoadFile("testdata/misp/circl_xorist_ransomware_57c4445b.json")
	if err != nil || n != 3 {
		t.Fatalf("LoadFile(xorist) = %d, %v; want 3, nil", n, err)
	}

	// md5, sha1 and sha256 load; the filename, regkey|value, link, comment
	// and text attributes are no lookup values.
	tags := []string{
		`circl:incident-classification="malware"`,
		`malware_classification:malware-category="Ransomware"`,
		`ms-caro-malware:malware-type="Ransom"`,
		"tlp:white",
	}
	hash := func(v, uuid string) Indicator {
		return Indicator{Kind: KindHash, Value: v, Threat: "Ransomware - Xorist",
			Name: "Ransomware - Xorist", Source: "CIRCL", Confidence: 50, Tags: tags,
			Ref: "circl_xorist_ransomware_57c4445b.json#" + uuid}
	}
	want := []Indicator{
		hash("0749bae92ca336a02c83d126e04ec628", "57c4448b-454c-4d17-90d1-4d2f950d210f"),
		hash("77b0c41b7d340b8a3d903f21347bbf06aa766b5b", "57c4448a-bef0-4ba7-a071-444e950d210f"),
		hash("b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68",
			"57c4448b-3fa4-4d65-9ccc-4afa950d210f"),
	}
	if diff := cmp.Diff(want, all(s)); diff != "" {
		t.Errorf("indicators (-want +got):\n%s", diff)
	}
}

func TestLoadMISPUrsnif(t *testing.T) {
	s := newTestSet()
	n, err := s.LoadFile("testdata/misp/ursnif_sighting.json")
	if err != nil || n != 5 {
		t.Fatalf("LoadFile(ursnif) = %d, %v; want 5, nil", n, err)
	}

	// The threat is the event's galaxy cluster, not its info line.
	ind := func(kind, v, uuid string) Indicator {
		return Indicator{Kind: kind, Value: v, Threat: "Gozi", Name: "Ursnif, MALWAREMESSIAGH",
			Source: "Synovus Financial", Confidence: 50,
			Tags: []string{"PasteBin: MALWAREMESSIAGH", `misp-galaxy:banker="Gozi"`},
			Ref:  "ursnif_sighting.json#" + uuid}
	}
	want := []Indicator{
		ind(KindDomain, "diqjwhebseqhbasdh.com", "5b6464ca-e0a0-40e0-8e21-d0350acd0835"),
		ind(KindDomain, "dquohwdihaewqdcas.com", "5b6464ca-8c84-4c2d-95d9-d0350acd0835"),
		ind(KindDomain, "eqowiesajenqweasd.com", "5b6464ca-45f8-43d0-8b78-d0350acd0835"),
		ind(KindDomain, "ooiasjdnqjwbeasdasd.com", "5b6464ca-e73c-4707-9b8a-d0350acd0835"),
		ind(KindURL, "http://sistemait.it/softaculous/backup/client.rar",
			"5b6464e9-e73c-484d-a0b3-c0070acd0835"),
	}
	if diff := cmp.Diff(want, all(s)); diff != "" {
		t.Errorf("indicators (-want +got):\n%s", diff)
	}
}

// TestLoadMISPSamSam reads attributes inside MISP objects. Each file hash is
// listed twice, once for detection and once not; the detection copy wins.
func TestLoadMISPSamSam(t *testing.T) {
	s := newTestSet()
	n, err := s.LoadFile("testdata/misp/circl_samsam_mar-10164494_objects.json")
	if err != nil || n != 29 || s.Len() != 20 {
		t.Fatalf("LoadFile(samsam) = %d, %v, Len %d; want 29, nil, 20", n, err, s.Len())
	}

	m := s.Lookup(KindHash, "9B23BFC35B18ED80104C496B2AA722B3E56FF9CEB9DAE60D1AFF7230321C1D12")
	want := []Match{{Matched: "9b23bfc35b18ed80104c496b2aa722b3e56ff9ceb9dae60d1aff7230321c1d12",
		Indicator: Indicator{
			Kind: KindHash, Value: "9b23bfc35b18ed80104c496b2aa722b3e56ff9ceb9dae60d1aff7230321c1d12",
			Threat: "SamSam", Name: "MAR-10164494.r1.v1 (SamSam ransomware)", Source: "CIRCL",
			Confidence: 50,
			Tags: []string{`misp-galaxy:malpedia="SamSam"`, `misp-galaxy:ransomware="Samas-Samsam"`,
				"tlp:white"},
			Ref: "circl_samsam_mar-10164494_objects.json#a5274885-a3c6-40bc-92dd-258429767e47",
		}}}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("Lookup(samsam sha256) (-want +got):\n%s", diff)
	}

	// The SHA-512 appears only in the non-detection file object.
	const sha512 = "2a9f4ebb025c8e7b4e074d301477656ffad66318da5ea35ddc8363c17f4bdbf5" +
		"01778539133261adbb9f441066a1e2b79240306ad1877f5ef17009c8f05ff4a6"
	m = s.Lookup(KindHash, sha512)
	if len(m) != 1 || m[0].Confidence != 25 || !contains(m[0].Tags, "to_ids:false") {
		t.Errorf("Lookup(samsam sha512) = %+v, want confidence 25 and tag to_ids:false", m)
	}
}

func TestLoadMISPAsert(t *testing.T) {
	s := newTestSet()
	n, err := s.LoadFile("testdata/misp/circl_asert_four_element_sword.json")

	const wantErr = "testdata/misp/circl_asert_four_element_sword.json: entries skipped (3): " +
		`attribute 571620b0-5e38-4e8c-9c29-416d950d210f: url "107.183.86": invalid indicator value; ` +
		`attribute 57163109-6304-413e-9884-4a42950d210f: url "Data/dtl.dat": invalid indicator value; ` +
		`attribute 57163109-1e04-4ef4-bf92-480b950d210f: url "Data/glp.uin": invalid indicator value`
	if !errors.Is(err, ErrSkipped) || err.Error() != wantErr {
		t.Errorf("LoadFile(asert) error = %v\nwant %s", err, wantErr)
	}
	if n != 268 || s.Len() != 254 {
		t.Errorf("LoadFile(asert) = %d, Len %d; want 268, 254", n, s.Len())
	}

	tests := []struct {
		kind, value string
		want        Indicator
	}{
		// filename|sha256, not for detection: split, halved, file name kept.
		{KindHash, "a78ea84acf57e0c54d5b1e5e3bd5eec31cc5935f16d9575e049e161420736e32", Indicator{
			Kind: KindHash, Value: "a78ea84acf57e0c54d5b1e5e3bd5eec31cc5935f16d9575e049e161420736e32",
			Confidence: 35,
			Tags:       []string{"filename:ufbidruosivibuted", "tlp:white", "to_ids:false", "type:OSINT"},
			Ref:        "circl_asert_four_element_sword.json#57174cff-aa9c-441c-8d64-4493950d210f",
		}},
		// The PlugX sample is listed for detection too: that copy wins.
		{KindHash, "40099e0f13ba47bd4ea4f3f49228ac8cffdf07700c4ef8089e3b5d8013e914a3", Indicator{
			Kind: KindHash, Value: "40099e0f13ba47bd4ea4f3f49228ac8cffdf07700c4ef8089e3b5d8013e914a3",
			Confidence: 70, Tags: []string{"tlp:white", "type:OSINT"},
		}},
		// A url attribute without a scheme.
		{KindURL, "http://www.kcico.com.tw/data/openwebmail/doc/wthk.txt", Indicator{
			Kind: KindURL, Value: "http://www.kcico.com.tw/data/openwebmail/doc/wthk.txt",
			Confidence: 70, Tags: []string{"tlp:white", "type:OSINT"},
		}},
		{KindIP, "103.240.203.232", Indicator{Kind: KindIP, Value: "103.240.203.232",
			Confidence: 70, Tags: []string{"tlp:white", "type:OSINT"}}},
		{KindEmail, "hkhumanrights.asia@gmail.com", Indicator{Kind: KindEmail,
			Value: "hkhumanrights.asia@gmail.com", Confidence: 35,
			Tags: []string{"tlp:white", "to_ids:false", "type:OSINT"}}},
	}
	const info = "OSINT - ASERT Threat Intelligence Report 2016-03 The Four-Element Sword Engagement"
	for _, tt := range tests {
		m := s.Lookup(tt.kind, tt.value)
		if len(m) != 1 {
			t.Errorf("Lookup(%q, %q) = %d matches, want 1", tt.kind, tt.value, len(m))
			continue
		}
		got := m[0].Indicator
		tt.want.Threat, tt.want.Name, tt.want.Source = info, info, "CIRCL"
		if tt.want.Ref == "" {
			got.Ref = ""
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Lookup(%q, %q) (-want +got):\n%s", tt.kind, tt.value, diff)
		}
	}
}

// TestLoadMISPShapes covers shapes the CIRCL files lack: the REST search
// wrapper, numbers and strings for ids and booleans, deleted attributes,
// domain|ip, attribute galaxies, a missing organisation.
func TestLoadMISPShapes(t *testing.T) {
	doc := `{"response": [
	 {"Event": {"uuid": "ev-1", "info": "Phishing wave", "threat_level_id": 1,
	  "Attribute": [
	   {"uuid": "a1", "type": "domain|ip", "value": "Login.Evil.example|198.51.100.20", "to_ids": "1"},
	   {"uuid": "a2", "type": "ip-dst|port", "value": "198.51.100.21|443", "to_ids": true,
	    "Tag": [{"name": "tlp:amber"}]},
	   {"uuid": "a3", "type": "ip-dst|port", "value": "198.51.100.22", "to_ids": true},
	   {"uuid": "a4", "type": "email-src", "value": "ceo@evil.example", "to_ids": true,
	    "deleted": true},
	   {"uuid": "a5", "type": "sha256", "to_ids": 1,
	    "value": "6B18731A752231EB855991E446DA8639D32EB4953A7F89B79A33E5BE4AEBD59B",
	    "Galaxy": [{"GalaxyCluster": [{"value": "Mimikatz"}]}]},
	   {"uuid": "a6", "type": "regkey", "value": "HKLM\\Software\\x", "to_ids": true}
	  ]}},
	 {"Event": {"uuid": "ev-2", "info": "second", "threat_level_id": "2",
	  "Attribute": [{"type": "hostname", "value": "c2.evil.example", "to_ids": false}]}}
	]}`
	s := newTestSet()
	n, err := s.loadBytes("search.json", []byte(doc))

	const wantErr = "entries skipped (1): attribute a3: ip-dst|port value without 2 parts"
	if !errors.Is(err, ErrSkipped) || err.Error() != wantErr {
		t.Errorf("loadBytes(search.json) error = %v, want %s", err, wantErr)
	}
	if n != 5 {
		t.Errorf("loadBytes(search.json) = %d, want 5", n)
	}
	ind := func(kind, v, threat string, conf int, ref string, tags ...string) Indicator {
		name := "Phishing wave"
		if ref == "ev-2" {
			name = "second"
		}
		return Indicator{Kind: kind, Value: v, Threat: threat, Name: name, Source: "search.json",
			Confidence: conf, Tags: tags, Ref: "search.json#" + ref}
	}
	want := []Indicator{
		ind(KindDomain, "c2.evil.example", "second", 35, "ev-2", "to_ids:false"),
		ind(KindDomain, "login.evil.example", "Phishing wave", 90, "a1"),
		ind(KindHash, "6b18731a752231eb855991e446da8639d32eb4953a7f89b79a33e5be4aebd59b",
			"Mimikatz", 90, "a5"),
		ind(KindIP, "198.51.100.20", "Phishing wave", 90, "a1"),
		ind(KindIP, "198.51.100.21", "Phishing wave", 90, "a2", "tlp:amber"),
	}
	if diff := cmp.Diff(want, all(s)); diff != "" {
		t.Errorf("indicators (-want +got):\n%s", diff)
	}
}

func TestLoadMISPBroken(t *testing.T) {
	tests := []struct{ name, doc string }{
		{"event_not_object", `{"Event": "x"}`},
		{"bad_bool", `{"Event": {"Attribute": [
			{"type": "domain", "value": "a.example", "to_ids": "maybe"}]}}`},
		{"attributes_not_list", `{"Event": {"Attribute": {"type": "domain"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestSet()
			n, err := s.loadBytes("broken.json", []byte(tt.doc))
			if err == nil || errors.Is(err, ErrSkipped) || n != 0 || s.Len() != 0 {
				t.Errorf("loadBytes(%s) = %d, %v, Len %d; want 0, a decoding error, 0",
					tt.doc, n, err, s.Len())
			}
		})
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
