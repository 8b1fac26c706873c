package roster_test

import (
	"fmt"
	"go/importer"
	"go/token"
	"go/types"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// module is this module's path; the packages below it are checked.
const module = "github.com/rosterhq/roster"

// TestPublicSurfaceHasNoInternalTypes loads every public package of the
// module (all but internal/ and examples/) with go/types and fails for each
// exported identifier whose type mentions a type of an internal package:
// package-level funcs, vars, consts and types, the exported fields of
// exported struct types and the exported methods of exported types (aliases
// included). An application outside the module cannot name such a type, so
// such an identifier is noise in its godoc at best and unusable at worst.
func TestPublicSurfaceHasNoInternalTypes(t *testing.T) {
	imp := exportDataImporter(t)
	for _, path := range publicPackages(t) {
		pkg, err := imp.Import(path)
		if err != nil {
			t.Fatalf("import %s: %v", path, err)
		}
		for _, leak := range internalMentions(pkg) {
			t.Errorf("%s: exported %s mentions an internal type", path, leak)
		}
	}
}

// TestPublicTypesAreReachable fails for an exported type of a public package
// that an application can neither be handed nor hand over: no exported
// function, method, field, variable, constant or type of any public package
// mentions it, and it has no exported methods of its own (an error type such
// as *SchemaError is reached through errors.As and its Error method). Such a
// type serves only the module's own unexported code, a constructor reached
// through internal/construct say, and belongs in an internal package.
func TestPublicTypesAreReachable(t *testing.T) {
	imp := exportDataImporter(t)
	var pkgs []*types.Package
	for _, path := range publicPackages(t) {
		pkg, err := imp.Import(path)
		if err != nil {
			t.Fatalf("import %s: %v", path, err)
		}
		pkgs = append(pkgs, pkg)
	}
	mentioned := map[string]bool{} // "path.Name" of every type an exported identifier mentions
	for _, pkg := range pkgs {
		scope := pkg.Scope()
		for _, name := range scope.Names() {
			if obj := scope.Lookup(name); obj.Exported() {
				exportedMentions(obj, mentioned)
			}
		}
	}
	for _, pkg := range pkgs {
		scope := pkg.Scope()
		for _, name := range scope.Names() {
			tn, ok := scope.Lookup(name).(*types.TypeName)
			if !ok || !tn.Exported() || mentioned[pkg.Path()+"."+name] || hasExportedMethods(tn.Type()) {
				continue
			}
			t.Errorf("%s: exported type %s is mentioned by no exported identifier and has no exported methods: no application can use it", pkg.Path(), name)
		}
	}
}

// exportedMentions records in seen the named types that obj, an exported
// identifier, mentions where an application sees them: its type, or for a
// type its definition, exported fields and exported methods. A type's
// mention of itself does not count.
func exportedMentions(obj types.Object, seen map[string]bool) {
	walk := func(t types.Type) { collectNamed(t, seen, map[types.Type]bool{}) }
	tn, ok := obj.(*types.TypeName)
	if !ok {
		walk(obj.Type())
		return
	}
	self := obj.Pkg().Path() + "." + obj.Name()
	had := seen[self]
	if tn.IsAlias() {
		walk(types.Unalias(tn.Type()))
	} else {
		walk(tn.Type().Underlying())
	}
	ms := types.NewMethodSet(types.NewPointer(types.Unalias(tn.Type())))
	for sel := range ms.Methods() {
		if sel.Obj().Exported() {
			walk(sel.Obj().Type())
		}
	}
	if named, ok := tn.Type().(*types.Named); ok && !tn.IsAlias() {
		for tp := range named.TypeParams().TypeParams() {
			walk(tp.Constraint())
		}
	}
	seen[self] = had
}

// collectNamed records every named type t mentions where an application sees
// it. An unexported named type is entered (an application sees its exported
// fields and methods); an exported one is recorded and not entered, since it
// is visited as an identifier of its own.
func collectNamed(t types.Type, seen map[string]bool, visited map[types.Type]bool) {
	if visited[t] {
		return
	}
	visited[t] = true
	rec := func(t types.Type) { collectNamed(t, seen, visited) }
	switch t := t.(type) {
	case *types.Alias:
		if o := t.Obj(); o.Pkg() != nil {
			seen[o.Pkg().Path()+"."+o.Name()] = true
		}
		rec(types.Unalias(t))
	case *types.Named:
		o := t.Obj()
		if o.Pkg() != nil {
			seen[o.Pkg().Path()+"."+o.Name()] = true
		}
		for a := range t.TypeArgs().Types() {
			rec(a)
		}
		if !o.Exported() {
			rec(t.Underlying())
		}
	case *types.Pointer:
		rec(t.Elem())
	case *types.Slice:
		rec(t.Elem())
	case *types.Array:
		rec(t.Elem())
	case *types.Chan:
		rec(t.Elem())
	case *types.Map:
		rec(t.Key())
		rec(t.Elem())
	case *types.Signature:
		rec(t.Params())
		rec(t.Results())
	case *types.Tuple:
		for v := range t.Variables() {
			rec(v.Type())
		}
	case *types.Struct:
		for f := range t.Fields() {
			if f.Exported() || f.Embedded() {
				rec(f.Type())
			}
		}
	case *types.Interface:
		for m := range t.Methods() {
			if m.Exported() {
				rec(m.Type())
			}
		}
		for e := range t.EmbeddedTypes() {
			rec(e)
		}
	case *types.Union:
		for term := range t.Terms() {
			rec(term.Type())
		}
	case *types.TypeParam:
		rec(t.Constraint())
	}
}

// hasExportedMethods reports whether t, or a pointer to it, has an exported
// method.
func hasExportedMethods(t types.Type) bool {
	t = types.Unalias(t)
	for _, ms := range []*types.MethodSet{types.NewMethodSet(t), types.NewMethodSet(types.NewPointer(t))} {
		for sel := range ms.Methods() {
			if sel.Obj().Exported() {
				return true
			}
		}
	}
	return false
}

// exportDataImporter returns a go/types importer reading the compiler's export
// data, which `go list -export` builds (or finds in the build cache): much
// faster than type-checking every dependency from source.
func exportDataImporter(t *testing.T) types.Importer {
	out, err := exec.Command("go", "list", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}", "./...").Output()
	if err != nil {
		t.Fatalf("go list -export: %v", err)
	}
	exports := map[string]string{}
	for line := range strings.Lines(string(out)) {
		path, file, _ := strings.Cut(strings.TrimSpace(line), "\t")
		exports[path] = file
	}
	return importer.ForCompiler(token.NewFileSet(), "gc", func(path string) (io.ReadCloser, error) {
		file, ok := exports[path]
		if !ok || file == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(file)
	})
}

// publicPackages returns the import paths of the module's packages, without
// internal/, examples/ and testdata.
func publicPackages(t *testing.T) []string {
	var out []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		name := d.Name()
		if path != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "internal" || name == "examples") {
			return filepath.SkipDir
		}
		if hasGoFiles(t, path) {
			out = append(out, strings.TrimSuffix(module+"/"+filepath.ToSlash(path), "/."))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 5 {
		t.Fatalf("found only %d packages: %v", len(out), out)
	}
	return out
}

func hasGoFiles(t *testing.T, dir string) bool {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") {
			return true
		}
	}
	return false
}

