package lab_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/conductor-sec/conductor/tools"
	"github.com/conductor-sec/conductor/tools/lab"
	_ "modernc.org/sqlite"
)

func ExampleNew() {
	dir, _ := os.MkdirTemp("", "lab-example")
	defer os.RemoveAll(dir)
	db, _ := sql.Open("sqlite", filepath.Join(dir, "conductor.db"))
	defer db.Close()

	ctx := context.Background()
	l, err := lab.New(ctx, lab.Config{DB: db})
	if err != nil {
		fmt.Println(err)
		return
	}
	var isolate tools.Tool
	for _, t := range l.Tools() {
		if t.Spec().Name == "edr.isolate_host" {
			isolate = t
		}
	}

	call := tools.Call{Tool: "edr.isolate_host", Args: json.RawMessage(`{"host":"WS-0142"}`),
		IdempotencyKey: "case-7/step-3", CaseID: "case-7"}
	for range 2 {
		res, err := isolate.Invoke(ctx, call)
		fmt.Println(res.Summary, res.Replayed, err)
	}
	a, _ := l.Asset("ws-0142.acme-corp.example")
	fmt.Println(a.Name, a.Owner, a.Isolated, l.CallCount("case-7/step-3"))
	// Output:
	// isolated WS-0142 (10.10.1.42) from the network false <nil>
	// isolated WS-0142 (10.10.1.42) from the network true <nil>
	// WS-0142 maria.lopez true 1
}
