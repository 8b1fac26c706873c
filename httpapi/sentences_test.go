package httpapi_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// notAsserted lists the files of the library whose sentences no test need
// assert exactly, with the reason. Keep it short: a new sentence belongs in
// a refusal table.
func notAsserted() map[string]string {
	return map[string]string{
		// The casbin view's adapter: CasbinView has no write method and loads
		// one workspace filtered, so no caller outside internal/enforcer
		// reaches these refusals, and the admin API serves no casbin view.
		"internal/enforcer/readonly.go": "the read-only adapter's refusals are unreachable through the public API",
		// A casbin_rule row roster's model cannot hold: written only by hand in
		// the database, and never through the admin API.
		"internal/enforcer/enforcer.go": "a foreign casbin_rule row; the casbin view, not the admin API, reads it",
	}
}

// Every sentence the library's code builds for a person (the sentence
// argument of errs.New, errs.Errorf, errs.Named and each package's newError,
// httpapi's invalid, a Sentence method's result, an error body's Detail) is
// asserted exactly by some test: it matches, whole, a string literal of a
// test file (the refusal tables here, the root package's, each package's
// sentence tests), with a placeholder wherever the sentence takes a value.
// Sentences no test can reach are listed in notAsserted with the reason.
func TestEverySentenceIsAsserted(t *testing.T) {
	sentences, literals := scanModule(t)
	exempt := notAsserted()
	if len(sentences) < 80 {
		t.Fatalf("found only %d sentences; the scan is broken", len(sentences))
	}
	for _, s := range sentences {
		if _, ok := exempt[strings.Split(s.where, ":")[0]]; ok {
			continue
		}
		re := regexp.MustCompile(`^(?s)` + s.pattern + `$`)
		found := false
		for _, lit := range literals {
			if re.MatchString(lowerFirst(lit)) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("%s: no test asserts the sentence %s", s.where, s.pattern)
		}
	}
}

type sentence struct {
	where   string // file:line of the expression
	pattern string // a regexp, first letter lowered
}

// scanModule returns the sentences of the module's non-test code (without
// examples/, whose own tests cover their sentences) and the string literals
// of its test files.
func scanModule(t *testing.T) ([]sentence, []string) {
	t.Helper()
	fset := token.NewFileSet()
	var out []sentence
	var lits []string
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != ".." && (strings.HasPrefix(n, ".") || n == "testdata" || n == "examples") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || path == filepath.Join("..", "httpapi", "sentences_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		if strings.HasSuffix(path, "_test.go") {
			ast.Inspect(f, func(n ast.Node) bool {
				if b, ok := n.(*ast.BasicLit); ok && b.Kind == token.STRING {
					if s, err := strconv.Unquote(b.Value); err == nil {
						lits = append(lits, s)
					}
				}
				return true
			})
			return nil
		}
		add := func(at token.Pos, e ast.Expr, suffix string) {
			if b, ok := e.(*ast.BasicLit); ok && b.Value == `""` {
				return // fieldPhrase's "not found"
			}
			p := patternOf(e) + suffix
			if strings.Trim(p, ".*") == "" {
				return // no literal text: a sentence passed on
			}
			pos := fset.Position(at)
			rel, _ := filepath.Rel("..", pos.Filename)
			out = append(out, sentence{where: filepath.ToSlash(rel) + ":" + strconv.Itoa(pos.Line), pattern: lowerFirst(p)})
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if name(n.Fun) == "invalid" {
					if strings.HasPrefix(path, filepath.Join("..", "httpapi")) && len(n.Args) > 1 {
						// httpapi's invalid(field, format): "The field x <format>."
						add(n.Pos(), &ast.BinaryExpr{X: &ast.Ident{Name: "subject"}, Op: token.ADD, Y: &ast.BinaryExpr{
							X: &ast.BasicLit{Kind: token.STRING, Value: `" "`}, Op: token.ADD, Y: n.Args[1]}}, `\.`)
					}
					return true // ratelimit's invalid names a field: fieldPhrase
				}
				if i := sentenceArg(n); i >= 0 && i < len(n.Args) {
					add(n.Pos(), n.Args[i], "")
				}
			case *ast.FuncDecl:
				fn := n.Name.Name
				if fn != "Sentence" && fn != "fieldPhrase" && fn != "genericSentence" {
					return true
				}
				suffix := ""
				if fn == "fieldPhrase" {
					suffix = regexp.QuoteMeta(" is not valid.")
				}
				ast.Inspect(n.Body, func(m ast.Node) bool {
					if r, ok := m.(*ast.ReturnStmt); ok && len(r.Results) > 0 {
						add(r.Pos(), r.Results[0], suffix)
					}
					return true
				})
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "Detail" {
					add(n.Pos(), n.Value, "")
				}
			case *ast.AssignStmt:
				// detail = "..." in writeError and its kin.
				if len(n.Lhs) == 1 && name(n.Lhs[0]) == "detail" {
					add(n.Pos(), n.Rhs[0], "")
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, lits
}

// sentenceArg returns the index of the sentence argument of a call that
// builds an error for a person, or -1.
func sentenceArg(c *ast.CallExpr) int {
	switch name(c.Fun) {
	case "errs.New", "newError", "errs.Errorf":
		return 1
	case "errs.Named":
		return 2
	}
	return -1
}

func name(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		if x, ok := e.X.(*ast.Ident); ok {
			return x.Name + "." + e.Sel.Name
		}
	}
	return ""
}

// patternOf returns a regexp matching the strings e can be: string
// literals as they are (fmt verbs as placeholders), concatenations in order,
// fmt.Sprintf by its format, anything else a placeholder.
func patternOf(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return ".*"
		}
		s, err := strconv.Unquote(e.Value)
		if err != nil {
			return ".*"
		}
		// A fmt verb stands for a value.
		verb := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)
		var b strings.Builder
		last := 0
		for _, m := range verb.FindAllStringIndex(s, -1) {
			b.WriteString(regexp.QuoteMeta(s[last:m[0]]) + ".*")
			last = m[1]
		}
		b.WriteString(regexp.QuoteMeta(s[last:]))
		return b.String()
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			return patternOf(e.X) + patternOf(e.Y)
		}
	case *ast.ParenExpr:
		return patternOf(e.X)
	case *ast.CallExpr:
		if name(e.Fun) == "fmt.Sprintf" && len(e.Args) > 0 {
			return patternOf(e.Args[0])
		}
	}
	return ".*"
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}