// internalMentions lists the exported identifiers of pkg whose types mention
// an internal package's type, as "kind name".
func internalMentions(pkg *types.Package) []string {
	var out []string
	scope := pkg.Scope()
	for _, name := range scope.Names() {
		obj := scope.Lookup(name)
		if !obj.Exported() {
			continue
		}
		switch obj := obj.(type) {
		case *types.TypeName:
			out = append(out, typeMentions(obj)...)
		default:
			if mentionsInternal(obj.Type(), nil) {
				out = append(out, kindOf(obj)+" "+name)
			}
		}
	}
	return out
}

// typeMentions checks an exported type: its definition (the aliased type of
// an alias), its exported fields and its exported methods, promoted ones
// included, on the value and the pointer.
func typeMentions(tn *types.TypeName) []string {
	var out []string
	t := tn.Type()
	under := types.Unalias(t).Underlying()
	_, isStruct := under.(*types.Struct)
	switch {
	case tn.IsAlias():
		if mentionsInternal(types.Unalias(t), nil) {
			out = append(out, "type "+tn.Name())
		}
	case !isStruct: // a struct's fields are reported one by one below
		if mentionsInternal(under, nil) {
			out = append(out, "type "+tn.Name())
		}
	}
	if st, ok := types.Unalias(t).Underlying().(*types.Struct); ok {
		for f := range st.Fields() {
			if f.Exported() && mentionsInternal(f.Type(), nil) {
				out = append(out, "field "+tn.Name()+"."+f.Name())
			}
		}
	}
	if _, isIface := types.Unalias(t).Underlying().(*types.Interface); isIface {
		return out // methods were checked with the definition
	}
	ms := types.NewMethodSet(types.NewPointer(types.Unalias(t)))
	for sel := range ms.Methods() {
		m := sel.Obj()
		if m.Exported() && mentionsInternal(m.Type(), nil) {
			out = append(out, "method "+tn.Name()+"."+m.Name())
		}
	}
	return out
}

