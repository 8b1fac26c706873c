package ratelimit

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Every field name this package's code passes to invalid or checkTokens has a
// phrase: a new field cannot reach a person as its Go name.
func TestEveryInvalidFieldHasAPhrase(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	seen := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			fn, ok := call.Fun.(*ast.Ident)
			arg := -1
			switch {
			case ok && fn.Name == "invalid" && len(call.Args) >= 2:
				arg = 1
			case ok && fn.Name == "checkTokens" && len(call.Args) >= 1:
				arg = 0
			default:
				return true
			}
			lit, ok := call.Args[arg].(*ast.BasicLit)
			if !ok {
				if id, isIdent := call.Args[arg].(*ast.Ident); isIdent && id.Name == "field" {
					return true // checkTokens passing its own argument on
				}
				t.Errorf("%s: the field of %s is not a string literal", fset.Position(call.Pos()), fn.Name)
				return true
			}
			field, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			seen++
			if _, ok := fieldPhrase(field); !ok {
				t.Errorf("%s: field %q has no phrase in fieldPhrase", fset.Position(call.Pos()), field)
			}
			return true
		})
	}
	if seen < 10 {
		t.Fatalf("found only %d calls; the scan is broken", seen)
	}
}
