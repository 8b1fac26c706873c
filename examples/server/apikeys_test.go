package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/users"
)

// serviceUser creates an API key of role and returns its raw value and its
// service user.
func (ts *testServer) serviceUser(name string, role users.Role) (string, users.User) {
	ts.t.Helper()
	ctx := context.Background()
	k, raw, err := ts.s.ws.CreateAPIKey(ctx, roster.System, name, role)
	if err != nil {
		ts.t.Fatal(err)
	}
	u, err := ts.s.ws.Users().Get(ctx, k.UserID)
	if err != nil {
		ts.t.Fatal(err)
	}
	return raw, u
}

// onBothStores runs fn on a server on SQLite and, when ROSTER_TEST_POSTGRES
// is set, on one on PostgreSQL.
func onBothStores(t *testing.T, fn func(t *testing.T, ts *testServer)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, newTestServer(t)) })
	t.Run("postgres", func(t *testing.T) {
		dsn := rostertest.PostgresDSN(t)
		fn(t, newTestServer(t, func(c *config) { c.Postgres = dsn }))
	})
}

// A service user never signs in by password or reset link: no reset mail is
// sent for its address, a reset link stored for it is refused, and a
// password stored for it does not sign it in.
func TestServiceUsersNeverSignIn(t *testing.T) { onBothStores(t, testServiceUsersNeverSignIn) }

func testServiceUsersNeverSignIn(t *testing.T, ts *testServer) {
	ts.register("admin@example.com", "")
	_, svc := ts.serviceUser("CI", users.RoleAdmin)
	anon := ts.client()
	ctx := context.Background()

	want(t, "forgot-password of a service user", anon.do(http.MethodPost, "/auth/forgot-password", map[string]string{"email": svc.Email}), http.StatusNoContent, "")
	ts.s.mail.Wait()
	ts.mail.empty(t)
	if link, ok := ts.s.newResetLink(ctx, svc.Email); ok || link != "" {
		t.Fatalf("a reset link was stored for a service user: %q", link)
	}

	// Rows the server itself never writes for a service user, as if a bug or
	// an older version had: they open nothing.
	tok, now := newToken(), ts.clock.Now()
	hash, err := ts.s.hash(pw(svc.Email))
	if err != nil {
		t.Fatal(err)
	}
	err = ts.s.db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&resetRow{TokenHash: hashToken(tok), UserID: svc.ID, ExpiresUnix: now.Add(time.Hour).Unix()}).Error; err != nil {
			return err
		}
		return setPassword(tx, svc.ID, hash, now, "")
	})
	if err != nil {
		t.Fatal(err)
	}
	r := anon.do(http.MethodPost, "/auth/reset-password", map[string]string{"token": tok, "new_password": "a new password"})
	want(t, "reset-password with a service user's link", r, http.StatusBadRequest, "INVALID_INPUT")
	r = anon.do(http.MethodPost, "/auth/login", loginRequest{Email: svc.Email, Password: pw(svc.Email)})
	want(t, "login as a service user", r, http.StatusUnauthorized, "NOT_SIGNED_IN")
	if got := decodeAs[errorBody](t, r).Detail; got != "The email or password is wrong." {
		t.Errorf("login as a service user: detail %q", got)
	}
	if r.header.Get("Set-Cookie") != "" {
		t.Error("a refused login set a cookie")
	}
}

// An API key works on the server's own routes as on httpapi's: a basic key
// creates an agent it then owns, an admin key creates a connector; a bad
// bearer token is refused even with a valid session; a deleted key is
// refused at once, also on the server's routes.
func TestAPIKeysOnServerRoutes(t *testing.T) { onBothStores(t, testAPIKeysOnServerRoutes) }

func testAPIKeysOnServerRoutes(t *testing.T, ts *testServer) {
	ts.register("admin@example.com", "")
	admin := ts.login("admin@example.com")
	basicKey, basicUser := ts.serviceUser("bot", users.RoleBasic)
	adminKey, _ := ts.serviceUser("ops", users.RoleAdmin)
	bot := ts.client()
	bearer := func(k string) []string { return []string{"Authorization", "Bearer " + k} }

	r := bot.do(http.MethodPost, "/persona", map[string]any{"name": "Bot's agent"}, bearer(basicKey)...)
	want(t, "POST /persona with a basic key", r, http.StatusCreated, "")
	id := decodeAs[map[string]any](t, r)["id"].(string)
	r = bot.do(http.MethodGet, "/persona/"+id, nil, bearer(basicKey)...)
	want(t, "GET /persona/{id} with the key", r, http.StatusOK, "")
	if owner := decodeAs[map[string]any](t, r)["owner_id"]; owner != basicUser.ID {
		t.Errorf("the agent's owner is %v, want the key's service user %s", owner, basicUser.ID)
	}
	want(t, "a basic key creating a public connector", bot.do(http.MethodPost, "/manage/admin/connector",
		map[string]any{"name": "Wiki", "access_type": "public"}, bearer(basicKey)...), http.StatusForbidden, "FORBIDDEN")
	want(t, "an admin key creating a connector", bot.do(http.MethodPost, "/manage/admin/connector",
		map[string]any{"name": "Wiki", "access_type": "public"}, bearer(adminKey)...), http.StatusCreated, "")

	// A bad bearer token never falls back to the admin's session cookie.
	want(t, "a bad key with a session", admin.do(http.MethodGet, "/manage/connector", nil, "Authorization", "Bearer nope"),
		http.StatusUnauthorized, "NOT_SIGNED_IN")
	want(t, "the session alone", admin.do(http.MethodGet, "/manage/connector", nil), http.StatusOK, "")

	// The bot's agent goes first: a user who owns agents is not deleted.
	want(t, "the key deletes its agent", bot.do(http.MethodDelete, "/persona/"+id, nil, bearer(basicKey)...), http.StatusNoContent, "")
	keys := decodeAs[[]map[string]any](t, admin.do(http.MethodGet, "/admin/api-key", nil))
	for _, k := range keys {
		if k["name"] == "bot" {
			want(t, "delete the bot's key", admin.do(http.MethodDelete, "/admin/api-key/"+k["id"].(string), nil), http.StatusNoContent, "")
		}
	}
	want(t, "the deleted key on a server route", bot.do(http.MethodGet, "/persona", nil, bearer(basicKey)...), http.StatusUnauthorized, "NOT_SIGNED_IN")
	want(t, "the deleted key on httpapi", bot.do(http.MethodGet, "/me", nil, bearer(basicKey)...), http.StatusUnauthorized, "NOT_SIGNED_IN")
}
