package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/httpapi"
	"github.com/rosterhq/roster/resources"
)

// guarded serves GET and PUT /agents/{id}, each behind a Guard, and answers
// 200 with the caller's email.
func (w *world) guarded() http.Handler {
	id := func(r *http.Request) string { return r.PathValue("id") }
	echo := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		c, ok := httpapi.CallerFrom(r.Context())
		if !ok {
			http.Error(rw, "no caller", http.StatusInternalServerError)
			return
		}
		rw.Write([]byte(c.User.Email))
	})
	mux := http.NewServeMux()
	mux.Handle("GET /agents/{id}", httpapi.Guard(w.dir, testAuth, access.View, access.Agent, id)(echo))
	mux.Handle("PUT /agents/{id}", httpapi.Guard(w.dir, testAuth, access.Edit, access.Agent, id)(echo))
	return mux
}

func TestGuard(t *testing.T) {
	w := newWorld(t)
	register := func(id string, f resources.Facts) {
		w.must(w.ws.Resources().Register(w.ctx, roster.System, access.Resource{Kind: access.Agent, ID: id}, f))
	}
	register("mine", resources.Facts{Owner: w.users[basic].ID})                    // basic's own agent
	register("public", resources.Facts{Public: true})                              // everyone views, admins edit
	register("team", resources.Facts{Groups: []string{w.team.ID}})                 // team views, its curators edit
	register("secret", resources.Facts{Groups: []string{w.secret.ID}})             // secret's members view
	register("shared", resources.Facts{SharedWith: []string{w.users[limited].ID}}) // shared with limited
	mux := w.guarded()
	cases := []struct {
		as, method, id string
		status         int
		code           string
	}{
		{signedOut, "GET", "public", 401, httpapi.CodeNotSignedIn},
		{deactivated, "GET", "public", 401, httpapi.CodeNotSignedIn},
		{basic, "GET", "mine", 200, ""},
		{basic, "PUT", "mine", 200, ""},
		{curator, "GET", "mine", 404, httpapi.CodeNotFound},
		{curator, "PUT", "mine", 404, httpapi.CodeNotFound},
		{limited, "GET", "public", 200, ""},
		{limited, "PUT", "public", 403, httpapi.CodeForbidden},
		{limited, "GET", "shared", 200, ""},
		{basic, "GET", "shared", 404, httpapi.CodeNotFound},
		{basic, "GET", "team", 200, ""},
		{basic, "PUT", "team", 403, httpapi.CodeForbidden},
		{curator, "PUT", "team", 200, ""},
		{gcurator, "PUT", "team", 200, ""},
		{gcurator, "GET", "secret", 404, httpapi.CodeNotFound},
		{admin, "PUT", "secret", 200, ""},
		{admin, "GET", "nope", 404, httpapi.CodeNotFound},
		{admin, "GET", "a,b", 404, httpapi.CodeNotFound},
	}
	for _, c := range cases {
		req := httptest.NewRequest(c.method, "/agents/"+c.id, nil)
		if c.as != signedOut {
			req.Header.Set(authHeader, w.users[c.as].ID)
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != c.status {
			t.Errorf("%s %s as %q: %d, want %d; %s", c.method, c.id, c.as, rec.Code, c.status, rec.Body)
			continue
		}
		if c.status == 200 {
			if got := rec.Body.String(); got != w.users[c.as].Email {
				t.Errorf("%s %s as %q: the handler saw caller %q", c.method, c.id, c.as, got)
			}
			continue
		}
		var e apiError
		decodeBody(t, rec, &e)
		if e.Code != c.code {
			t.Errorf("%s %s as %q: code %s, want %s", c.method, c.id, c.as, e.Code, c.code)
		}
		// Guard writes with WriteError: resources by kind only.
		want := map[int]string{401: "You are not signed in.", 403: "You may not edit the agent.", 404: "The agent does not exist."}[c.status]
		if e.Detail != want {
			t.Errorf("%s %s as %q: detail %q, want %q", c.method, c.id, c.as, e.Detail, want)
		}
	}
}

func TestGuardPanicsOnMisuse(t *testing.T) {
	w := newWorld(t)
	id := func(r *http.Request) string { return "" }
	for name, f := range map[string]func(){
		"nil directory":     func() { httpapi.Guard(nil, testAuth, access.View, access.Agent, id) },
		"nil authenticator": func() { httpapi.Guard(w.dir, nil, access.View, access.Agent, id) },
		"nil id function":   func() { httpapi.Guard(w.dir, testAuth, access.View, access.Agent, nil) },
		"unknown action":    func() { httpapi.Guard(w.dir, testAuth, "delete", access.Agent, id) },
		"unknown kind":      func() { httpapi.Guard(w.dir, testAuth, access.View, "page", id) },
		"New without auth":  func() { httpapi.New(w.dir, httpapi.Config{}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
