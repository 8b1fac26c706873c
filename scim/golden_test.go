package scim_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/scim"
)

// conversation is a golden file of scim/testdata: a provider's documented
// provisioning flow as ordered requests with their expected answers
// (testdata/README.md describes the format and the placeholders).
type conversation struct {
	Source string `json:"source"`
	Steps  []step `json:"steps"`
}

type step struct {
	Name    string `json:"name"`
	Request struct {
		Method  string            `json:"method"`
		Path    string            `json:"path"`
		Query   map[string]string `json:"query"`
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	} `json:"request"`
	Response struct {
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers"`
		Body    any               `json:"body"`
	} `json:"response"`
}

// TestGoldenConversations replays every conversation on both stores.
func TestGoldenConversations(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "*", "*.json"))
	if err != nil || len(files) < 4 {
		t.Fatalf("golden files: %v %v", files, err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.ToSlash(f), ".json")[len("testdata/"):]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var c conversation
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&c); err != nil || c.Source == "" || len(c.Steps) == 0 {
				t.Fatalf("%s: %v (a conversation needs a source and steps)", f, err)
			}
			rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
				t.Parallel()
				replay(t, newEnv(t, dsn, scim.Config{}), c)
			})
		})
	}
}

func replay(t *testing.T, e *env, c conversation) {
	vars := map[string]string{}
	for i, s := range c.Steps {
		what := fmt.Sprintf("step %d (%s)", i+1, s.Name)
		target := subst(s.Request.Path, vars)
		if len(s.Request.Query) > 0 {
			q := url.Values{}
			for k, v := range s.Request.Query {
				q.Set(k, subst(v, vars))
			}
			target += "?" + q.Encode()
		}
		var body []byte
		if len(s.Request.Body) > 0 {
			body = []byte(subst(string(s.Request.Body), vars))
		}
		req := httptest.NewRequest(s.Request.Method, target, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+e.token)
		for k, v := range s.Request.Headers {
			req.Header.Set(k, subst(v, vars))
		}
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code != s.Response.Status {
			t.Fatalf("%s: %s %s answered %d %s, want %d", what, s.Request.Method, target, rec.Code, rec.Body.String(), s.Response.Status)
		}
		if s.Response.Body == nil {
			if rec.Body.Len() != 0 {
				t.Fatalf("%s: body %s, want none", what, rec.Body.String())
			}
			checkHeaders(t, what, s, rec, vars)
			continue
		}
		if ct := rec.Header().Get("Content-Type"); ct != scim.ContentType {
			t.Fatalf("%s: Content-Type %q", what, ct)
		}
		var got any
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatalf("%s: body %q: %v", what, rec.Body.String(), err)
		}
		if err := match(s.Response.Body, got, vars, "body"); err != nil {
			t.Fatalf("%s: %v\n got %s", what, err, rec.Body.String())
		}
		checkHeaders(t, what, s, rec, vars)
	}
}

// checkHeaders compares the headers the step expects (after the body's
// captures).
func checkHeaders(t *testing.T, what string, s step, rec *httptest.ResponseRecorder, vars map[string]string) {
	t.Helper()
	for k, v := range s.Response.Headers {
		if got, want := rec.Header().Get(k), subst(v, vars); got != want {
			t.Fatalf("%s: header %s = %q, want %q", what, k, got, want)
		}
	}
}

var placeholder = regexp.MustCompile(`\{\{([a-zA-Z0-9_]+)\}\}`)

// subst replaces {{name}} by the captured value of name.
func subst(s string, vars map[string]string) string {
	return placeholder.ReplaceAllStringFunc(s, func(m string) string {
		if v, ok := vars[m[2:len(m)-2]]; ok {
			return v
		}
		return m
	})
}

// match compares an expected JSON value with the answer: objects with the
// same keys, arrays as multisets (RFC 7643 gives multi-valued attributes no
// order), "{{any}}" matching any value, "{{time}}" an RFC 3339 time,
// "{{capture:name}}" a non-empty string it records as name, and "{{name}}"
// inside a string the value captured before.
func match(want, got any, vars map[string]string, at string) error {
	switch w := want.(type) {
	case string:
		switch {
		case w == "{{any}}":
			return nil
		case w == "{{time}}":
			s, _ := got.(string)
			if _, err := time.Parse(time.RFC3339, s); err != nil {
				return fmt.Errorf("%s: %v is not a time", at, got)
			}
			return nil
		case strings.HasPrefix(w, "{{capture:"):
			s, ok := got.(string)
			if !ok || s == "" {
				return fmt.Errorf("%s: %v is not a string to capture", at, got)
			}
			vars[strings.TrimSuffix(strings.TrimPrefix(w, "{{capture:"), "}}")] = s
			return nil
		}
		if got != subst(w, vars) {
			return fmt.Errorf("%s: %#v, want %#v", at, got, subst(w, vars))
		}
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: %#v, want an object", at, got)
		}
		keys := func(m map[string]any) []string {
			var ks []string
			for k := range m {
				ks = append(ks, k)
			}
			sort.Strings(ks)
			return ks
		}
		if kw, kg := keys(w), keys(g); strings.Join(kw, ",") != strings.Join(kg, ",") {
			return fmt.Errorf("%s: keys %v, want %v", at, kg, kw)
		}
		for _, k := range keys(w) {
			if err := match(w[k], g[k], vars, at+"."+k); err != nil {
				return err
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Errorf("%s: %#v, want %d values", at, got, len(w))
		}
		used := make([]bool, len(g))
	next:
		for i, x := range w {
			for j, y := range g {
				if !used[j] && match(x, y, maps.Clone(vars), "") == nil {
					used[j] = true
					_ = match(x, y, vars, "") // record captures, if any
					continue next
				}
			}
			return fmt.Errorf("%s[%d]: no value matches %v in %v", at, i, x, g)
		}
	default:
		if fmt.Sprint(want) != fmt.Sprint(got) {
			return fmt.Errorf("%s: %#v, want %#v", at, got, want)
		}
	}
	return nil
}
