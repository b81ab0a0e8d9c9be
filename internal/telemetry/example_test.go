package telemetry_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite"

	"github.com/conductor-sec/conductor/internal/telemetry"
)

func ExampleStore_Search() {
	dir, _ := os.MkdirTemp("", "telemetry-example")
	defer os.RemoveAll(dir)
	db, _ := sql.Open("sqlite", filepath.Join(dir, "logs.db"))
	defer db.Close()

	ctx := context.Background()
	store, err := telemetry.New(ctx, telemetry.Config{DB: db})
	if err != nil {
		fmt.Println(err)
		return
	}

	logs := `{"UtcTime":"2020-10-19 02:56:14.360","Hostname":"WORKSTATION5","EventID":10,` +
		`"SourceImage":"C:\\Users\\wardog\\Desktop\\Outflank-Dumpert.exe",` +
		`"TargetImage":"C:\\windows\\system32\\lsass.exe","GrantedAccess":"0x1fffff"}
{"UtcTime":"2020-10-19 02:56:17.955","Hostname":"WORKSTATION5","EventID":10,` +
		`"SourceImage":"C:\\windows\\system32\\svchost.exe",` +
		`"TargetImage":"C:\\windows\\system32\\svchost.exe","GrantedAccess":"0x1000"}
{"UtcTime":"2020-10-19 02:56:14.369","Hostname":"WORKSTATION5","EventID":11,
`
	rep, err := store.Load(ctx, "sysmon.json", strings.NewReader(logs), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("stored", rep.Events, "events; skipped", rep.Errors[0])

	res, err := store.Search(ctx, telemetry.Query{Text: "EventID:10 lsass -svchost"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range res.Events {
		fmt.Println(e.Time.Format("15:04:05.000"), e.Host, e.EventID, e.Source)
	}

	_, err = store.Search(ctx, telemetry.Query{Text: `TargetImage:"lsass.exe`})
	fmt.Println(err)
	// Output:
	// stored 2 events; skipped sysmon.json:3: invalid JSON: unexpected end of JSON input
	// 02:56:14.360 WORKSTATION5 10 sysmon.json
	// bad query at "\"lsass.exe" (offset 12): unbalanced quote; add the closing " (inside quotes write "" for a literal quote)
}