func kindOf(obj types.Object) string {
	switch obj.(type) {
	case *types.Func:
		return "func"
	case *types.Var:
		return "var"
	case *types.Const:
		return "const"
	}
	return "identifier"
}

// mentionsInternal reports whether t names, anywhere in it, a type declared
// in a package whose path has an internal element. Named types of public
// packages are not entered: each is checked on its own where it is declared
// (seen guards against recursion through unexported ones).
func mentionsInternal(t types.Type, seen map[types.Type]bool) bool {
	if seen == nil {
		seen = map[types.Type]bool{}
	}
	if seen[t] {
		return false
	}
	seen[t] = true
	switch t := t.(type) {
	case *types.Alias:
		return isInternal(t.Obj()) || mentionsInternal(types.Unalias(t), seen)
	case *types.Named:
		if isInternal(t.Obj()) {
			return true
		}
		for a := range t.TypeArgs().Types() {
			if mentionsInternal(a, seen) {
				return true
			}
		}
		// An unexported type reached from an exported identifier is part of
		// the surface too: enter it.
		return !t.Obj().Exported() && mentionsInternal(t.Underlying(), seen)
	case *types.Pointer:
		return mentionsInternal(t.Elem(), seen)
	case *types.Slice:
		return mentionsInternal(t.Elem(), seen)
	case *types.Array:
		return mentionsInternal(t.Elem(), seen)
	case *types.Chan:
		return mentionsInternal(t.Elem(), seen)
	case *types.Map:
		return mentionsInternal(t.Key(), seen) || mentionsInternal(t.Elem(), seen)
	case *types.Signature:
		return mentionsInternal(t.Params(), seen) || mentionsInternal(t.Results(), seen)
	case *types.Tuple:
		for v := range t.Variables() {
			if mentionsInternal(v.Type(), seen) {
				return true
			}
		}
	case *types.Struct:
		for f := range t.Fields() {
			if (f.Exported() || f.Embedded()) && mentionsInternal(f.Type(), seen) {
				return true
			}
		}
	case *types.Interface:
		for m := range t.Methods() {
			if m.Exported() && mentionsInternal(m.Type(), seen) {
				return true
			}
		}
		for e := range t.EmbeddedTypes() {
			if mentionsInternal(e, seen) {
				return true
			}
		}
	case *types.TypeParam:
		return mentionsInternal(t.Constraint(), seen)
	}
	return false
}

func isInternal(obj *types.TypeName) bool {
	return obj.Pkg() != nil && strings.Contains("/"+obj.Pkg().Path()+"/", "/internal/")
}

// TestGoDocMentionsNoInternals runs `go doc -all` on every public package and
// fails on any identifier of an internal package (errs.New, store.Tx,
// authz.RequireAdmin, ...) or import path of one (.../internal/...): what an
// application reads must name only what it can import. A file name such as
// "authz.go" in doc.go's package map names a file of a public package, not an
// internal identifier, and is allowed.
func TestGoDocMentionsNoInternals(t *testing.T) {
	mention := regexp.MustCompile(`(^|[^A-Za-z0-9_])(errs|construct|authz|enforcer|store|rostertest)\.([A-Za-z_]\w*)|/internal/`)
	for _, path := range publicPackages(t) {
		out, err := exec.Command("go", "doc", "-all", path).CombinedOutput()
		if err != nil {
			t.Fatalf("go doc -all %s: %v\n%s", path, err, out)
		}
		for n, line := range strings.Split(string(out), "\n") {
			for _, m := range mention.FindAllStringSubmatch(line, -1) {
				if m[3] == "go" { // a file name, not an identifier
					continue
				}
				t.Errorf("go doc -all %s, line %d mentions an internal package: %s", path, n+1, strings.TrimSpace(line))
			}
		}
	}
}
