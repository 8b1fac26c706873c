package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/httpapi"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// The callers of every scenario table, one per role, and "" for a request
// without a session.
const (
	admin       = "admin"
	gcurator    = "global curator"
	curator     = "curator"
	basic       = "basic"
	limited     = "limited"
	deactivated = "deactivated"
	signedOut   = ""
)

// roles lists the callers in the order scenario tables use.
var roles = []string{admin, gcurator, curator, basic, limited, deactivated, signedOut}

// world is a Directory on a fresh SQLite file with one user of each role and
// three groups, served by httpapi with a header authenticator:
//
//   - team: members gcurator, curator (holding its curator flag), basic,
//     limited; connector c1 attached.
//   - other: member curator, without the flag (out of scope for them).
//   - secret: member admin2 only; nobody else of the cast is a member.
//
// Workspace "acme" holds acmeAdmin and the group acmeTeam.
type world struct {
	t      *testing.T
	ctx    context.Context
	dir    *roster.Directory
	ws     *roster.Workspace
	clock  *rostertest.Clock
	h      http.Handler
	users  map[string]users.User // by caller name
	admin2 users.User

	team, other, secret groups.Group

	acmeAdmin users.User
	acmeTeam  groups.Group
}

// authHeader and wsHeader carry the test session: the user id and the
// workspace id.
const (
	authHeader = "X-Test-User"
	wsHeader   = "X-Test-Workspace"
)

func testAuth(r *http.Request) (string, string, error) {
	id := r.Header.Get(authHeader)
	if id == "" {
		return "", "", errors.New("no session")
	}
	return r.Header.Get(wsHeader), id, nil
}

// testResourceName is the application's resource naming of the tests: the
// agent a1 of the default workspace is "Helper", connector c1 "Drive", and
// nothing else has a name (so the detail names it by kind only).
func testResourceName(_ context.Context, ws string, r access.Resource) string {
	switch {
	case ws != roster.DefaultWorkspace:
		return ""
	case r == access.Resource{Kind: access.Agent, ID: "a1"}:
		return "Helper"
	case r == access.Resource{Kind: access.Connector, ID: "c1"}:
		return "Drive"
	}
	return ""
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	clock := rostertest.NewClock()
	dir, err := roster.Open(ctx, roster.Config{DSN: "sqlite:" + filepath.Join(t.TempDir(), "roster.db"), Now: clock.Now})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { dir.Close() })
	w := &world{t: t, ctx: ctx, dir: dir, ws: dir.Default(), clock: clock, users: map[string]users.User{},
		h: httpapi.New(dir, httpapi.Config{Authenticate: testAuth, MaxBodyBytes: 64 << 10, ResourceName: testResourceName})}
	for _, name := range []string{admin, gcurator, curator, basic, limited, deactivated} {
		w.users[name] = w.register(w.ws, strings.ReplaceAll(name, " ", "-")+"@example.com")
	}
	w.admin2 = w.register(w.ws, "admin2@example.com")
	w.setRole(w.admin2, users.RoleAdmin)
	w.setRole(w.users[gcurator], users.RoleGlobalCurator)
	w.setRole(w.users[limited], users.RoleLimited)
	w.team = w.group(w.ws, "team", w.users[gcurator], w.users[curator], w.users[basic], w.users[limited])
	w.other = w.group(w.ws, "other", w.users[curator])
	w.secret = w.group(w.ws, "secret", w.admin2)
	w.must(w.ws.Groups().SetCurator(ctx, roster.System, w.team.ID, w.users[curator].ID, true))
	w.must(w.ws.Resources().Register(ctx, roster.System, c1,
		resources.Facts{Groups: []string{w.team.ID}}))
	if _, err := w.ws.Users().Deactivate(ctx, roster.System, w.users[deactivated].ID); err != nil {
		t.Fatal(err)
	}
	w.users[curator] = w.user(w.users[curator].ID)

	acme, err := dir.CreateWorkspace(ctx, roster.System, "acme", "Acme")
	if err != nil {
		t.Fatal(err)
	}
	w.acmeAdmin = w.register(acme, "boss@acme.example")
	w.acmeTeam = w.group(acme, "acme-team", w.acmeAdmin)
	return w
}

func (w *world) register(ws *roster.Workspace, email string) users.User {
	w.t.Helper()
	u, err := ws.Users().Register(w.ctx, users.Registration{Email: email, Actor: roster.System})
	if err != nil {
		w.t.Fatalf("register %s: %v", email, err)
	}
	return u
}

