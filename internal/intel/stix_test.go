package intel

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const (
	mitreDHS     = "The MITRE Corporation - DHS Support Team"
	poisonIvySHA = "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c"
)

// TestLoadSTIXExamples asserts every indicator extracted from the small
// OASIS example bundles.
func TestLoadSTIXExamples(t *testing.T) {
	tests := []struct {
		file string
		want []Indicator
	}{
		{
			file: "indicator-for-c2-ip-address.json",
			want: []Indicator{{
				Kind: KindIP, Value: "10.0.0.0",
				Threat: "IP Address for known C2 channel", Name: "IP Address for known C2 channel",
				Source: "indicator-for-c2-ip-address.json", Confidence: DefaultConfidence,
				Tags: []string{"malicious-activity"},
				Ref:  "indicator-for-c2-ip-address.json#indicator--33fe3b22-0201-47cf-85d0-97c02164528d",
			}},
		},
		{
			file: "indicator-to-campaign-relationship.json",
			want: []Indicator{{
				Kind: KindIP, Value: "10.0.0.0", Threat: "Operation Omega", Name: "test_name",
				Source: "indicator-to-campaign-relationship.json", Confidence: DefaultConfidence,
				Tags: []string{"malicious-activity"},
				Ref: "indicator-to-campaign-relationship.json#" +
					"indicator--c43a0a05-e8d2-4f64-ae37-3f3fb153f8d9",
			}},
		},
		{
			file: "indicators-for-C2-with-COA.json",
			want: []Indicator{
				{
					Kind: KindHash, Value: poisonIvySHA, Threat: "Poison Ivy",
					Name: "File hash for Poison Ivy variant", Source: mitreDHS,
					Confidence: DefaultConfidence, Tags: []string{"malicious-activity"},
					Ref: "indicators-for-C2-with-COA.json#indicator--a932fcc6-e032-476c-826f-cb970a5a1ade",
				},
				{
					Kind: KindIP, Value: "10.0.0.0", Threat: "Poison Ivy",
					Name: "IP Address for known C2 channel", Source: mitreDHS,
					Confidence: DefaultConfidence, Tags: []string{"malicious-activity"},
					Ref: "indicators-for-C2-with-COA.json#indicator--53fe3b22-0201-47cf-85d0-97c02164528d",
				},
			},
		},
		// Only MATCHES on subject and attachment name: nothing to look up.
		{file: "malicious-email-indicator-with-attachment.json"},
		// Infrastructure with bare SCOs and no indicator objects.
		{file: "infrastructure.json"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s := newTestSet()
			n, err := s.LoadFile(filepath.Join("testdata", "stix", tt.file))
			if err != nil {
				t.Fatalf("LoadFile(%s) error = %v", tt.file, err)
			}
			if n != len(tt.want) {
				t.Errorf("LoadFile(%s) = %d, want %d", tt.file, n, len(tt.want))
			}
			if diff := cmp.Diff(tt.want, all(s)); diff != "" {
				t.Errorf("indicators of %s (-want +got):\n%s", tt.file, diff)
			}
		})
	}
}

func TestLoadSTIXAPT1(t *testing.T) {
	s := newTestSet()
	n, err := s.LoadFile("testdata/stix/apt1.json")
	if err != nil || n != 10 || s.Len() != 10 {
		t.Fatalf("LoadFile(apt1.json) = %d, %v, Len %d; want 10, nil, 10", n, err, s.Len())
	}

	// Four CIDR ranges, three FQDNs, three MD5s; the x509 serials are skipped.
	tests := []struct{ kind, value, want string }{
		{KindIP, "58.247.1.1", "ip 58.246.0.0/15 <- 58.247.1.1 (HUC Packet Transmit Tool (HTRAN))"},
		{KindIP, "139.227.255.255",
			"ip 139.226.0.0/15 <- 139.227.255.255 (HUC Packet Transmit Tool (HTRAN))"},
		{KindDomain, "www.hugesoft.org", "domain hugesoft.org <- hugesoft.org (Ugly Gorilla)"},
		{KindHash, "001DD76872D80801692FF942308C64E6",
			"hash 001dd76872d80801692ff942308c64e6 <- 001dd76872d80801692ff942308c64e6 " +
				"(Appendix E MD5 hash '001dd76872d80801692ff942308c64e6')"},
	}
	for _, tt := range tests {
		got := matched(s.Lookup(tt.kind, tt.value))
		if diff := cmp.Diff([]string{tt.want}, got); diff != "" {
			t.Errorf("Lookup(%q, %q) (-want +got):\n%s", tt.kind, tt.value, diff)
		}
	}
}

