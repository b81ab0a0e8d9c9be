package ingest_test

import (
	"fmt"

	"github.com/conductor-sec/conductor/internal/ingest"
)

func ExampleParse() {
	data := []byte(`{"timestamp":"2026-03-02T09:15:27.481920+0100","event_type":"alert",` +
		`"src_ip":"10.20.30.40","dest_ip":"203.0.113.77","proto":"TCP",` +
		`"alert":{"signature":"LOCAL beacon","signature_id":9000101,"severity":1,` +
		`"metadata":{"mitre_technique_id":["T1071.001"]}}}
{"timestamp":"2026-03-02T09:16:00.000000+0100","event_type":"flow","src_ip":"10.20.30.40"}
{"title":"Password spray on vpn-01","severity":"high",` +
		`"description":"tried password=Spring2026! on 40 accounts"}`)

	res, err := ingest.Parse("alerts.ndjson", data, ingest.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range res.Findings {
		fmt.Println(f.Source, f.Severity, f.Title, f.Techniques, f.Time.Format("15:04:05"))
	}
	fmt.Println(res.Findings[1].Description)
	fmt.Println("skipped:", res.Skipped)
	// Output:
	// suricata high LOCAL beacon [T1071.001] 08:15:27
	// generic high Password spray on vpn-01 [] 00:00:00
	// tried password=[REDACTED:password] on 40 accounts
	// skipped: 1
}

func ExampleDetect() {
	format, err := ingest.Detect([]byte(`{"class_uid":2004,"time":1772627400123}`))
	fmt.Println(format, err)
	// Output: ocsf <nil>
}
