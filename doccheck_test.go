package roster_test

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryExportedIdentifierIsDocumented keeps the library's documentation
// at 100%: every exported type, function, method, constant and variable of
// every non-example package has a doc comment (a grouped const or var block
// may carry one comment for the group), and every package has a package doc.
func TestEveryExportedIdentifierIsDocumented(t *testing.T) {
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || strings.HasPrefix(path, "examples")) {
			return filepath.SkipDir
		}
		checkPackageDocs(t, path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func checkPackageDocs(t *testing.T, dir string) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi os.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, parser.ParseComments)
	if err != nil {
		t.Fatalf("parse %s: %v", dir, err)
	}
	for _, pkg := range pkgs {
		p := doc.New(pkg, dir, 0)
		if strings.TrimSpace(p.Doc) == "" {
			t.Errorf("package %s (%s) has no package documentation", p.Name, dir)
		}
		undocumented(t, fset, p)
	}
}

func undocumented(t *testing.T, fset *token.FileSet, p *doc.Package) {
	report := func(kind, name string, pos token.Pos) {
		t.Errorf("%s: exported %s %s has no doc comment", fset.Position(pos), kind, name)
	}
	values := func(vs []*doc.Value) {
		for _, v := range vs {
			if v.Doc != "" {
				continue
			}
			for _, spec := range v.Decl.Specs {
				vs := spec.(*ast.ValueSpec)
				for _, n := range vs.Names {
					if n.IsExported() && vs.Doc == nil && vs.Comment == nil {
						report("value", n.Name, n.Pos())
					}
				}
			}
		}
	}
	funcs := func(fs []*doc.Func) {
		for _, f := range fs {
			if f.Doc == "" && ast.IsExported(f.Name) {
				report("func", f.Name, f.Decl.Pos())
			}
		}
	}
	values(p.Consts)
	values(p.Vars)
	funcs(p.Funcs)
	for _, typ := range p.Types {
		if typ.Doc == "" {
			report("type", typ.Name, typ.Decl.Pos())
		}
		values(typ.Consts)
		values(typ.Vars)
		funcs(typ.Funcs)
		funcs(typ.Methods)
	}
}
