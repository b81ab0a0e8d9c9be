package guardrails

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// allowedImports are the only non-standard packages guardrails may import: it
// must never depend on agent, tools or the case store, which depend on it.
var allowedImports = []string{
	"github.com/open-policy-agent/opa/",
	"github.com/fsnotify/fsnotify",
	"github.com/conductor-sec/conductor/policies",
}

func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		file, err := parser.ParseFile(fset, f, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range file.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if !importAllowed(path) {
				t.Errorf("%s imports %s; guardrails may import only the standard library, %v",
					f, path, allowedImports)
			}
		}
	}
}

func importAllowed(path string) bool {
	if !strings.Contains(strings.Split(path, "/")[0], ".") {
		return true // the standard library
	}
	for _, p := range allowedImports {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}
