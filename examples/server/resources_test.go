package main

import (
	"context"
	"net/http"
	"slices"
	"sort"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/users"
)

// cast is a workspace with one user of each kind, signed in:
//
//   - team: members gcur (global curator), cur (holding team's curator
//     flag, so a curator), basic, lim (limited).
//   - other: member cur, without the flag (out of cur's scope).
//   - secret: no member of the cast.
//
// outsider is a basic user in no group.
type cast struct {
	*testServer
	c                   map[string]*client
	id                  map[string]string
	team, other, secret groups.Group
}

func newCast(t *testing.T) *cast {
	ts := newTestServer(t)
	k := &cast{testServer: ts, c: map[string]*client{}, id: map[string]string{}}
	k.id["admin"] = ts.register("admin@example.com", "").ID
	for _, name := range []string{"gcur", "cur", "basic", "lim", "outsider"} {
		k.id[name] = ts.register(name+"@example.com", "").ID
	}
	ctx, ws := context.Background(), ts.s.ws
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(ws.Users().SetRole(ctx, roster.System, k.id["gcur"], users.RoleGlobalCurator))
	must(ws.Users().SetRole(ctx, roster.System, k.id["lim"], users.RoleLimited))
	var err error
	for name, g := range map[string]*groups.Group{"team": &k.team, "other": &k.other, "secret": &k.secret} {
		*g, err = ws.CreateGroup(ctx, roster.System, name, roster.GroupContents{})
		must(nil, err)
	}
	must(ws.Groups().AddMembers(ctx, roster.System, k.team.ID, []string{k.id["gcur"], k.id["cur"], k.id["basic"], k.id["lim"]}))
	must(ws.Groups().AddMembers(ctx, roster.System, k.other.ID, []string{k.id["cur"]}))
	must(ws.Groups().SetCurator(ctx, roster.System, k.team.ID, k.id["cur"], true))
	for name := range k.id {
		k.c[name] = ts.login(name + "@example.com")
	}
	return k
}

// scenario is one request of a permission table: who sends what, and the
// status and code docs/http.md gives it. Refusals must write nothing.
type scenario struct {
	who, method, path string
	body              any
	status            int
	code              string
}

func (k *cast) run(t *testing.T, rows []scenario) []reply {
	t.Helper()
	out := make([]reply, len(rows))
	for i, r := range rows {
		before := k.counts()
		out[i] = k.c[r.who].do(r.method, r.path, r.body)
		want(t, r.who+" "+r.method+" "+r.path, out[i], r.status, r.code)
		if r.status >= 400 {
			if d := before.diff(k.counts()); d != "" {
				t.Errorf("%s %s %s refused, yet %s", r.who, r.method, r.path, d)
			}
		}
	}
	return out
}

// created returns the id of a 201 reply.
func created(t *testing.T, r reply) string {
	t.Helper()
	return decodeAs[map[string]string](t, r)["id"]
}

func (k *cast) connector(t *testing.T, who, name, accessType string, groups ...string) string {
	t.Helper()
	r := k.c[who].do(http.MethodPost, "/manage/admin/connector", connectorRequest{Name: name, AccessType: accessType, Groups: groups})
	want(t, "connector "+name, r, http.StatusCreated, "")
	return created(t, r)
}

// names returns the sorted names of a list reply.
func names[T any](t *testing.T, r reply, name func(T) string) []string {
	t.Helper()
	var out []string
	for _, x := range decodeAs[[]T](t, r) {
		out = append(out, name(x))
	}
	sort.Strings(out)
	return out
}

func connectorName(c connectorJSON) string     { return c.Name }
func documentSetName(d documentSetJSON) string { return d.Name }
func personaName(p personaJSON) string         { return p.Name }

