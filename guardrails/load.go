package guardrails

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/loader"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/conductor-sec/conductor/policies"
)

// decisionQuery is the one rule the guard evaluates for every action.
const decisionQuery = "data.conductor.guard.decision"

// problemsQuery lists what is wrong with the policy's data. The guard
// evaluates it once per load, not per decision, and refuses a policy whose
// list is not empty. A policy without the rule has nothing to check.
const problemsQuery = "data.conductor.guard.config_problems"

// forbiddenBuiltins reach the network: a policy must decide from its input and
// data alone, quickly, and must not become a way out of the host.
var forbiddenBuiltins = []string{"http.send", "net.lookup_ip_addr"}

// policyFiles is one policy folder as read from disk or from the binary.
type policyFiles struct {
	modules map[string]*ast.Module // every .rego file, tests included
	docs    map[string]any         // the merged data documents
	version string
}

// policy is a compiled, ready-to-evaluate policy.
type policy struct {
	version  string
	query    rego.PreparedEvalQuery
	loadedAt time.Time
}

// policySource returns the folder to load: dir, or the embedded defaults.
func policySource(dir string) (fs.FS, error) {
	if dir == "" {
		return policies.FS, nil
	}

	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("reading policy folder: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("reading policy folder: %s is not a folder", dir)
	}
	return os.DirFS(dir), nil
}

// readPolicy parses every .rego file and merges every data file under fsys the
// way `opa test` and `opa eval -d` do, so the CLI and the guard see one policy.
func readPolicy(fsys fs.FS) (*policyFiles, error) {
	res, err := loader.NewFileLoader().
		WithFS(fsys).
		WithRegoVersion(ast.RegoV1).
		WithProcessAnnotation(true).
		Filtered([]string{"."}, skipHidden)
	if err != nil {
		return nil, fmt.Errorf("loading policy: %w", err)
	}
	if len(res.Modules) == 0 {
		return nil, errors.New("loading policy: no .rego files")
	}

	pf := &policyFiles{modules: res.ParsedModules(), docs: res.Documents}
	pf.version, err = contentHash(res)
	if err != nil {
		return nil, fmt.Errorf("loading policy: %w", err)
	}
	return pf, nil
}

// skipHidden leaves out dot files: editors keep swap files and lock links next
// to the file being edited, and a half-written one must not break a reload.
func skipHidden(_ string, info fs.FileInfo, depth int) bool {
	return depth > 0 && strings.HasPrefix(info.Name(), ".")
}

// contentHash digests every module's bytes, by name, and the merged data.
func contentHash(res *loader.Result) (string, error) {
	h := sha256.New()
	names := make([]string, 0, len(res.Modules))
	for name := range res.Modules {
		names = append(names, name)
	}
	slices.Sort(names)

	for _, name := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(res.Modules[name].Raw))
		h.Write(res.Modules[name].Raw)
	}

	data, err := json.Marshal(res.Documents)
	if err != nil {
		return "", fmt.Errorf("hashing data: %w", err)
	}
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// isTestFile reports whether a module holds Rego tests only; the guard leaves
// them out of the decision query.
func isTestFile(name string) bool { return strings.HasSuffix(name, "_test.rego") }

// compile builds the prepared decision query from the non-test modules.
func (pf *policyFiles) compile(ctx context.Context, now time.Time) (*policy, error) {
	prod := make(map[string]*ast.Module, len(pf.modules))
	for name, m := range pf.modules {
		if !isTestFile(name) {
			prod[name] = m
		}
	}

	c := ast.NewCompiler().WithCapabilities(guardCapabilities())
	if c.Compile(prod); c.Failed() {
		return nil, fmt.Errorf("compiling policy: %w", c.Errors)
	}

	store := inmem.NewFromObjectWithOpts(pf.docs, inmem.OptReturnASTValuesOnRead(true))
	if err := checkConfig(ctx, c, store); err != nil {
		return nil, err
	}

	q, err := rego.New(
		rego.Query(decisionQuery),
		rego.Compiler(c),
		rego.Store(store),
		rego.StrictBuiltinErrors(true),
	).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("preparing policy: %w", err)
	}
	return &policy{version: pf.version, query: q, loadedAt: now}, nil
}

// checkConfig refuses a policy whose config_problems rule lists anything, such
// as a missing protected-network list or a limit that is not a number.
func checkConfig(ctx context.Context, c *ast.Compiler, store storage.Store) error {
	rs, err := rego.New(
		rego.Query(problemsQuery),
		rego.Compiler(c),
		rego.Store(store),
		rego.StrictBuiltinErrors(true),
	).Eval(ctx)
	if err != nil {
		return fmt.Errorf("checking policy data: %w", err)
	}
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return nil
	}

	list, ok := rs[0].Expressions[0].Value.([]any)
	if !ok {
		return fmt.Errorf("checking policy data: config_problems is %T, not a set",
			rs[0].Expressions[0].Value)
	}
	if len(list) == 0 {
		return nil
	}
	problems := make([]string, len(list))
	for i, p := range list {
		problems[i] = fmt.Sprint(p)
	}
	return fmt.Errorf("policy data refused: %s", strings.Join(problems, "; "))
}

// guardCapabilities are this OPA's built-ins less the forbidden ones.
func guardCapabilities() *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	caps.Builtins = slices.DeleteFunc(slices.Clone(caps.Builtins), func(b *ast.Builtin) bool {
		return slices.Contains(forbiddenBuiltins, b.Name)
	})
	return caps
}
