package store_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/conductor-sec/conductor/internal/store"
)

// Example opens a store, records two steps of a case on the audit chain and
// verifies the chain.
func Example() {
	dir, err := os.MkdirTemp("", "store-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(dir, "conductor.db"), store.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	c := store.Case{Title: "Phishing report from alice@example.com"}
	if err := s.CreateCase(ctx, &c); err != nil {
		log.Fatal(err)
	}
	for _, summary := range []string{"case opened", "sender domain looked up"} {
		st := store.Step{CaseID: c.ID, Actor: "agent:playbook", Kind: "note", Summary: summary}
		if err := s.AppendStep(ctx, &st); err != nil {
			log.Fatal(err)
		}
		fmt.Println(st.Seq, st.CaseID, st.Summary)
	}

	rep, err := s.VerifyChain(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("checked %d steps, ok %v\n", rep.Checked, rep.OK)
	// Output:
	// 1 CASE-000001 case opened
	// 2 CASE-000001 sender domain looked up
	// checked 2 steps, ok true
}