// Creating connectors: roster's curator creation scope, by role.
func TestConnectorCreationScope(t *testing.T) {
	k := newCast(t)
	post := func(who, name, at string, groups ...string) scenario {
		return scenario{who, http.MethodPost, "/manage/admin/connector", connectorRequest{Name: name, AccessType: at, Groups: groups}, 0, ""}
	}
	with := func(s scenario, status int, code string) scenario { s.status, s.code = status, code; return s }
	k.run(t, []scenario{
		with(post("admin", "a", "private", k.secret.ID), http.StatusCreated, ""),
		with(post("gcur", "g", "private", k.team.ID), http.StatusCreated, ""),
		with(post("cur", "c", "private", k.team.ID), http.StatusCreated, ""),
		with(post("cur", "c-public", "public"), http.StatusCreated, ""),                           // public when new
		with(post("cur", "c-none", "private"), http.StatusBadRequest, "INVALID_INPUT"),            // curators name a group
		with(post("cur", "c-other", "private", k.other.ID), http.StatusForbidden, "OUT_OF_SCOPE"), // member, no flag
		with(post("cur", "c-secret", "private", k.secret.ID), http.StatusNotFound, "NOT_FOUND"),   // not a member
		with(post("gcur", "g-other", "private", k.other.ID), http.StatusNotFound, "NOT_FOUND"),    // not a member
		with(post("admin", "a-ghost", "private", "no-such-group"), http.StatusNotFound, "NOT_FOUND"),
		with(post("basic", "b", "private", k.team.ID), http.StatusForbidden, "FORBIDDEN"),
		with(post("basic", "b-public", "public"), http.StatusForbidden, "FORBIDDEN"),
		with(post("lim", "l", "private", k.team.ID), http.StatusForbidden, "FORBIDDEN"),
		with(post("outsider", "o", "public"), http.StatusForbidden, "FORBIDDEN"),
		with(post("admin", "c", "public"), http.StatusCreated, ""), // names are labels: "c" again
		// The name of admin's private connector "a" changes nothing: the
		// scope answers.
		with(post("cur", "a", "private", k.other.ID), http.StatusForbidden, "OUT_OF_SCOPE"),
		with(post("cur", "a", "private", k.secret.ID), http.StatusNotFound, "NOT_FOUND"),
		with(post("basic", "a", "public"), http.StatusForbidden, "FORBIDDEN"),
		with(post("admin", "x", "sync"), http.StatusBadRequest, "INVALID_INPUT"),
	})
}

// Connectors: who sees which in the list, who may change and delete them.
func TestConnectorAccess(t *testing.T) {
	k := newCast(t)
	cTeam := k.connector(t, "admin", "team-docs", "private", k.team.ID)
	k.connector(t, "admin", "secret-docs", "private", k.secret.ID)
	k.connector(t, "admin", "handbook", "public")

	lists := map[string][]string{
		"admin":    {"handbook", "secret-docs", "team-docs"},
		"cur":      {"handbook", "team-docs"},
		"basic":    {"handbook", "team-docs"},
		"outsider": {"handbook"},
	}
	for who, want := range lists {
		got := names(t, k.c[who].do(http.MethodGet, "/manage/connector", nil), connectorName)
		if !slices.Equal(got, want) {
			t.Errorf("%s sees connectors %v, want %v", who, got, want)
		}
	}
	path := "/manage/admin/connector/" + cTeam
	rename := func(name string) connectorPatch { return connectorPatch{Name: &name} }
	groupsOf := func(ids ...string) connectorPatch { return connectorPatch{Groups: &ids} }
	public := "public"
	k.run(t, []scenario{
		{"lim", http.MethodGet, "/manage/connector", nil, http.StatusForbidden, "FORBIDDEN"},
		{"basic", http.MethodPatch, path, rename("mine"), http.StatusForbidden, "FORBIDDEN"}, // may view, not edit
		{"outsider", http.MethodPatch, path, rename("mine"), http.StatusNotFound, "NOT_FOUND"},
		{"cur", http.MethodPatch, path, groupsOf(k.team.ID, k.other.ID), http.StatusForbidden, "OUT_OF_SCOPE"},
		{"cur", http.MethodPatch, path, rename("handbook"), http.StatusOK, ""},                                  // a label: the public connector's name too
		{"basic", http.MethodPatch, path, rename("secret-docs"), http.StatusForbidden, "FORBIDDEN"},             // edit access before the name
		{"cur", http.MethodPatch, path, connectorPatch{AccessType: &public}, http.StatusForbidden, "FORBIDDEN"}, // not new, not owned
		{"cur", http.MethodPatch, path, rename("team docs"), http.StatusOK, ""},
		{"basic", http.MethodDelete, path, nil, http.StatusForbidden, "FORBIDDEN"},
		{"outsider", http.MethodDelete, path, nil, http.StatusNotFound, "NOT_FOUND"},
		{"admin", http.MethodDelete, "/manage/admin/connector/no-such-id", nil, http.StatusNotFound, "NOT_FOUND"},
	})
	got := decodeAs[[]connectorJSON](t, k.c["basic"].do(http.MethodGet, "/manage/connector", nil))
	i := slices.IndexFunc(got, func(c connectorJSON) bool { return c.ID == cTeam })
	if i < 0 || got[i].Name != "team docs" || got[i].AccessType != "private" || !slices.Equal(got[i].Groups, []string{k.team.ID}) {
		t.Errorf("after the curator's rename basic sees %+v", got)
	}
	k.run(t, []scenario{{"cur", http.MethodDelete, path, nil, http.StatusNoContent, ""}})
	if got := names(t, k.c["basic"].do(http.MethodGet, "/manage/connector", nil), connectorName); !slices.Equal(got, []string{"handbook"}) {
		t.Errorf("after delete basic sees %v", got)
	}
}