func (w *world) setRole(u users.User, role users.Role) {
	w.t.Helper()
	if _, err := w.ws.Users().SetRole(w.ctx, roster.System, u.ID, role); err != nil {
		w.t.Fatalf("set role of %s: %v", u.Email, err)
	}
}

func (w *world) group(ws *roster.Workspace, name string, members ...users.User) groups.Group {
	w.t.Helper()
	g, err := ws.CreateGroup(w.ctx, roster.System, name, roster.GroupContents{})
	if err != nil {
		w.t.Fatal(err)
	}
	var ids []string
	for _, m := range members {
		ids = append(ids, m.ID)
	}
	w.must(ws.Groups().AddMembers(w.ctx, roster.System, g.ID, ids))
	return g
}

func (w *world) must(_ int64, err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

// user reloads a user of the default workspace.
func (w *world) user(id string) users.User {
	w.t.Helper()
	u, err := w.ws.Users().Get(w.ctx, id)
	if err != nil {
		w.t.Fatalf("get user %s: %v", id, err)
	}
	return u
}

// do sends a request as caller (a role name, "" for signed out). body is
// sent as is when it is a string, and as JSON otherwise (nil: no body).
func (w *world) do(caller, method, path string, body any) *httptest.ResponseRecorder {
	w.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case io.Reader:
		rd = b
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			w.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, rd)
	if caller != signedOut {
		u, ok := w.users[caller]
		if !ok {
			w.t.Fatalf("unknown caller %q", caller)
		}
		req.Header.Set(authHeader, u.ID)
	}
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	return rec
}

// apiError is the decoded error body.
type apiError struct {
	Detail string `json:"detail"`
	Code   string `json:"code"`
}

// scenario is one caller's request and the answer it must get. A refusal
// (status 400 and up) must carry code, a detail containing detail, and change nothing (Directory.Version
// stays); check, if set, inspects a success.
type scenario struct {
	name   string
	as     string
	method string // the table's if empty
	path   string // the table's if empty
	body   any
	status int
	code   string
	detail string // a refusal's detail contains it
	exact  bool   // the refusal's detail is detail, whole
	check  func(t *testing.T, rec *httptest.ResponseRecorder)
}

// run runs the scenarios in order on the world.
func (w *world) run(t *testing.T, method, path string, rows []scenario) {
	t.Helper()
	for _, s := range rows {
		m, p := or(s.method, method), or(s.path, path)
		name := s.name
		if name == "" {
			name = or(s.as, "signed out")
		}
		before := w.dir.Version()
		rec := w.do(s.as, m, p, s.body)
		if rec.Code != s.status {
			t.Errorf("%s %s as %s: status %d, want %d; body %s", m, p, name, rec.Code, s.status, rec.Body)
			continue
		}
		if s.status >= 400 {
			var e apiError
			decodeBody(t, rec, &e)
			if e.Code != s.code || e.Detail == "" || !strings.Contains(e.Detail, s.detail) || (s.exact && e.Detail != s.detail) {
				t.Errorf("%s %s as %s: error %+v, want code %s with a detail naming %q", m, p, name, e, s.code, s.detail)
			}
			if got := w.dir.Version(); got != before {
				t.Errorf("%s %s as %s: refused, yet the version moved from %d to %d", m, p, name, before, got)
			}
			continue
		}
		if s.check != nil {
			s.check(t, rec)
		}
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// decodeBody decodes a JSON response body into v, refusing unknown fields so
// that the tests see the whole shape.
func decodeBody(t *testing.T, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q, want application/json; body %s", ct, rec.Body)
	}
	dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", rec.Body, err)
	}
}

// refusals returns the rows of every caller an admin-only path refuses:
// non-admins 403 FORBIDDEN, the deactivated and the signed out 401.
func refusals(body any, except ...string) []scenario {
	var out []scenario
	for _, r := range roles {
		if r == admin || contains(except, r) {
			continue
		}
		s := scenario{as: r, body: body, status: http.StatusForbidden, code: httpapi.CodeForbidden}
		if r == deactivated || r == signedOut {
			s.status, s.code = http.StatusUnauthorized, httpapi.CodeNotSignedIn
		}
		out = append(out, s)
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// The allowed outcomes in the tables.
func okRow(as string, body any, check func(*testing.T, *httptest.ResponseRecorder)) scenario {
	return scenario{as: as, body: body, status: http.StatusOK, check: check}
}

func refuse(as string, body any, status int, code string) scenario {
	return scenario{as: as, body: body, status: status, code: code}
}

// c1 is the connector attached to team.
var c1 = access.Resource{Kind: access.Connector, ID: "c1"}
