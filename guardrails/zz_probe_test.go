package guardrails

import (
	"runtime"
	"syscall"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

func TestProbe(t *testing.T) {
	pf, err := readPolicy(os.DirFS(cmpOr(os.Getenv("PROBE_DIR"), "../policies")))
	if err != nil {
		t.Fatal(err)
	}
	prod := map[string]*ast.Module{}
	for n, m := range pf.modules {
		if !isTestFile(n) {
			prod[n] = m
		}
	}
	c := ast.NewCompiler()
	c.Compile(prod)
	if c.Failed() {
		t.Fatal(c.Errors)
	}
	raw, _ := json.Marshal(canaries[1].req)
	if f := os.Getenv("PROBE_INPUT"); f != "" {
		raw, _ = os.ReadFile(f)
	}
	in, _ := inputValue(raw)
	ctx := context.Background()
	for _, q := range strings.Split(os.Getenv("PROBE"), ";") {
		pq, err := rego.New(rego.Query(q), rego.Compiler(c),
			rego.Store(inmem.NewFromObjectWithOpts(pf.docs, inmem.OptReturnASTValuesOnRead(true)))).PrepareForEval(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n := 3000
		for range 300 {
			pq.Eval(ctx, rego.EvalParsedInput(in))
		}
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		c0 := cpu()
		start := time.Now()
		for range n {
			pq.Eval(ctx, rego.EvalParsedInput(in))
		}
		runtime.ReadMemStats(&m1)
		t.Logf("allocs %d", (m1.Mallocs-m0.Mallocs)/uint64(n))
		t.Logf("%-50s wall %8.1f us cpu %8.1f us", q, float64(time.Since(start).Microseconds())/float64(n), float64((cpu()-c0).Microseconds())/float64(n))
	}
}

func cpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
