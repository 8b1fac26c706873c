package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/httpapi"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/tokens"
	"github.com/rosterhq/roster/users"
)

// deactivatedAdmin is a caller the token tables add to the world: an admin
// who was deactivated, refused 401 like anyone deactivated.
const deactivatedAdmin = "deactivated admin"

// withDeactivatedAdmin adds deactivatedAdmin to w's callers.
func (w *world) withDeactivatedAdmin() {
	w.t.Helper()
	u := w.register(w.ws, "fired-admin@example.com")
	w.setRole(u, users.RoleAdmin)
	if _, err := w.ws.Users().Deactivate(w.ctx, roster.System, u.ID); err != nil {
		w.t.Fatal(err)
	}
	w.users[deactivatedAdmin] = u
}

// adminRefusals are refusals plus the deactivated admin (401).
func adminRefusals(body any) []scenario {
	return append(refusals(body), scenario{as: deactivatedAdmin, body: body, status: http.StatusUnauthorized, code: httpapi.CodeNotSignedIn})
}

// scimTokenJSON and the others mirror the answers field by field: decodeBody
// refuses unknown fields, so a list that carried a raw value fails to decode.
type scimTokenJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

type newSCIMTokenJSON struct {
	scimTokenJSON
	RawToken string `json:"raw_token"`
}

type apiKeyJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	UserID     string     `json:"user_id"`
	UserEmail  string     `json:"user_email"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

type newAPIKeyJSON struct {
	apiKeyJSON
	RawKey string `json:"raw_key"`
}

// exactly is a refusal row whose detail must be the whole sentence.
func exactly(as string, body any, status int, code, detail string) scenario {
	return scenario{as: as, body: body, status: status, code: code, detail: detail, exact: true}
}

// checkDetail asserts a refusal's whole detail (run checks it contains).
func checkDetail(t *testing.T, rec *httptest.ResponseRecorder, code, detail string) {
	t.Helper()
	var e apiError
	decodeBody(t, rec, &e)
	if e.Code != code || e.Detail != detail {
		t.Errorf("error %+v, want %s %q", e, code, detail)
	}
}

func TestSCIMTokenRoutes(t *testing.T) {
	w := newWorld(t)
	w.withDeactivatedAdmin()
	const path = "/admin/enterprise-settings/scim/token"

	// Refusals first: nothing is created, the list stays empty.
	w.run(t, "POST", path, adminRefusals(map[string]any{"name": "Okta"}))
	w.run(t, "GET", path, adminRefusals(nil))
	w.run(t, "POST", path, []scenario{
		exactly(admin, map[string]any{}, 400, httpapi.CodeInvalidInput, "The field name is required."),
		exactly(admin, map[string]any{"name": 7}, 400, httpapi.CodeInvalidInput, "The field name must be a string, not a number."),
		exactly(admin, map[string]any{"name": "Okta", "role": "admin"}, 400, httpapi.CodeInvalidInput, "The field role is not a known field."),
		exactly(admin, `{"name": "Okta"`, 400, httpapi.CodeInvalidInput, "The request body is malformed JSON: it ends too early."),
	})
	if ts := w.scimTokens(); len(ts) != 0 {
		t.Fatalf("refusals created tokens: %+v", ts)
	}

	// An admin creates one: the raw token is in the 201 and nowhere after.
	var tok newSCIMTokenJSON
	before := w.dir.Version()
	w.run(t, "POST", path, []scenario{{as: admin, body: map[string]any{"name": "Okta"}, status: http.StatusCreated,
		check: func(t *testing.T, rec *httptest.ResponseRecorder) { decodeBody(t, rec, &tok) }}})
	if tok.ID == "" || tok.Name != "Okta" || tok.RawToken == "" || tok.Prefix == "" || !strings.HasPrefix(tok.RawToken, tok.Prefix) ||
		tok.CreatedAt.IsZero() || tok.LastUsedAt != nil {
		t.Fatalf("created %+v", tok)
	}
	if w.dir.Version() == before {
		t.Error("creating a SCIM token did not move the version")
	}
	rec := w.do(admin, "GET", path, nil)
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), tok.RawToken) {
		t.Fatalf("GET %s: %d %s (the raw token must not be listed)", path, rec.Code, rec.Body)
	}
	var list []scimTokenJSON
	decodeBody(t, rec, &list)
	if len(list) != 1 || list[0] != tok.scimTokenJSON {
		t.Errorf("list %+v, want [%+v]", list, tok.scimTokenJSON)
	}
	// A SCIM token is not an API key: it is not in the API key list.
	if rec := w.do(admin, "GET", "/admin/api-key", nil); rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != "[]" {
		t.Errorf("GET /admin/api-key: %d %s, want an empty list", rec.Code, rec.Body)
	}

	w.run(t, "POST", path, []scenario{
		exactly(admin, map[string]any{"name": "Okta"}, http.StatusConflict, httpapi.CodeDuplicate, `A SCIM token named "Okta" already exists.`),
		exactly(admin, map[string]any{"name": "  "}, http.StatusBadRequest, httpapi.CodeInvalidInput, "A token name is 1 to 100 characters long, without control characters."),
	})

	// Another workspace neither sees nor revokes it.
	w.users["acme admin"] = w.acmeAdmin
	rec = w.doIn("acme", "acme admin", "GET", path, nil)
	if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != "[]" {
		t.Errorf("acme's GET: %d %s, want an empty list", rec.Code, rec.Body)
	}
	rec = w.doIn("acme", "acme admin", "DELETE", path+"/"+tok.ID, nil)
	if rec.Code != http.StatusNotFound {
		t.Errorf("acme's DELETE: %d %s, want 404", rec.Code, rec.Body)
	}

	del := path + "/" + tok.ID
	w.run(t, "DELETE", del, adminRefusals(nil))
	w.run(t, "DELETE", path+"/no-such-token", []scenario{exactly(admin, nil, http.StatusNotFound, httpapi.CodeNotFound, "The SCIM token does not exist.")})
	if got := w.scimTokens(); len(got) != 1 {
		t.Fatalf("refused revocations changed the tokens: %+v", got)
	}
	w.run(t, "DELETE", del, []scenario{{as: admin, status: http.StatusNoContent}})
	if got := w.scimTokens(); len(got) != 0 {
		t.Errorf("revoked, yet listed: %+v", got)
	}
	if _, err := w.dir.Authenticate(w.ctx, tok.RawToken); err == nil {
		t.Error("a revoked SCIM token still authenticates")
	}
	w.run(t, "DELETE", del, []scenario{refuse(admin, nil, http.StatusNotFound, httpapi.CodeNotFound)})
}

// scimTokens lists the default workspace's SCIM tokens through the library.
func (w *world) scimTokens() []tokens.Token {
	w.t.Helper()
	ts, err := w.ws.Tokens().List(w.ctx, roster.System, tokens.KindSCIM)
	if err != nil {
		w.t.Fatal(err)
	}
	return ts
}

func (w *world) apiKeys() []tokens.Token {
	w.t.Helper()
	ts, err := w.ws.Tokens().List(w.ctx, roster.System, tokens.KindAPIKey)
	if err != nil {
		w.t.Fatal(err)
	}
	return ts
}

// doIn sends a request as caller in workspace ws.
func (w *world) doIn(ws, caller, method, path string, body any) *httptest.ResponseRecorder {
	w.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(bodyString(w.t, body)))
	req.Header.Set(authHeader, w.users[caller].ID)
	req.Header.Set(wsHeader, ws)
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	return rec
}

func bodyString(t *testing.T, body any) string {
	t.Helper()
	switch b := body.(type) {
	case nil:
		return ""
	case string:
		return b
	}
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func TestAPIKeyRoutes(t *testing.T) {
	w := newWorld(t)
	w.withDeactivatedAdmin()
	const path = "/admin/api-key"
	good := map[string]any{"name": "CI", "role": "basic"}

	w.run(t, "POST", path, adminRefusals(good))
	w.run(t, "GET", path, adminRefusals(nil))
	w.run(t, "POST", path, []scenario{
		exactly(admin, map[string]any{"role": "basic"}, 400, httpapi.CodeInvalidInput, "The field name is required."),
		exactly(admin, map[string]any{"name": "CI"}, 400, httpapi.CodeInvalidInput, "The field role is required."),
		exactly(admin, map[string]any{"name": "CI", "role": "curator"}, 400, httpapi.CodeInvalidInput, "The field role must be basic, limited or admin."),
		exactly(admin, map[string]any{"name": "CI", "role": "global_curator"}, 400, httpapi.CodeInvalidInput, "The field role must be basic, limited or admin."),
		exactly(admin, map[string]any{"name": "CI", "role": "root"}, 400, httpapi.CodeInvalidInput, "The field role must be basic, limited or admin."),
		exactly(admin, map[string]any{"name": " ", "role": "basic"}, 400, httpapi.CodeInvalidInput, "A token name is 1 to 100 characters long, without control characters."),
	})
	if ks := w.apiKeys(); len(ks) != 0 {
		t.Fatalf("refusals created keys: %+v", ks)
	}
	people := w.peopleCount()

	var key newAPIKeyJSON
	w.run(t, "POST", path, []scenario{{as: admin, body: good, status: http.StatusCreated,
		check: func(t *testing.T, rec *httptest.ResponseRecorder) { decodeBody(t, rec, &key) }}})
	if key.ID == "" || key.Name != "CI" || key.Role != "basic" || key.UserID == "" || key.RawKey == "" ||
		!strings.HasPrefix(key.RawKey, key.Prefix) || key.LastUsedAt != nil {
		t.Fatalf("created %+v", key)
	}
	if u := w.user(key.UserID); key.UserEmail != u.Email || !strings.HasSuffix(u.Email, ".invalid") || u.Kind != users.KindService {
		t.Errorf("the key's user_email is %q; its service user is %+v", key.UserEmail, u)
	}
	// The service user is not one of the people the users list shows.
	if got := w.peopleCount(); got != people {
		t.Errorf("the users list holds %d people after a key was created, want %d", got, people)
	}
	rec := w.do(admin, "GET", path, nil)
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), key.RawKey) {
		t.Fatalf("GET %s: %d %s (the raw key must not be listed)", path, rec.Code, rec.Body)
	}
	var list []apiKeyJSON
	decodeBody(t, rec, &list)
	if len(list) != 1 || list[0] != key.apiKeyJSON {
		t.Errorf("list %+v, want [%+v]", list, key.apiKeyJSON)
	}
	w.run(t, "POST", path, []scenario{exactly(admin, good, http.StatusConflict, httpapi.CodeDuplicate, `An API key named "CI" already exists.`)})

	one := path + "/" + key.ID
	w.run(t, "PATCH", one, adminRefusals(map[string]any{"role": "admin"}))
	w.run(t, "PATCH", one, []scenario{
		exactly(admin, map[string]any{}, 400, httpapi.CodeInvalidInput, "The request body must change name or role."),
		exactly(admin, map[string]any{"role": "curator"}, 400, httpapi.CodeInvalidInput, "The field role must be basic, limited or admin."),
	})
	w.run(t, "PATCH", path+"/no-such-key", []scenario{exactly(admin, map[string]any{"role": "admin"}, 404, httpapi.CodeNotFound, "The API key does not exist.")})
	w.run(t, "PATCH", path+"/no-such-key", []scenario{exactly(admin, map[string]any{"role": "admin", "name": "x"}, 404, httpapi.CodeNotFound, "The API key does not exist.")})
	if ks := w.apiKeys(); len(ks) != 1 || ks[0].Role != users.RoleBasic || ks[0].Name != "CI" {
		t.Fatalf("refused changes changed the key: %+v", ks)
	}
	w.run(t, "PATCH", one, []scenario{okRow(admin, map[string]any{"role": "admin"}, func(t *testing.T, rec *httptest.ResponseRecorder) {
		var k apiKeyJSON
		decodeBody(t, rec, &k)
		if k.Role != "admin" || k.Name != "CI" || k.ID != key.ID {
			t.Errorf("after the role change: %+v", k)
		}
	})})
	w.run(t, "PATCH", one, []scenario{okRow(admin, map[string]any{"name": "Deploy bot"}, func(t *testing.T, rec *httptest.ResponseRecorder) {
		var k apiKeyJSON
		decodeBody(t, rec, &k)
		if k.Role != "admin" || k.Name != "Deploy bot" {
			t.Errorf("after the rename: %+v", k)
		}
	})})
	if u := w.user(key.UserID); u.Role != users.RoleAdmin {
		t.Errorf("the service user's role is %s after the change, want admin", u.Role)
	}

	// Another workspace neither sees, changes nor deletes it.
	w.users["acme admin"] = w.acmeAdmin
	for _, m := range []string{"GET", "PATCH", "DELETE"} {
		p, body := one, any(map[string]any{"role": "basic"})
		if m == "GET" {
			p, body = path, nil
		}
		rec := w.doIn("acme", "acme admin", m, p, body)
		want := http.StatusNotFound
		if m == "GET" {
			want = http.StatusOK
		}
		if rec.Code != want || strings.Contains(rec.Body.String(), key.ID) {
			t.Errorf("acme's %s %s: %d %s, want %d without the key", m, p, rec.Code, rec.Body, want)
		}
	}

	w.run(t, "DELETE", one, adminRefusals(nil))
	w.run(t, "DELETE", path+"/no-such-key", []scenario{exactly(admin, nil, http.StatusNotFound, httpapi.CodeNotFound, "The API key does not exist.")})
	w.run(t, "DELETE", one, []scenario{{as: admin, status: http.StatusNoContent}})
	if ks := w.apiKeys(); len(ks) != 0 {
		t.Errorf("deleted, yet listed: %+v", ks)
	}
	if _, err := w.ws.Users().Get(w.ctx, key.UserID); err == nil {
		t.Error("the deleted key's service user still exists")
	}
	w.run(t, "DELETE", one, []scenario{refuse(admin, nil, http.StatusNotFound, httpapi.CodeNotFound)})
}

// peopleCount is the total of the admin users list.
func (w *world) peopleCount() int64 {
	w.t.Helper()
	rec := w.do(admin, "GET", "/manage/users/accepted", nil)
	var p struct {
		Items      []map[string]any `json:"items"`
		TotalItems int64            `json:"total_items"`
	}
	if rec.Code != 200 {
		w.t.Fatalf("users list: %d %s", rec.Code, rec.Body)
	}
	decodeBody(w.t, rec, &p)
	return p.TotalItems
}

// A key whose service user owns an agent is not deleted (409, naming the
// key); its user_email serves transfer-ownership, after which it is.
func TestAPIKeyOwningResources(t *testing.T) {
	w := newWorld(t)
	k, _, err := w.ws.CreateAPIKey(w.ctx, roster.System, "Agent builder", users.RoleBasic)
	if err != nil {
		t.Fatal(err)
	}
	w.must(w.ws.Resources().Register(w.ctx, roster.System, access.Resource{Kind: access.Agent, ID: "a1"},
		resources.Facts{Owner: k.UserID}))
	one := "/admin/api-key/" + k.ID
	w.run(t, "DELETE", one, []scenario{exactly(admin, nil, http.StatusConflict, httpapi.CodeOwnsResources,
		`The API key "Agent builder" still owns the agent "Helper"; transfer it to someone else first.`)})
	var ks []apiKeyJSON
	decodeBody(t, w.do(admin, "GET", "/admin/api-key", nil), &ks)
	if len(ks) != 1 {
		t.Fatalf("keys %+v", ks)
	}
	w.run(t, "POST", "/manage/admin/transfer-ownership", []scenario{okRow(admin,
		map[string]any{"from_user_email": ks[0].UserEmail, "to_user_email": w.users[admin].Email}, nil)})
	w.run(t, "DELETE", one, []scenario{{as: admin, status: http.StatusNoContent}})
	if ks := w.apiKeys(); len(ks) != 0 {
		t.Errorf("keys after the delete: %+v", ks)
	}
}

// A SCIM token's id is no API key's and the other way round: each route
// refuses the other kind's id with 404 and writes nothing.
func TestTokenKindsAreApart(t *testing.T) {
	w := newWorld(t)
	scimTok, _, err := w.ws.Tokens().CreateSCIM(w.ctx, roster.System, "Okta")
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := w.ws.CreateAPIKey(w.ctx, roster.System, "CI", users.RoleBasic)
	if err != nil {
		t.Fatal(err)
	}
	w.run(t, "DELETE", "/admin/enterprise-settings/scim/token/"+key.ID, []scenario{
		exactly(admin, nil, http.StatusNotFound, httpapi.CodeNotFound, "The SCIM token does not exist.")})
	w.run(t, "DELETE", "/admin/api-key/"+scimTok.ID, []scenario{
		exactly(admin, nil, http.StatusNotFound, httpapi.CodeNotFound, "The API key does not exist.")})
	w.run(t, "PATCH", "/admin/api-key/"+scimTok.ID, []scenario{
		exactly(admin, map[string]any{"role": "admin"}, http.StatusNotFound, httpapi.CodeNotFound, "The API key does not exist.")})
	if len(w.scimTokens()) != 1 || len(w.apiKeys()) != 1 {
		t.Errorf("refusals removed a token: %d SCIM tokens, %d API keys", len(w.scimTokens()), len(w.apiKeys()))
	}
}
