package guardrails

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
)

// testTimeout bounds one Rego test; a policy whose test loops is refused.
const testTimeout = 10 * time.Second

// TestResult is the outcome of one Rego test.
type TestResult struct {
	// Name is the test rule, e.g. "test_routine_isolation_allowed".
	Name string `json:"name"`
	// Package is the Rego package, e.g. "data.conductor.guard_test".
	Package string `json:"package"`
	Pass    bool   `json:"pass"`
	// Fail says why the test did not pass: where it is and the error, if any.
	Fail     string        `json:"fail,omitempty"`
	Duration time.Duration `json:"duration"`
}

// RunPolicyTests runs the Rego tests of the policy folder dir ("" for the
// embedded defaults), sorted by package and name. The error reports a folder
// that does not load or compile; failing tests are results, not errors.
func RunPolicyTests(ctx context.Context, dir string) ([]TestResult, error) {
	fsys, err := policySource(dir)
	if err != nil {
		return nil, err
	}

	pf, err := readPolicy(fsys)
	if err != nil {
		return nil, err
	}
	return pf.runTests(ctx)
}

// Vet runs the Rego tests of the policy folder dir ("" for the embedded
// defaults) and applies every other check the guard makes before it puts a
// policy in force: it must compile, its data must be complete, it must have
// tests and pass them, and it must pass the built-in canaries. It returns the
// test results, sorted by package and name, and the guard's reason to refuse
// the folder, or nil when the guard would load it; results are nil when the
// folder does not load. `conductor policy test` prints both, so a lead sees
// before saving a file what a live reload would refuse.
func Vet(ctx context.Context, dir string) ([]TestResult, error) {
	fsys, err := policySource(dir)
	if err != nil {
		return nil, err
	}
	pf, err := readPolicy(fsys)
	if err != nil {
		return nil, err
	}

	results, err := pf.runTests(ctx)
	if err != nil {
		return nil, err
	}
	results = append([]TestResult{}, results...) // non-nil: the folder loaded
	if err := testsRefusal(results); err != nil {
		return results, err
	}
	p, err := pf.compile(ctx, time.Now())
	if err != nil {
		return results, err
	}
	return results, checkCanaries(ctx, p)
}

// runTests runs the Rego tests with built-in errors raised, as the guard
// evaluates decisions with strict built-in errors.
func (pf *policyFiles) runTests(ctx context.Context) ([]TestResult, error) {
	ch, err := tester.NewRunner().
		SetModules(pf.modules).
		SetStore(inmem.NewFromObject(pf.docs)).
		SetDefaultRegoVersion(ast.RegoV1).
		RaiseBuiltinErrors(true).
		SetTimeout(testTimeout).
		RunTests(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("running policy tests: %w", err)
	}

	var out []TestResult
	for r := range ch {
		out = append(out, testResult(r))
	}
	slices.SortFunc(out, func(a, b TestResult) int {
		return cmp.Or(cmp.Compare(a.Package, b.Package), cmp.Compare(a.Name, b.Name))
	})
	return out, nil
}

func testResult(r *tester.Result) TestResult {
	tr := TestResult{
		Name:     r.Name,
		Package:  r.Package,
		Pass:     r.Pass() || (r.Skip && r.Error == nil),
		Duration: r.Duration,
	}
	if tr.Pass {
		return tr
	}

	where := "?"
	if r.Location != nil {
		where = fmt.Sprintf("%s:%d", r.Location.File, r.Location.Row)
	}
	if r.Error != nil {
		tr.Fail = fmt.Sprintf("%s: %v", where, r.Error)
	} else {
		tr.Fail = where + ": test is false or undefined"
	}
	return tr
}

// checkTests refuses a policy without tests or with a failing one (T7).
func (pf *policyFiles) checkTests(ctx context.Context) error {
	results, err := pf.runTests(ctx)
	if err != nil {
		return err
	}
	return testsRefusal(results)
}

// testsRefusal says why test results refuse a policy: none ran, or some fail.
func testsRefusal(results []TestResult) error {
	if len(results) == 0 {
		return errors.New("policy has no tests")
	}

	var failed []string
	for _, r := range results {
		if !r.Pass {
			failed = append(failed, r.Name+" ("+r.Fail+")")
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d policy tests fail: %s",
			len(failed), len(results), strings.Join(failed, "; "))
	}
	return nil
}
