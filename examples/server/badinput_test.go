package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rosterhq/roster/examples/server/web"
)

// Bad input gets docs/http.md's status and code, never a 500, and writes nothing:
// malformed JSON, wrong types, unknown fields, huge bodies, missing or
// forged cookies, unknown ids, unknown paths and methods.
func TestBadInput(t *testing.T) {
	ts := newTestServer(t)
	ts.register("ada@example.com", "")
	admin := ts.login("ada@example.com")
	anon := ts.client()
	forged := ts.client()
	forgedCookie := []string{"Cookie", sessionCookie + "=" + strings.Repeat("A", tokenLen)}
	huge := `{"message": "` + strings.Repeat("x", defaultMaxBodyBytes) + `"}`

	type row struct {
		what         string
		c            *client
		method, path string
		body         any
		header       []string
		status       int
		code         string
	}
	const (
		bad       = http.StatusBadRequest
		invalidC  = "INVALID_INPUT"
		tooLarge  = http.StatusRequestEntityTooLarge
		tooLargeC = "PAYLOAD_TOO_LARGE"
	)
	rows := []row{
		{"malformed JSON", anon, "POST", "/auth/register", `{"email":`, nil, bad, invalidC},
		{"not an object", anon, "POST", "/auth/register", `[1,2]`, nil, bad, invalidC},
		{"two values", anon, "POST", "/auth/register", `{"email":"x@example.com","password":"long enough"}{}`, nil, bad, invalidC},
		{"empty body", anon, "POST", "/auth/register", ``, nil, bad, invalidC},
		{"unknown field", anon, "POST", "/auth/register", `{"email":"x@example.com","password":"long enough","role":"admin"}`, nil, bad, invalidC},
		{"wrong type", anon, "POST", "/auth/register", `{"email":5,"password":"long enough"}`, nil, bad, invalidC},
		{"bad email", anon, "POST", "/auth/register", registerRequest{Email: "not an email", Password: "long enough"}, nil, bad, invalidC},
		{"no password", anon, "POST", "/auth/register", registerRequest{Email: "x@example.com"}, nil, bad, invalidC},
		{"huge body", anon, "POST", "/auth/register", huge, nil, tooLarge, tooLargeC},
		{"login malformed", anon, "POST", "/auth/login", `{"email":"ada@example.com","password":}`, nil, bad, invalidC},
		{"login bad email", anon, "POST", "/auth/login", loginRequest{Email: "ada", Password: "x"}, nil, bad, invalidC},
		{"forgot unknown field", anon, "POST", "/auth/forgot-password", `{"email":"ada@example.com","link":"http://evil"}`, nil, bad, invalidC},
		{"reset wrong type", anon, "POST", "/auth/reset-password", `{"token":1,"new_password":"long enough"}`, nil, bad, invalidC},
		{"reset garbage token", anon, "POST", "/auth/reset-password", resetRequest{Token: "../../etc", NewPassword: "long enough"}, nil, bad, invalidC},
		{"reset page garbage token", anon, "GET", "/password/reset?token=%00", nil, nil, bad, ""},
		{"accept page no token", anon, "GET", "/invite/accept", nil, nil, http.StatusForbidden, ""},
		{"accept huge form", anon, "POST", "/invite/accept", "token=" + strings.Repeat("x", defaultMaxBodyBytes),
			[]string{"Content-Type", "application/x-www-form-urlencoded"}, tooLarge, ""},

		{"no cookie", anon, "GET", "/me", nil, nil, http.StatusUnauthorized, "NOT_SIGNED_IN"},
		{"no cookie, app route", anon, "POST", "/persona", personaRequest{Name: "p"}, nil, http.StatusUnauthorized, "NOT_SIGNED_IN"},
		{"forged cookie", forged, "GET", "/me", nil, forgedCookie, http.StatusUnauthorized, "NOT_SIGNED_IN"},
		{"forged cookie, app route", forged, "POST", "/chat/send-message", messageRequest{Message: "hi"}, forgedCookie, http.StatusUnauthorized, "NOT_SIGNED_IN"},
		{"garbage cookie", forged, "GET", "/persona", nil, []string{"Cookie", sessionCookie + "=%%%; other=1"}, http.StatusUnauthorized, "NOT_SIGNED_IN"},
		{"password signed out", anon, "POST", "/auth/password", passwordChange{CurrentPassword: "a", NewPassword: "long enough"}, nil, http.StatusUnauthorized, "NOT_SIGNED_IN"},

		{"chat no message", admin, "POST", "/chat/send-message", `{}`, nil, bad, invalidC},
		{"chat wrong type", admin, "POST", "/chat/send-message", `{"message":3}`, nil, bad, invalidC},
		{"chat huge", admin, "POST", "/chat/send-message", huge, nil, tooLarge, tooLargeC},
		{"connector no name", admin, "POST", "/manage/admin/connector", connectorRequest{AccessType: "public"}, nil, bad, invalidC},
		{"connector control character", admin, "POST", "/manage/admin/connector", connectorRequest{Name: "a\x00b", AccessType: "public"}, nil, bad, invalidC},
		{"connector long name", admin, "POST", "/manage/admin/connector", connectorRequest{Name: strings.Repeat("n", maxName+1), AccessType: "public"}, nil, bad, invalidC},
		{"connector groups wrong type", admin, "POST", "/manage/admin/connector", `{"name":"n","access_type":"public","groups":"g"}`, nil, bad, invalidC},
		{"connector unknown group", admin, "POST", "/manage/admin/connector", connectorRequest{Name: "n", AccessType: "private", Groups: []string{"nope"}}, nil, http.StatusNotFound, "NOT_FOUND"},
		{"connector odd group id", admin, "POST", "/manage/admin/connector", connectorRequest{Name: "n", AccessType: "private", Groups: []string{"a,b c"}}, nil, http.StatusNotFound, "NOT_FOUND"},
		{"patch unknown connector", admin, "PATCH", "/manage/admin/connector/nope", `{"name":"x"}`, nil, http.StatusNotFound, "NOT_FOUND"},
		{"patch odd connector id", admin, "PATCH", "/manage/admin/connector/a%2Cb", `{"name":"x"}`, nil, http.StatusNotFound, "NOT_FOUND"},
		{"delete unknown connector", admin, "DELETE", "/manage/admin/connector/nope", nil, nil, http.StatusNotFound, "NOT_FOUND"},
		{"document set unknown connector", admin, "POST", "/manage/admin/document-set", documentSetRequest{Name: "d", IsPublic: true, CCPairIDs: []string{"nope"}}, nil, http.StatusNotFound, "NOT_FOUND"},
		{"document set patch without id", admin, "PATCH", "/manage/admin/document-set", `{"is_public":true}`, nil, bad, invalidC},
		{"document set patch unknown", admin, "PATCH", "/manage/admin/document-set", `{"id":"nope","is_public":true}`, nil, http.StatusNotFound, "NOT_FOUND"},
		{"document set bad query", admin, "GET", "/manage/document-set?get_editable=maybe", nil, nil, bad, invalidC},
		{"delete unknown document set", admin, "DELETE", "/manage/admin/document-set/nope", nil, nil, http.StatusNotFound, "NOT_FOUND"},
		{"persona unknown user", admin, "POST", "/persona", personaRequest{Name: "p", Users: []string{"nope"}}, nil, http.StatusNotFound, "NOT_FOUND"},
		{"persona wrong type", admin, "POST", "/persona", `{"name":"p","is_public":"yes"}`, nil, bad, invalidC},
		{"get unknown persona", admin, "GET", "/persona/00000000-0000-0000-0000-000000000000", nil, nil, http.StatusNotFound, "NOT_FOUND"},
		{"share unknown persona", admin, "PATCH", "/persona/nope/share", `{"is_public":true}`, nil, http.StatusNotFound, "NOT_FOUND"},
		{"delete unknown persona", admin, "DELETE", "/persona/nope", nil, nil, http.StatusNotFound, "NOT_FOUND"},

		{"method", anon, "GET", "/auth/login", nil, nil, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED"},
		{"method on a resource", admin, "PUT", "/persona/x", nil, nil, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED"},
		{"unknown path", admin, "GET", "/no/such/path", nil, nil, http.StatusNotFound, "NOT_FOUND"},
		{"httpapi unknown id", admin, "DELETE", "/manage/admin/user-group/nope", nil, nil, http.StatusNotFound, "NOT_FOUND"},
		{"httpapi malformed", admin, "PUT", "/manage/admin/users", `{"emails":`, nil, bad, invalidC},
	}
	before := ts.counts()
	for _, r := range rows {
		got := r.c.do(r.method, r.path, r.body, r.header...)
		want(t, r.what, got, r.status, r.code)
	}
	// A body of the wrong JSON kind is named as a person knows it, never
	// by the Go type it would have been decoded into.
	for _, path := range []string{"/persona", "/manage/admin/connector", "/manage/admin/document-set", "/auth/login"} {
		c := admin
		if path == "/auth/login" {
			c = anon
		}
		got := c.do("POST", path, `[1]`)
		want(t, "list body to "+path, got, bad, invalidC)
		if d := decodeAs[errorBody](t, got).Detail; d != "The request body must be an object, not a list." {
			t.Errorf("list body to %s: detail %q", path, d)
		}
	}
	if d := before.diff(ts.counts()); d != "" {
		t.Errorf("bad input wrote: %s", d)
	}
}

// The root redirects to /ui/, where the web admin pages will be; until
// then a placeholder says who is signed in.
func TestUIPlaceholder(t *testing.T) {
	ts := newTestServer(t)
	ts.register("ada@example.com", "")
	r := ts.client().do(http.MethodGet, "/", nil)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/ui/" {
		t.Errorf("GET /: %d %v", r.status, r.header)
	}
	page := ts.login("ada@example.com").do(http.MethodGet, "/ui/", nil)
	if page.status != http.StatusOK || !strings.Contains(string(page.body), "Signed in as ada@example.com (admin)") {
		t.Errorf("GET /ui/: %d\n%s", page.status, page.body)
	}
	want(t, "unknown page", ts.client().do(http.MethodGet, "/ui/nope", nil), http.StatusNotFound, "")
}

// Config.UI mounts the web pages under /ui/ and hands them the API for
// in-process reads with the browser's session, whether mail is printed (the
// development mailer) and whether anyone has signed up yet.
func TestUIMount(t *testing.T) {
	for _, printed := range []bool{false, true} {
		ts := newTestServer(t, func(c *config) {
			if printed {
				c.Mailer, c.Out = nil, io.Discard // the development mailer
			}
			c.UI = func(o web.Options) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					read := httptest.NewRequest(http.MethodGet, "/me", nil)
					read.Header.Set("Cookie", r.Header.Get("Cookie"))
					rec := httptest.NewRecorder()
					o.API.ServeHTTP(rec, read)
					none, err := o.NoUsers(r.Context())
					fmt.Fprintf(w, "%s: printed=%v none=%v,%v %s", r.URL.Path, o.MailPrinted, none, err, rec.Body)
				})
			}
		})
		if r := ts.client().do(http.MethodGet, "/ui/", nil); !strings.HasPrefix(string(r.body), fmt.Sprintf("/ui/: printed=%v none=true,<nil> ", printed)) {
			t.Errorf("fresh server: mounted UI answered %d %s", r.status, r.body)
		}
		ts.register("ada@example.com", "")
		r := ts.login("ada@example.com").do(http.MethodGet, "/ui/users", nil)
		if !strings.HasPrefix(string(r.body), fmt.Sprintf(`/ui/users: printed=%v none=false,<nil> {"id"`, printed)) ||
			!strings.Contains(string(r.body), `"email":"ada@example.com"`) {
			t.Errorf("mounted UI answered %d %s", r.status, r.body)
		}
	}
}
