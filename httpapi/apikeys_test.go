package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/httpapi"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/tokens"
	"github.com/rosterhq/roster/users"
)

// badKey is the one sentence of every refused bearer token.
const badKey = "The bearer token is not a valid API key."

// keyed serves the API and a guarded GET /agents/{id} with WithAPIKeys over
// the test sessions.
func (w *world) keyed() http.Handler {
	auth := httpapi.WithAPIKeys(w.dir, testAuth)
	api := httpapi.New(w.dir, httpapi.Config{Authenticate: auth})
	mux := http.NewServeMux()
	echo := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		c, _ := httpapi.CallerFrom(r.Context())
		rw.Write([]byte(c.User.ID))
	})
	mux.Handle("GET /agents/{id}", httpapi.Guard(w.dir, auth, access.View, access.Agent,
		func(r *http.Request) string { return r.PathValue("id") })(echo))
	mux.Handle("/", api)
	return mux
}

// sendAuth sends a request with the Authorization header authz ("" for none)
// and, if caller is set, the test session of that caller.
func sendAuth(h http.Handler, method, path, authz, session string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	if session != "" {
		req.Header.Set(authHeader, session)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// newKey creates an API key of role in ws through the library.
func (w *world) newKey(ws *roster.Workspace, name string, role users.Role) (string, string) {
	w.t.Helper()
	k, raw, err := ws.CreateAPIKey(w.ctx, roster.System, name, role)
	if err != nil {
		w.t.Fatalf("create API key %s: %v", name, err)
	}
	return k.ID, raw
}

func TestWithAPIKeys(t *testing.T) {
	w := newWorld(t)
	h := w.keyed()
	adminID, adminKey := w.newKey(w.ws, "admin key", users.RoleAdmin)
	_, basicKey := w.newKey(w.ws, "basic key", users.RoleBasic)
	_, limitedKey := w.newKey(w.ws, "limited key", users.RoleLimited)
	acme, err := w.dir.Workspace(w.ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	_, acmeKey := w.newKey(acme, "acme key", users.RoleAdmin)
	_, scimToken, err := w.ws.Tokens().CreateSCIM(w.ctx, roster.System, "Okta")
	if err != nil {
		t.Fatal(err)
	}
	w.must(w.ws.Resources().Register(w.ctx, roster.System, access.Resource{Kind: access.Agent, ID: "pub"}, resources.Facts{Public: true}))

	type row struct {
		name, method, path, authz, session string
		status                             int
		code, detail                       string
	}
	keyUser := map[string]string{} // raw key → its service user's id
	for _, ws := range []*roster.Workspace{w.ws, acme} {
		ks, err := ws.Tokens().List(w.ctx, roster.System, tokens.KindAPIKey)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range ks {
			for raw, name := range map[string]string{adminKey: "admin key", basicKey: "basic key", limitedKey: "limited key", acmeKey: "acme key"} {
				if k.Name == name {
					keyUser[raw] = k.UserID
				}
			}
		}
	}
	bearer := func(k string) string { return "Bearer " + k }
	rows := []row{
		{"admin key on an admin route", "GET", "/manage/users/accepted", bearer(adminKey), "", 200, "", ""},
		{"admin key, scheme in lower case", "GET", "/admin/api-key", "bearer " + adminKey, "", 200, "", ""},
		{"basic key on an admin route", "GET", "/manage/users/accepted", bearer(basicKey), "", 403, httpapi.CodeForbidden, "Your role does not allow this."},
		{"basic key on its own /me", "GET", "/me", bearer(basicKey), "", 200, "", ""},
		{"limited key on a listing route", "GET", "/manage/user-groups/minimal", bearer(limitedKey), "", 403, httpapi.CodeForbidden, "Your role does not allow this."},
		{"basic key through the guard", "GET", "/agents/pub", bearer(basicKey), "", 200, "", ""},
		{"basic key, an agent it may not see", "GET", "/agents/nope", bearer(basicKey), "", 404, httpapi.CodeNotFound, "The agent does not exist."},
		{"a SCIM token is no API key", "GET", "/me", bearer(scimToken), "", 401, httpapi.CodeNotSignedIn, badKey},
		{"a SCIM token through the guard", "GET", "/agents/pub", bearer(scimToken), "", 401, httpapi.CodeNotSignedIn, badKey},
		{"unknown key", "GET", "/me", bearer("roster_key_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), "", 401, httpapi.CodeNotSignedIn, badKey},
		{"no token", "GET", "/me", "Bearer", "", 401, httpapi.CodeNotSignedIn, badKey},
		{"blank token", "GET", "/me", "Bearer   ", "", 401, httpapi.CodeNotSignedIn, badKey},
		{"two tokens", "GET", "/me", "Bearer " + basicKey + " " + adminKey, "", 401, httpapi.CodeNotSignedIn, badKey},
		// A bad bearer never falls back to the session it comes with.
		{"bad key with a session", "GET", "/me", bearer("nonsense"), w.users[admin].ID, 401, httpapi.CodeNotSignedIn, badKey},
		{"no bearer: the session", "GET", "/manage/users/accepted", "", w.users[admin].ID, 200, "", ""},
		{"another scheme: the session", "GET", "/me", "Basic dXNlcjpwdw==", w.users[basic].ID, 200, "", ""},
		{"nothing at all", "GET", "/me", "", "", 401, httpapi.CodeNotSignedIn, "You are not signed in."},
	}
	for _, r := range rows {
		before := w.dir.Version()
		rec := sendAuth(h, r.method, r.path, r.authz, r.session)
		if rec.Code != r.status {
			t.Errorf("%s: %d %s, want %d", r.name, rec.Code, rec.Body, r.status)
			continue
		}
		if r.status >= 400 {
			checkDetail(t, rec, r.code, r.detail)
			if w.dir.Version() != before {
				t.Errorf("%s: refused, yet the version moved", r.name)
			}
			continue
		}
		// The guarded handler saw the key's service user as the caller.
		if raw, isKey := strings.CutPrefix(r.authz, "Bearer "); isKey && strings.HasPrefix(r.path, "/agents/") && rec.Body.String() != keyUser[raw] {
			t.Errorf("%s: the guarded handler saw caller %q, want the key's service user %q", r.name, rec.Body, keyUser[raw])
		}
	}

	// An admin key writes as its service user: the audit trail names it.
	req := httptest.NewRequest("POST", "/manage/admin/user-group", strings.NewReader(`{"name": "made by a key"}`))
	req.Header.Set("Authorization", bearer(adminKey))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		t.Fatalf("POST a group with the admin key: %d %s", rec.Code, rec.Body)
	}
	trail, err := w.ws.Audit(w.ctx, roster.System, roster.AuditFilter{Action: "group.create", Actor: access.UserActor(keyUser[adminKey])})
	if err != nil || len(trail.Events) != 1 {
		t.Errorf("the key's group.create in the audit trail: %+v %v", trail.Events, err)
	}
	// A basic key may not, and writes nothing.
	before := w.dir.Version()
	req = httptest.NewRequest("POST", "/manage/admin/user-group", strings.NewReader(`{"name": "not by a basic key"}`))
	req.Header.Set("Authorization", bearer(basicKey))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden || w.dir.Version() != before {
		t.Errorf("POST a group with the basic key: %d %s, version %d → %d", rec.Code, rec.Body, before, w.dir.Version())
	}

	// The key acts as its service user, in its own workspace.
	var me struct {
		ID       string `json:"id"`
		Email    string `json:"email"`
		Role     string `json:"role"`
		IsActive bool   `json:"is_active"`
		Groups   []any  `json:"groups"`
	}
	rec = sendAuth(h, "GET", "/me", bearer(acmeKey), "")
	decodeBody(t, rec, &me)
	acmeKeys, err := acme.Tokens().List(w.ctx, roster.System, "api_key")
	if err != nil || len(acmeKeys) != 1 {
		t.Fatalf("acme's keys: %v %v", acmeKeys, err)
	}
	if me.ID != acmeKeys[0].UserID || me.Role != "admin" {
		t.Errorf("acme's key is %+v, want its service user %s as admin", me, acmeKeys[0].UserID)
	}
	// Each key lists its own workspace's keys.
	for key, want := range map[string]int{acmeKey: 1, adminKey: 3} {
		rec := sendAuth(h, "GET", "/admin/api-key", bearer(key), "")
		var ks []apiKeyJSON
		decodeBody(t, rec, &ks)
		if len(ks) != want {
			t.Errorf("a key lists %d keys %+v, want %d", len(ks), ks, want)
		}
	}

	// Deleted: refused on the very next request.
	if err := w.ws.DeleteAPIKey(w.ctx, roster.System, adminID); err != nil {
		t.Fatal(err)
	}
	rec = sendAuth(h, "GET", "/manage/users/accepted", bearer(adminKey), "")
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("a deleted key: %d %s, want 401", rec.Code, rec.Body)
	}
	checkDetail(t, rec, httpapi.CodeNotSignedIn, badKey)
	rec = sendAuth(h, "GET", "/agents/pub", bearer(adminKey), "")
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("a deleted key through the guard: %d %s, want 401", rec.Code, rec.Body)
	}
}

// A nil next refuses every request without a bearer token; a nil
// Directory is a programming error.
func TestWithAPIKeysNilNext(t *testing.T) {
	w := newWorld(t)
	h := httpapi.New(w.dir, httpapi.Config{Authenticate: httpapi.WithAPIKeys(w.dir, nil)})
	rec := sendAuth(h, "GET", "/me", "", w.users[admin].ID)
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("no bearer, nil next: %d %s, want 401", rec.Code, rec.Body)
	}
	_, raw := w.newKey(w.ws, "k", users.RoleBasic)
	if rec := sendAuth(h, "GET", "/me", "Bearer "+raw, ""); rec.Code != http.StatusOK {
		t.Errorf("a key, nil next: %d %s, want 200", rec.Code, rec.Body)
	}
	defer func() {
		if recover() == nil {
			t.Error("WithAPIKeys(nil, ...) did not panic")
		}
	}()
	httpapi.WithAPIKeys(nil, testAuth)
}
