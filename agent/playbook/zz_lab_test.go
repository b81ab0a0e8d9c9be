package playbook

import (
	"database/sql"
	"fmt"
	"testing"

	"github.com/conductor-sec/conductor/tools"
	"github.com/conductor-sec/conductor/tools/lab"
	_ "modernc.org/sqlite"
)

func TestZZLab(t *testing.T) {
	db, err := sql.Open("sqlite", t.TempDir()+"/x.db")
	if err != nil {
		t.Fatal(err)
	}
	l, err := lab.New(t.Context(), lab.Config{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	var specs []tools.Spec
	for _, tl := range l.Tools() {
		specs = append(specs, tl.Spec())
		fmt.Println(tl.Spec().Name, string(tl.Spec().Schema))
	}
	if err := newPlanner(t, "").Validate(specs); err != nil {
		t.Fatal(err)
	}
}