// TestLoadSTIXPoisonIvy covers OR lists of many values and a real defect:
// one indicator reads domain-name:value = 'domain autuo.xicp.net'.
func TestLoadSTIXPoisonIvy(t *testing.T) {
	s := newTestSet()
	n, err := s.LoadFile("testdata/stix/poisonivy.json")

	const wantErr = "testdata/stix/poisonivy.json: entries skipped (1): " +
		"indicator--4e4c4ad7-4909-456a-b6fa-e24a6f682a40: " +
		`domain "domain autuo.xicp.net": invalid indicator value`
	if !errors.Is(err, ErrSkipped) || err.Error() != wantErr {
		t.Errorf("LoadFile(poisonivy.json) error = %v, want %s", err, wantErr)
	}
	// 65 values in the patterns, one refused; 64 yielded merge into 61.
	if n != 64 || s.Len() != 61 {
		t.Errorf("LoadFile(poisonivy.json) = %d, Len %d; want 64, 61", n, s.Len())
	}

	tests := []struct {
		kind, value string
		want        []string
	}{
		// The rest of the broken indicator still loads.
		{KindIP, "60.10.1.115", []string{"ip 60.10.1.115 <- 60.10.1.115 (menuPass)"}},
		{KindIP, "113.10.246.30", []string{
			"ip 113.10.246.30 <- 113.10.246.30 (PIVY Variant (8010cae3e8431bb11ed6dc9acabb93b7,))",
			"ip 113.10.246.30 <- 113.10.246.30 (www.webserver.freetcp.com)",
			"ip 113.10.246.30 <- 113.10.246.30 (PIVY Variant (0323de551aa10ca6221368c4a73732e6,))",
		}},
		{KindDomain, "microsoftc.byinter.net", []string{
			"domain microsoftc.byinter.net <- microsoftc.byinter.net " +
				"(PIVY Variant (0323de551aa10ca6221368c4a73732e6,))",
		}},
		{KindDomain, "autuo.xicp.net", nil},
	}
	for _, tt := range tests {
		got := matched(s.Lookup(tt.kind, tt.value))
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Lookup(%q, %q) (-want +got):\n%s", tt.kind, tt.value, diff)
		}
	}
	m := s.Lookup(KindIP, "219.76.208.163")
	wantTags := []string{"attribution", "malicious-activity"}
	if len(m) != 1 || !cmp.Equal(m[0].Tags, wantTags) || m[0].Name != "IP address: 219.76.208.163" {
		t.Errorf("Lookup(219.76.208.163) = %+v, want name %q and tags %v",
			m, "IP address: 219.76.208.163", wantTags)
	}
}

// TestLoadSTIXFields covers what the OASIS examples do not: confidence,
// validity, revocation, TLP markings, other pattern types, broken objects.
func TestLoadSTIXFields(t *testing.T) {
	bundle := `{"type": "bundle", "id": "bundle--1", "objects": [
	 {"type": "marking-definition", "id": "marking-definition--custom",
	  "definition_type": "tlp", "definition": {"tlp": "AMBER"}},
	 {"type": "threat-actor", "id": "threat-actor--1", "name": "FIN-Example"},
	 {"type": "indicator", "id": "indicator--1", "name": "expired c2",
	  "pattern": "[ipv4-addr:value = '198.51.100.9'] OR [url:value = 'HTTP://C2.Example/gate.php']",
	  "pattern_type": "stix", "confidence": 85, "labels": ["c2"],
	  "valid_until": "2024-01-01T00:00:00Z",
	  "object_marking_refs": ["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]},
	 {"type": "indicator", "id": "indicator--2", "name": "revoked sender", "revoked": true,
	  "pattern": "[email-message:from_ref.value = 'Boss@CEO-Mail.example' AND ` +
		`email-addr:value != 'x@y.example']",
	  "pattern_type": "stix", "object_marking_refs": ["marking-definition--custom"]},
	 {"type": "indicator", "id": "indicator--3", "name": "a sigma rule",
	  "pattern": "title: x", "pattern_type": "sigma"},
	 {"type": "indicator", "id": "indicator--4", "name": "broken", "pattern": "[ipv4-addr:value =",
	  "pattern_type": "stix"},
	 {"type": "indicator", "id": "indicator--5", "confidence": "high", "pattern": "[a:b = 1]"},
	 {"type": "indicator", "id": "indicator--6", "name": "set", "valid_until": "2030-01-01T00:00:00Z",
	  "pattern": "[artifact:hashes.'SHA-1' IN ('A1AB74D2F06A542E77EA2C6D641AAE4ED163A2DA', 'bad')]"},
	 {"type": "relationship", "id": "relationship--1", "relationship_type": "indicates",
	  "source_ref": "indicator--2", "target_ref": "threat-actor--1"}
	]}`
	s := newTestSet()
	n, err := s.loadBytes("fields.json", []byte(bundle))

	// The decoder's own words may change between Go releases; ours may not.
	for _, part := range []string{
		"entries skipped (3): object 6: decoding: ",
		"; indicator--4: invalid stix pattern: at offset 18: want a constant, " +
			"got \"end of pattern\"; indicator--6: hash \"bad\": invalid indicator value",
	} {
		if !errors.Is(err, ErrSkipped) || !strings.Contains(err.Error(), part) {
			t.Errorf("loadBytes(fields.json) error = %v, want it to contain %s", err, part)
		}
	}
	if n != 4 {
		t.Errorf("loadBytes(fields.json) = %d, want 4", n)
	}
	want := []Indicator{
		{Kind: KindEmail, Value: "boss@ceo-mail.example", Threat: "FIN-Example",
			Name: "revoked sender", Source: "fields.json", Confidence: DefaultConfidence,
			Tags: []string{"revoked", "tlp:amber"}, Expired: true, Ref: "fields.json#indicator--2"},
		{Kind: KindHash, Value: "a1ab74d2f06a542e77ea2c6d641aae4ed163a2da", Threat: "set",
			Name: "set", Source: "fields.json", Confidence: DefaultConfidence,
			ValidUntil: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), Ref: "fields.json#indicator--6"},
		{Kind: KindIP, Value: "198.51.100.9", Threat: "expired c2", Name: "expired c2",
			Source: "fields.json", Confidence: 85, Tags: []string{"c2", "tlp:green"},
			ValidUntil: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Expired: true,
			Ref: "fields.json#indicator--1"},
		{Kind: KindURL, Value: "http://c2.example/gate.php", Threat: "expired c2",
			Name: "expired c2", Source: "fields.json", Confidence: 85,
			Tags:       []string{"c2", "tlp:green"},
			ValidUntil: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Expired: true,
			Ref: "fields.json#indicator--1"},
	}
	if diff := cmp.Diff(want, all(s)); diff != "" {
		t.Errorf("indicators (-want +got):\n%s", diff)
	}
}
