package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conductor-sec/conductor/guardrails"
	"github.com/google/go-cmp/cmp"
)

// fakeTool is a tool whose behaviour each test scripts.
type fakeTool struct {
	spec  Spec
	fn    func(call Call, n int) (Result, error)
	calls atomic.Int32
}

func (f *fakeTool) Spec() Spec { return f.spec }

func (f *fakeTool) Invoke(_ context.Context, call Call) (Result, error) {
	n := int(f.calls.Add(1))
	if f.fn == nil {
		return Result{Output: json.RawMessage(`{"ok":true}`), Summary: "done"}, nil
	}
	return f.fn(call, n)
}

const isolateSchema = `{
  "type": "object",
  "additionalProperties": false,
  "required": ["host"],
  "properties": {
    "host": {"type": "string", "minLength": 1},
    "reason": {"type": "string"},
    "since": {"type": "string", "format": "date-time"},
    "mode": {"enum": ["full", "selective"]},
    "limit": {"type": "integer", "minimum": 1, "maximum": 100}
  }
}`

func newFake(name string) *fakeTool {
	return &fakeTool{spec: Spec{
		Name:        name,
		Description: "test tool",
		Schema:      json.RawMessage(isolateSchema),
		Risk:        RiskContain,
		Reversible:  true,
		Targets:     map[string]string{"host": "host"},
	}}
}

// noSleep records the waits instead of sleeping.
type noSleep struct{ waits []time.Duration }

func (s *noSleep) sleep(ctx context.Context, d time.Duration) error {
	s.waits = append(s.waits, d)
	return ctx.Err()
}