// Document sets: the curator creation scope, the document-set rule, the
// connectors the caller may view, and the editable list.
func TestDocumentSets(t *testing.T) {
	k := newCast(t)
	cTeam := k.connector(t, "admin", "team-docs", "private", k.team.ID)
	cSecret := k.connector(t, "admin", "secret-docs", "private", k.secret.ID)
	cPublic := k.connector(t, "admin", "handbook", "public")
	post := func(who, name string, public bool, groups []string, ccs ...string) scenario {
		return scenario{who, http.MethodPost, "/manage/admin/document-set",
			documentSetRequest{Name: name, IsPublic: public, Groups: groups, CCPairIDs: ccs}, http.StatusCreated, ""}
	}
	refuse := func(s scenario, status int, code string) scenario { s.status, s.code = status, code; return s }
	team, both := []string{k.team.ID}, []string{k.team.ID, k.secret.ID}
	replies := k.run(t, []scenario{
		post("cur", "team-set", false, team, cTeam, cPublic),
		post("admin", "admin-set", false, []string{k.secret.ID}, cSecret),
		post("admin", "open-set", true, nil, cTeam),                                                   // the rule binds private sets only
		refuse(post("admin", "wide-set", false, both, cTeam), http.StatusBadRequest, "INVALID_INPUT"), // cTeam is not attached to secret
		refuse(post("admin", "moved-set", false, []string{k.secret.ID}, cTeam), http.StatusBadRequest, "INVALID_INPUT"),
		refuse(post("cur", "peek-set", false, team, cSecret), http.StatusNotFound, "NOT_FOUND"),             // a connector cur may not view
		refuse(post("cur", "other-set", false, []string{k.other.ID}), http.StatusForbidden, "OUT_OF_SCOPE"), // scope
		refuse(post("cur", "no-group-set", false, nil), http.StatusBadRequest, "INVALID_INPUT"),
		refuse(post("basic", "basic-set", false, team), http.StatusForbidden, "FORBIDDEN"),
		refuse(post("lim", "lim-set", true, nil), http.StatusForbidden, "FORBIDDEN"),
		refuse(post("cur", "admin-set", false, []string{k.other.ID}), http.StatusForbidden, "OUT_OF_SCOPE"), // scope before the name
		refuse(post("basic", "admin-set", true, nil), http.StatusForbidden, "FORBIDDEN"),
	})
	teamSet := created(t, replies[0])

	lists := []struct {
		who, query string
		want       []string
	}{
		{"admin", "", []string{"admin-set", "open-set", "team-set"}},
		{"cur", "", []string{"open-set", "team-set"}},
		{"cur", "?get_editable=true", []string{"team-set"}},
		{"gcur", "?get_editable=true", []string{"team-set"}},
		{"basic", "?get_editable=false", []string{"open-set", "team-set"}},
		{"basic", "?get_editable=true", nil},
		{"outsider", "", []string{"open-set"}},
	}
	for _, l := range lists {
		if got := names(t, k.c[l.who].do(http.MethodGet, "/manage/document-set"+l.query, nil), documentSetName); !slices.Equal(got, l.want) {
			t.Errorf("%s lists document sets%s %v, want %v", l.who, l.query, got, l.want)
		}
	}
	open := decodeAs[[]documentSetJSON](t, k.c["outsider"].do(http.MethodGet, "/manage/document-set", nil))
	if len(open) != 1 || len(open[0].CCPairIDs) != 0 {
		t.Errorf("outsider sees %+v; the set's private connector must not show", open)
	}

	patch := func(who string, p documentSetPatch, status int, code string) scenario {
		p.ID = teamSet
		return scenario{who, http.MethodPatch, "/manage/admin/document-set", p, status, code}
	}
	ids := func(xs ...string) *[]string { return &xs }
	k.run(t, []scenario{
		patch("basic", documentSetPatch{CCPairIDs: ids(cTeam)}, http.StatusForbidden, "FORBIDDEN"),
		patch("outsider", documentSetPatch{CCPairIDs: ids(cTeam)}, http.StatusNotFound, "NOT_FOUND"),
		patch("admin", documentSetPatch{Groups: ids(k.team.ID, k.secret.ID)}, http.StatusBadRequest, "INVALID_INPUT"), // the rule again
		patch("cur", documentSetPatch{CCPairIDs: ids(cSecret)}, http.StatusNotFound, "NOT_FOUND"),
		patch("cur", documentSetPatch{CCPairIDs: ids(cTeam)}, http.StatusOK, ""),
		{"admin", http.MethodPatch, "/manage/admin/document-set", documentSetPatch{ID: "no-such-set"}, http.StatusNotFound, "NOT_FOUND"},
		{"admin", http.MethodPatch, "/manage/admin/document-set", documentSetPatch{}, http.StatusBadRequest, "INVALID_INPUT"},
		{"basic", http.MethodDelete, "/manage/admin/document-set/" + teamSet, nil, http.StatusForbidden, "FORBIDDEN"},
	})
	set := decodeAs[[]documentSetJSON](t, k.c["cur"].do(http.MethodGet, "/manage/document-set?get_editable=true", nil))
	if len(set) != 1 || !slices.Equal(set[0].CCPairIDs, []string{cTeam}) {
		t.Errorf("after the patch cur sees %+v", set)
	}
	k.run(t, []scenario{{"cur", http.MethodDelete, "/manage/admin/document-set/" + teamSet, nil, http.StatusNoContent, ""}})
}

