package store

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPutTaskDedupe(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()

	first := Task{CaseID: "CASE-000001", Ref: "edr.isolate_host/ws-17",
		Title: "Isolate ws-17 by hand", Detail: "the EDR connector timed out"}
	if existing, err := s.PutTask(ctx, &first); err != nil || existing {
		t.Fatalf("PutTask(new) = %v, %v; want false, nil", existing, err)
	}
	again := Task{CaseID: "CASE-000001", Ref: "edr.isolate_host/ws-17", Title: "other title"}
	if existing, err := s.PutTask(ctx, &again); err != nil || !existing {
		t.Fatalf("PutTask(same ref) = %v, %v; want true, nil", existing, err)
	}
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("PutTask(same ref) loaded (-want +got):\n%s", diff)
	}

	others := []Task{
		{CaseID: "CASE-000002", Ref: "edr.isolate_host/ws-17", Title: "other case"},
		{CaseID: "CASE-000001", Title: "no ref 1"},
		{CaseID: "CASE-000001", Title: "no ref 2"},
	}
	for _, tk := range others {
		if existing, err := s.PutTask(ctx, &tk); err != nil || existing {
			t.Errorf("PutTask(%q) = %v, %v; want a new task", tk.Title, existing, err)
		}
	}

	ts, err := s.CaseTasks(ctx, "CASE-000001")
	if err != nil {
		t.Fatalf("CaseTasks() = %v", err)
	}
	var titles []string
	for _, tk := range ts {
		titles = append(titles, tk.ID+" "+tk.Title+" "+tk.Status)
	}
	want := []string{"TSK-000001 Isolate ws-17 by hand open", "TSK-000003 no ref 1 open",
		"TSK-000004 no ref 2 open"}
	if diff := cmp.Diff(want, titles); diff != "" {
		t.Errorf("CaseTasks() (-want +got):\n%s", diff)
	}
}

func TestSetTaskStatus(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	tk := Task{CaseID: "CASE-000001", Ref: "r", Title: "t"}
	s.PutTask(ctx, &tk)

	if err := s.SetTaskStatus(ctx, tk.ID, TaskDone); err != nil {
		t.Fatalf("SetTaskStatus() = %v", err)
	}
	open, _ := s.ListTasks(ctx, TaskOpen)
	done, _ := s.ListTasks(ctx, TaskDone)
	if len(open) != 0 || len(done) != 1 || done[0].ID != tk.ID {
		t.Errorf("ListTasks: %d open, done %+v; want 0 open and %s done", len(open), done, tk.ID)
	}
	if err := s.SetTaskStatus(ctx, "TSK-404", TaskDone); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetTaskStatus(unknown) = %v, want ErrNotFound", err)
	}
	if err := s.SetTaskStatus(ctx, tk.ID, "later"); !errors.Is(err, ErrInvalid) {
		t.Errorf("SetTaskStatus(later) = %v, want ErrInvalid", err)
	}
}