func TestRegister(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*Spec)
		wantErr string
	}{
		{name: "valid", edit: func(*Spec) {}},
		{name: "bare verb", edit: func(s *Spec) { s.Name = "notify" }},
		{name: "capitals", edit: func(s *Spec) { s.Name = "EDR.isolate" },
			wantErr: "area.verb"},
		{name: "three parts", edit: func(s *Spec) { s.Name = "edr.isolate.host" },
			wantErr: "area.verb"},
		{name: "trailing dot", edit: func(s *Spec) { s.Name = "edr." }, wantErr: "area.verb"},
		{name: "empty name", edit: func(s *Spec) { s.Name = "" }, wantErr: "area.verb"},
		{name: "unknown risk", edit: func(s *Spec) { s.Risk = "harmless" },
			wantErr: `risk "harmless"`},
		{name: "schema not json", edit: func(s *Spec) { s.Schema = json.RawMessage(`{`) },
			wantErr: "schema is not JSON"},
		{name: "open schema", edit: func(s *Spec) {
			s.Schema = json.RawMessage(`{"type":"object"}`)
		}, wantErr: `"additionalProperties": false`},
		{name: "bad type keyword", edit: func(s *Spec) {
			s.Schema = json.RawMessage(`{"type":"object","additionalProperties":false,` +
				`"properties":{"a":{"type":"nope"}}}`)
		}, wantErr: "compiling schema"},
		{name: "external ref", edit: func(s *Spec) {
			s.Schema = json.RawMessage(`{"type":"object","additionalProperties":false,` +
				`"properties":{"a":{"$ref":"file:///etc/passwd"}}}`)
		}, wantErr: "compiling schema"},
		{name: "target not a property", edit: func(s *Spec) {
			s.Targets = map[string]string{"hostname": "host"}
		}, wantErr: `target "hostname"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake("edr.isolate_host")
			tt.edit(&f.spec)
			err := NewRegistry(RegistryConfig{}).Register(f)
			checkErr(t, "Register", err, tt.wantErr, ErrInvalidSpec)
		})
	}
}

func TestRegisterDuplicate(t *testing.T) {
	r := NewRegistry(RegistryConfig{})
	if err := r.Register(newFake("edr.isolate_host")); err != nil {
		t.Fatalf("Register(first) = %v, want nil", err)
	}
	err := r.Register(newFake("edr.isolate_host"))
	checkErr(t, "Register(second)", err, "already registered", ErrInvalidSpec)
}

func TestSpecs(t *testing.T) {
	r := NewRegistry(RegistryConfig{})
	for _, n := range []string{"mail.search", "edr.isolate_host", "notify", "asset.get"} {
		if err := r.Register(newFake(n)); err != nil {
			t.Fatalf("Register(%s) = %v", n, err)
		}
	}

	var got []string
	for _, s := range r.Specs() {
		got = append(got, s.Name)
	}
	want := []string{"asset.get", "edr.isolate_host", "mail.search", "notify"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Specs() names (-want +got):\n%s", diff)
	}

	s, ok := r.Spec("edr.isolate_host")
	if !ok || s.Risk != RiskContain || s.Targets["host"] != "host" {
		t.Errorf("Spec(edr.isolate_host) = %+v, %v; want containment spec", s, ok)
	}
	if _, ok := r.Spec("edr.nuke"); ok {
		t.Errorf("Spec(edr.nuke) found, want missing")
	}
}

func TestValidate(t *testing.T) {
	r := NewRegistry(RegistryConfig{})
	if err := r.Register(newFake("edr.isolate_host")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    string
		wantErr string
	}{
		{name: "valid", args: `{"host":"WS-0142","reason":"beacon"}`},
		{name: "valid with format", args: `{"host":"h","since":"2024-05-01T10:00:00Z"}`},
		{name: "invalid json", args: `{"host":`,
			wantErr: "not valid JSON"},
		{name: "trailing data", args: `{"host":"a"} {"host":"b"}`,
			wantErr: "not valid JSON"},
		{name: "not an object", args: `["WS-0142"]`,
			wantErr: "must be a JSON object with fields host, limit, mode, reason, since"},
		{name: "unknown field", args: `{"host":"a","hots":"b"}`,
			wantErr: `unknown field "hots"; allowed fields are host, limit, mode, reason, since`},
		{name: "wrong type", args: `{"host":42}`,
			wantErr: `field "host" must be string, not number`},
		{name: "missing required", args: `{"reason":"x"}`,
			wantErr: `missing required field "host"`},
		{name: "empty args", args: ``, wantErr: `missing required field "host"`},
		{name: "bad format", args: `{"host":"a","since":"yesterday"}`,
			wantErr: `field "since" must be a valid date-time, got "yesterday"`},
		{name: "enum", args: `{"host":"a","mode":"total"}`,
			wantErr: `field "mode": value must be one of 'full', 'selective'`},
		{name: "minimum", args: `{"host":"a","limit":0}`,
			wantErr: `field "limit": minimum: got 0, want 1`},
		{name: "empty string", args: `{"host":""}`,
			wantErr: `field "host": minLength: got 0, want 1`},
		{name: "duplicate field", args: `{"host":"WS-0142","reason":"x","host":"DC-01"}`,
			wantErr: `field "host" appears twice; send each field once`},
		{name: "huge", args: `{"host":"` + strings.Repeat("a", maxArgsBytes) + `"}`,
			wantErr: "more than the 65536 allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := r.Validate("edr.isolate_host", json.RawMessage(tt.args))
			checkErr(t, "Validate("+clipArgs(tt.args)+")", err, tt.wantErr, ErrInvalidArgs)
		})
	}
}

func TestValidateAnyOf(t *testing.T) {
	f := newFake("mail.quarantine")
	f.spec.Targets = nil
	f.spec.Schema = json.RawMessage(`{"type":"object","additionalProperties":false,
	  "properties":{"message_id":{"type":"string"},"sender":{"type":"string"},
	    "subject":{"type":"string"}},
	  "anyOf":[{"required":["message_id"]},{"required":["sender","subject"]}]}`)
	r := NewRegistry(RegistryConfig{})
	if err := r.Register(f); err != nil {
		t.Fatal(err)
	}

	err := r.Validate("mail.quarantine", json.RawMessage(`{"sender":"a@b.example"}`))
	want := `arguments must satisfy one of: missing required field "message_id", ` +
		`or missing required field "subject"`
	checkErr(t, "Validate(sender only)", err, want, ErrInvalidArgs)
}

func TestValidateUnknownTool(t *testing.T) {
	err := NewRegistry(RegistryConfig{}).Validate("edr.nuke", nil)
	if !errors.Is(err, ErrUnknownTool) {
		t.Errorf("Validate(edr.nuke) = %v, want ErrUnknownTool", err)
	}
}

func TestInvokeRefusesWithoutPermit(t *testing.T) {
	f := newFake("edr.isolate_host")
	r := NewRegistry(RegistryConfig{})
	if err := r.Register(f); err != nil {
		t.Fatal(err)
	}

	call := Call{Tool: "edr.isolate_host", Args: json.RawMessage(`{"host":"WS-0142"}`),
		IdempotencyKey: "k1", CaseID: "case-1"}
	_, attempts, err := r.Invoke(context.Background(), guardrails.Permit{}, call)
	if !errors.Is(err, guardrails.ErrNoPermit) {
		t.Errorf("Invoke(zero permit) error = %v, want ErrNoPermit", err)
	}
	if attempts != 0 || f.calls.Load() != 0 {
		t.Errorf("Invoke(zero permit) attempts = %d, tool calls = %d; want 0, 0",
			attempts, f.calls.Load())
	}
}

func TestInvokeRetries(t *testing.T) {
	errDown := fmt.Errorf("edr api: 503: %w", ErrTransient)
	errDenied := errors.New("edr api: 403 forbidden")
	tests := []struct {
		name         string
		fn           func(Call, int) (Result, error)
		args         string
		wantAttempts int
		wantCalls    int
		wantWaits    int
		wantErr      error
		wantSummary  string
	}{
		{name: "first try", wantAttempts: 1, wantCalls: 1, wantSummary: "done"},
		{name: "transient then ok", fn: failFirst(2, errDown),
			wantAttempts: 3, wantCalls: 3, wantWaits: 2, wantSummary: "ok on 3"},
		{name: "always transient", fn: failFirst(99, errDown),
			wantAttempts: 3, wantCalls: 3, wantWaits: 2, wantErr: ErrTransient},
		{name: "permanent", fn: failFirst(99, errDenied),
			wantAttempts: 1, wantCalls: 1, wantErr: errDenied},
		{name: "panic", fn: func(Call, int) (Result, error) { panic("boom") },
			wantAttempts: 1, wantCalls: 1, wantErr: errAny},
		{name: "invalid args", args: `{"host":"a","all":true}`,
			wantAttempts: 0, wantCalls: 0, wantErr: ErrInvalidArgs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake("edr.isolate_host")
			f.fn = tt.fn
			s := &noSleep{}
			r := NewRegistry(RegistryConfig{Sleep: s.sleep})
			if err := r.Register(f); err != nil {
				t.Fatal(err)
			}
			args := tt.args
			if args == "" {
				args = `{"host":"WS-0142"}`
			}

			res, attempts, err := r.invoke(context.Background(),
				Call{Tool: "edr.isolate_host", Args: json.RawMessage(args)})
			if !matchErr(err, tt.wantErr) {
				t.Fatalf("invoke() error = %v, want %v", err, tt.wantErr)
			}
			if attempts != tt.wantAttempts || int(f.calls.Load()) != tt.wantCalls ||
				len(s.waits) != tt.wantWaits {
				t.Errorf("invoke() attempts, calls, waits = %d, %d, %d; want %d, %d, %d",
					attempts, f.calls.Load(), len(s.waits),
					tt.wantAttempts, tt.wantCalls, tt.wantWaits)
			}
			if res.Summary != tt.wantSummary {
				t.Errorf("invoke() summary = %q, want %q", res.Summary, tt.wantSummary)
			}
		})
	}
}

// errAny matches any non-nil error in matchErr.
var errAny = errors.New("any error")

func matchErr(err, want error) bool {
	switch want {
	case nil:
		return err == nil
	case errAny:
		return err != nil
	}
	return errors.Is(err, want)
}

func failFirst(n int, err error) func(Call, int) (Result, error) {
	return func(_ Call, call int) (Result, error) {
		if call <= n {
			return Result{}, err
		}
		return Result{Summary: fmt.Sprintf("ok on %d", call)}, nil
	}
}

func TestInvokeBackoff(t *testing.T) {
	f := newFake("edr.isolate_host")
	f.fn = failFirst(99, ErrTransient)
	s := &noSleep{}
	r := NewRegistry(RegistryConfig{MaxAttempts: 5, Backoff: 100 * time.Millisecond,
		Sleep: s.sleep})
	if err := r.Register(f); err != nil {
		t.Fatal(err)
	}

	_, attempts, _ := r.invoke(context.Background(),
		Call{Tool: "edr.isolate_host", Args: json.RawMessage(`{"host":"a"}`)})
	if attempts != 5 || len(s.waits) != 4 {
		t.Fatalf("invoke() attempts, waits = %d, %d; want 5, 4", attempts, len(s.waits))
	}
	for i, w := range s.waits {
		full := 100 * time.Millisecond << i
		if w < full/2 || w > full {
			t.Errorf("wait %d = %v, want between %v and %v", i+1, w, full/2, full)
		}
	}
}

func TestDelayCapped(t *testing.T) {
	r := NewRegistry(RegistryConfig{Backoff: time.Second})
	if d := r.delay(40); d > maxBackoff || d < maxBackoff/2 {
		t.Errorf("delay(40) = %v, want between %v and %v", d, maxBackoff/2, maxBackoff)
	}
}

func TestInvokeHonoursContext(t *testing.T) {
	f := newFake("edr.isolate_host")
	f.fn = failFirst(99, ErrTransient)
	ctx, cancel := context.WithCancel(context.Background())
	sleep := func(ctx context.Context, _ time.Duration) error {
		cancel()
		return ctx.Err()
	}
	r := NewRegistry(RegistryConfig{Sleep: sleep})
	if err := r.Register(f); err != nil {
		t.Fatal(err)
	}

	_, attempts, err := r.invoke(ctx,
		Call{Tool: "edr.isolate_host", Args: json.RawMessage(`{"host":"a"}`)})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrTransient) {
		t.Errorf("invoke(cancelled) error = %v, want context.Canceled and ErrTransient", err)
	}
	if attempts != 1 || f.calls.Load() != 1 {
		t.Errorf("invoke(cancelled) attempts, calls = %d, %d; want 1, 1",
			attempts, f.calls.Load())
	}

	_, attempts, err = r.invoke(ctx,
		Call{Tool: "edr.isolate_host", Args: json.RawMessage(`{"host":"a"}`)})
	if !errors.Is(err, context.Canceled) || attempts != 0 {
		t.Errorf("invoke(already cancelled) = %d, %v; want 0, context.Canceled", attempts, err)
	}
}

func TestInvokeUnknownTool(t *testing.T) {
	_, attempts, err := NewRegistry(RegistryConfig{}).invoke(context.Background(),
		Call{Tool: "edr.nuke"})
	if !errors.Is(err, ErrUnknownTool) || attempts != 0 {
		t.Errorf("invoke(edr.nuke) = %d, %v; want 0, ErrUnknownTool", attempts, err)
	}
}

func TestRetryLogOmitsArgs(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	f := newFake("edr.isolate_host")
	f.fn = failFirst(1, ErrTransient)
	s := &noSleep{}
	r := NewRegistry(RegistryConfig{Logger: log, Sleep: s.sleep})
	if err := r.Register(f); err != nil {
		t.Fatal(err)
	}

	args := `{"host":"a","reason":"password=hunter2"}`
	if _, _, err := r.invoke(context.Background(),
		Call{Tool: "edr.isolate_host", Args: json.RawMessage(args)}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "tool=edr.isolate_host") || strings.Contains(out, "hunter2") {
		t.Errorf("retry log = %q, want tool named and arguments absent", out)
	}
}

// checkErr fails t unless err is nil when want is "", or wraps sentinel and
// contains want.
func checkErr(t *testing.T, what string, err error, want string, sentinel error) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Errorf("%s = %v, want nil", what, err)
		}
		return
	}
	if err == nil || !errors.Is(err, sentinel) || !strings.Contains(err.Error(), want) {
		t.Errorf("%s = %v, want error wrapping %v containing %q", what, err, sentinel, want)
	}
}

func clipArgs(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// FuzzValidate feeds arbitrary arguments to the validator: it must never
// panic, must refuse with ErrInvalidArgs, and must accept only JSON objects
// whose fields the schema declares.
func FuzzValidate(f *testing.F) {
	for _, s := range []string{`{"host":"WS-0142"}`, `{"host":1}`, `[]`, `{"host":"a","x":1}`,
		`{"host":"a","since":"2024-05-01T10:00:00Z","limit":5}`, `{`, ``, `null`} {
		f.Add([]byte(s))
	}
	r := NewRegistry(RegistryConfig{})
	if err := r.Register(newFake("edr.isolate_host")); err != nil {
		f.Fatal(err)
	}
	allowed := map[string]bool{"host": true, "reason": true, "since": true, "mode": true,
		"limit": true}
	f.Fuzz(func(t *testing.T, args []byte) {
		err := r.Validate("edr.isolate_host", args)
		if err != nil {
			if !errors.Is(err, ErrInvalidArgs) {
				t.Fatalf("Validate(%q) = %v, want ErrInvalidArgs", args, err)
			}
			return
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(args, &obj); err != nil || obj["host"] == nil {
			t.Fatalf("Validate(%q) accepted arguments that are not an object with host", args)
		}
		for k := range obj {
			if !allowed[k] {
				t.Fatalf("Validate(%q) accepted unknown field %q", args, k)
			}
		}
	})
}