// Agents: anyone from basic up creates their own; groups only their own;
// view by group, share or public; share by owner or admin only.
func TestPersonas(t *testing.T) {
	k := newCast(t)
	post := func(who, name string, public bool, groups []string, status int, code string) scenario {
		return scenario{who, http.MethodPost, "/persona", personaRequest{Name: name, IsPublic: public, Groups: groups}, status, code}
	}
	replies := k.run(t, []scenario{
		post("basic", "team-bot", false, []string{k.team.ID}, http.StatusCreated, ""),
		post("outsider", "public-bot", true, nil, http.StatusCreated, ""),
		post("basic", "secret-bot", false, []string{k.secret.ID}, http.StatusNotFound, "NOT_FOUND"),
		post("cur", "other-bot", false, []string{k.other.ID}, http.StatusCreated, ""), // a member may attach their agent
		post("lim", "lim-bot", false, nil, http.StatusForbidden, "FORBIDDEN"),
	})
	teamBot := created(t, replies[0])
	lists := map[string][]string{
		"lim":      {"public-bot", "team-bot"},
		"outsider": {"public-bot"},
		"admin":    {"other-bot", "public-bot", "team-bot"},
	}
	for who, want := range lists {
		if got := names(t, k.c[who].do(http.MethodGet, "/persona", nil), personaName); !slices.Equal(got, want) {
			t.Errorf("%s sees agents %v, want %v", who, got, want)
		}
	}
	path := "/persona/" + teamBot
	name := func(n string) personaPatch { return personaPatch{Name: &n} }
	shareWith := func(ids ...string) personaShare { return personaShare{UserIDs: &ids} }
	k.run(t, []scenario{
		{"outsider", http.MethodGet, path, nil, http.StatusNotFound, "NOT_FOUND"},
		{"lim", http.MethodGet, path, nil, http.StatusOK, ""},
		{"lim", http.MethodPatch, path, name("x"), http.StatusForbidden, "FORBIDDEN"},
		{"gcur", http.MethodPatch, path, name("team helper"), http.StatusOK, ""},                                   // curator powers over team
		{"cur", http.MethodPatch, path + "/share", shareWith(k.id["outsider"]), http.StatusForbidden, "FORBIDDEN"}, // edit is not share
		{"outsider", http.MethodPatch, path + "/share", shareWith(k.id["outsider"]), http.StatusNotFound, "NOT_FOUND"},
		{"basic", http.MethodPatch, path + "/share", shareWith("no-such-user"), http.StatusNotFound, "NOT_FOUND"},
		{"basic", http.MethodPatch, path + "/share", shareWith(k.id["outsider"]), http.StatusOK, ""},
		{"outsider", http.MethodGet, path, nil, http.StatusOK, ""},
		{"outsider", http.MethodDelete, path, nil, http.StatusForbidden, "FORBIDDEN"}, // shared: may view, not edit
		{"admin", http.MethodPatch, "/manage/admin/deactivate-user", map[string]string{"user_email": "basic@example.com"}, http.StatusOK, ""},
		{"admin", http.MethodDelete, "/manage/admin/delete-user", map[string]string{"user_email": "basic@example.com"}, http.StatusConflict, "OWNS_RESOURCES"},
	})
	got := decodeAs[personaJSON](t, k.c["outsider"].do(http.MethodGet, path, nil))
	if got.Name != "team helper" || got.OwnerID != k.id["basic"] || !slices.Equal(got.Users, []string{k.id["outsider"]}) {
		t.Errorf("agent %+v", got)
	}
	k.run(t, []scenario{{"admin", http.MethodDelete, path, nil, http.StatusNoContent, ""}})
}
