package api

import (
	"strings"
	"testing"
)

// mixedUpload holds two alerts on one host (one case), one on another
// host, one record no parser knows and one that is not JSON.
const mixedUpload = `{"title":"Beacon from WS-0142","time":"2026-11-30T10:00:00Z",` +
	`"severity":"high","observables":[{"kind":"host","value":"WS-0142","role":"src"}]}
{"title":"Beacon again from WS-0142","time":"2026-11-30T10:03:00Z","severity":"high",` +
	`"observables":[{"kind":"host","value":"WS-0142","role":"src"}]}
{"title":"SSH from BKP-01","time":"2026-11-30T01:32:00Z","severity":"low",` +
	`"observables":[{"kind":"host","value":"BKP-01","role":"src"}]}
{"unknown":"shape"}
not json at all
`

func TestIngestNDJSONAndEmail(t *testing.T) {
	e := newEnv(t)
	var out ingestResponse
	e.must(200, "POST", "/api/v1/ingest?name=batch.ndjson", "bot", mixedUpload).decode(t, &out)
	if out.Findings != 3 || out.ErrorCount != 2 || len(out.Errors) != 2 ||
		len(out.Placed) != 3 || len(out.Cases) != 2 {
		t.Fatalf("ingest = %d findings, %d errors, %d placed, %d cases; want 3, 2, 3, 2",
			out.Findings, out.ErrorCount, len(out.Placed), len(out.Cases))
	}
	if !strings.HasPrefix(out.Errors[0], "batch.ndjson record 4") {
		t.Errorf("first record error = %q, want it to name batch.ndjson record 4", out.Errors[0])
	}
	if out.Cases[0].Case.FindingCount != 2 || out.Placed[1].CaseID != out.Placed[0].CaseID {
		t.Errorf("the two WS-0142 alerts did not share a case: %+v", out.Placed)
	}

	eml := "From: IT Desk <it@acme-support.example>\r\nTo: priya.shah@acme.example\r\n" +
		"Subject: Password expires today\r\nDate: Mon, 30 Nov 2026 09:00:00 +0000\r\n" +
		"Message-ID: <p1@acme-support.example>\r\nContent-Type: text/plain\r\n\r\n" +
		"Reset it at http://acme-support.example/reset\r\n"
	e.must(200, "POST", "/api/v1/ingest", "lee", eml).decode(t, &out)
	if out.Name != "upload.json" || out.Findings != 1 || len(out.Cases) != 1 ||
		!strings.Contains(out.Cases[0].Case.Title, "Password expires today") {
		t.Errorf("e-mail without a name = %s: %d findings, cases %+v; want it recognised",
			out.Name, out.Findings, out.Cases)
	}
}
