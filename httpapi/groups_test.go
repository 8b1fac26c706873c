package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/httpapi"
)

type groupJSON struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Users []struct {
		ID    string `json:"id"`
		Email string `json:"email"`
	} `json:"users"`
	UsersTotal     int      `json:"users_total"`
	CuratorIDs     []string `json:"curator_ids"`
	CCPairIDs      []string `json:"cc_pair_ids"`
	DocumentSetIDs []string `json:"document_set_ids"`
	PersonaIDs     []string `json:"persona_ids"`
}

func groupNames(t *testing.T, rec *httptest.ResponseRecorder) []string {
	t.Helper()
	var gs []groupJSON
	decodeBody(t, rec, &gs)
	names := []string{}
	for _, g := range gs {
		names = append(names, g.Name)
	}
	return names
}

func wantGroups(names ...string) func(*testing.T, *httptest.ResponseRecorder) {
	return func(t *testing.T, rec *httptest.ResponseRecorder) {
		t.Helper()
		if got := groupNames(t, rec); !reflect.DeepEqual(got, names) {
			t.Errorf("groups %v, want %v", got, names)
		}
	}
}

// members returns the sorted emails of a group's members, read through the
// library.
func (w *world) members(groupID string) []string {
	w.t.Helper()
	ms, _, err := w.ws.Groups().Members(w.ctx, roster.System, groupID, 0, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		out = append(out, w.user(m.UserID).Email)
	}
	sort.Strings(out)
	return out
}

func TestListGroups(t *testing.T) {
	w := newWorld(t)
	w.run(t, http.MethodGet, "/manage/admin/user-group", []scenario{
		okRow(admin, nil, func(t *testing.T, rec *httptest.ResponseRecorder) {
			var gs []groupJSON
			decodeBody(t, rec, &gs)
			if len(gs) != 3 || gs[2].Name != "team" {
				t.Fatalf("groups %+v, want other, secret, team", gs)
			}
			team := gs[2]
			var emails []string
			for _, u := range team.Users {
				emails = append(emails, u.Email)
			}
			sort.Strings(emails)
			want := []string{"basic@example.com", "curator@example.com", "global-curator@example.com", "limited@example.com"}
			if !reflect.DeepEqual(emails, want) || team.UsersTotal != 4 ||
				!reflect.DeepEqual(team.CuratorIDs, []string{w.users[curator].ID}) ||
				!reflect.DeepEqual(team.CCPairIDs, []string{"c1"}) || len(team.PersonaIDs) != 0 || team.DocumentSetIDs == nil {
				t.Errorf("team = %+v", team)
			}
		}),
		{name: "admin, page 1 of 1-group pages", as: admin, path: "/manage/admin/user-group?page_num=1&page_size=1", status: 200,
			check: func(t *testing.T, rec *httptest.ResponseRecorder) {
				wantGroups("secret")(t, rec)
				if got := rec.Header().Get("X-Total-Count"); got != "3" {
					t.Errorf("X-Total-Count %q, want 3", got)
				}
			}},
		okRow(gcurator, nil, wantGroups("team")),
		okRow(curator, nil, wantGroups("team")),
		refuse(basic, nil, 403, httpapi.CodeForbidden),
		refuse(limited, nil, 403, httpapi.CodeForbidden),
		refuse(deactivated, nil, 401, httpapi.CodeNotSignedIn),
		refuse(signedOut, nil, 401, httpapi.CodeNotSignedIn),
		{name: "bad page size", as: admin, path: "/manage/admin/user-group?page_size=x", status: 400, code: httpapi.CodeInvalidInput},
	})
}

// scopeRows are the refusals of a group-scoped path: basic and limited
// members 403, the curator on a group where they are a member without the
// flag OUT_OF_SCOPE, non-members and unknown or foreign ids 404.
func (w *world) scopeRows(pathOf func(groupID string) string, body any) []scenario {
	return []scenario{
		{as: basic, path: pathOf(w.team.ID), body: body, status: 403, code: httpapi.CodeForbidden},
		{as: limited, path: pathOf(w.team.ID), body: body, status: 403, code: httpapi.CodeForbidden},
		{as: deactivated, path: pathOf(w.team.ID), body: body, status: 401, code: httpapi.CodeNotSignedIn},
		{as: signedOut, path: pathOf(w.team.ID), body: body, status: 401, code: httpapi.CodeNotSignedIn},
		{name: "curator, member without the flag", as: curator, path: pathOf(w.other.ID), body: body, status: 403, code: httpapi.CodeOutOfScope},
		{name: "curator, not a member", as: curator, path: pathOf(w.secret.ID), body: body, status: 404, code: httpapi.CodeNotFound},
		{name: "global curator, not a member", as: gcurator, path: pathOf(w.other.ID), body: body, status: 404, code: httpapi.CodeNotFound},
		{name: "unknown group", as: admin, path: pathOf("no-such-group"), body: body, status: 404, code: httpapi.CodeNotFound},
		{name: "group of another workspace", as: admin, path: pathOf(w.acmeTeam.ID), body: body, status: 404, code: httpapi.CodeNotFound},
	}
}

func TestGroupMembers(t *testing.T) {
	w := newWorld(t)
	path := func(id string) string { return "/manage/admin/user-group/" + id + "/members" }
	type page struct {
		Items []struct {
			ID        string `json:"id"`
			Email     string `json:"email"`
			IsCurator bool   `json:"is_curator"`
		} `json:"items"`
		TotalItems int `json:"total_items"`
	}
	want := func(emails []string, total int) func(*testing.T, *httptest.ResponseRecorder) {
		return func(t *testing.T, rec *httptest.ResponseRecorder) {
			var p page
			decodeBody(t, rec, &p)
			var got []string
			for _, it := range p.Items {
				got = append(got, it.Email)
				if it.IsCurator != (it.Email == "curator@example.com") {
					t.Errorf("%s is_curator = %v", it.Email, it.IsCurator)
				}
			}
			sort.Strings(got)
			if !reflect.DeepEqual(got, emails) || p.TotalItems != total {
				t.Errorf("members %v (total %d), want %v (total %d)", got, p.TotalItems, emails, total)
			}
		}
	}
	all := []string{"basic@example.com", "curator@example.com", "global-curator@example.com", "limited@example.com"}
	rows := append(w.scopeRows(path, nil),
		okRow(admin, nil, want(all, 4)),
		okRow(gcurator, nil, want(all, 4)),
		okRow(curator, nil, want(all, 4)),
		scenario{name: "q", as: curator, path: path(w.team.ID) + "?q=CURATOR", status: 200,
			check: want([]string{"curator@example.com", "global-curator@example.com"}, 2)},
		scenario{name: "q, second page of one", as: curator, path: path(w.team.ID) + "?q=curator&page_num=1&page_size=1", status: 200,
			check: func(t *testing.T, rec *httptest.ResponseRecorder) {
				var p page
				decodeBody(t, rec, &p)
				if len(p.Items) != 1 || p.TotalItems != 2 {
					t.Errorf("page = %+v", p)
				}
			}},
		scenario{name: "page past the end", as: admin, path: path(w.team.ID) + "?page_num=9", status: 200, check: want(nil, 4)},
	)
	w.run(t, http.MethodGet, path(w.team.ID), rows)
}

func TestMinimalGroups(t *testing.T) {
	w := newWorld(t)
	w.run(t, http.MethodGet, "/manage/user-groups/minimal", []scenario{
		okRow(admin, nil, wantGroups("other", "secret", "team")),
		okRow(gcurator, nil, wantGroups("team")),
		okRow(curator, nil, wantGroups("other", "team")),
		okRow(basic, nil, wantGroups("team")),
		refuse(limited, nil, 403, httpapi.CodeForbidden),
		refuse(deactivated, nil, 401, httpapi.CodeNotSignedIn),
		refuse(signedOut, nil, 401, httpapi.CodeNotSignedIn),
	})
}

func TestCreateGroup(t *testing.T) {
	w := newWorld(t)
	body := map[string]any{"name": "new", "user_ids": []string{w.users[basic].ID}, "cc_pair_ids": []string{"c1"}}
	rows := append(refusals(body),
		scenario{name: "duplicate name", as: admin, body: map[string]any{"name": "team"}, status: 409, code: httpapi.CodeDuplicate},
		scenario{name: "unknown user", as: admin, body: map[string]any{"name": "new", "user_ids": []string{"ghost"}}, status: 404, code: httpapi.CodeNotFound},
		scenario{name: "user of another workspace", as: admin, body: map[string]any{"name": "new", "user_ids": []string{w.acmeAdmin.ID}},
			status: 404, code: httpapi.CodeNotFound},
		scenario{name: "unknown connector", as: admin, body: map[string]any{"name": "new", "cc_pair_ids": []string{"c9"}}, status: 404, code: httpapi.CodeNotFound},
		scenario{name: "malformed connector id", as: admin, body: map[string]any{"name": "new", "cc_pair_ids": []string{"a,b"}}, status: 400, code: httpapi.CodeInvalidInput},
		scenario{name: "empty name", as: admin, body: map[string]any{"name": ""}, status: 400, code: httpapi.CodeInvalidInput},
		scenario{name: "name not a string", as: admin, body: `{"name": 7}`, status: 400, code: httpapi.CodeInvalidInput},
		scenario{name: "user_ids not an array", as: admin, body: `{"name": "x", "user_ids": "u"}`, status: 400, code: httpapi.CodeInvalidInput},
		scenario{as: admin, body: body, status: http.StatusCreated, check: func(t *testing.T, rec *httptest.ResponseRecorder) {
			var g groupJSON
			decodeBody(t, rec, &g)
			if g.Name != "new" || g.ID == "" || len(g.Users) != 1 || g.Users[0].Email != "basic@example.com" ||
				!reflect.DeepEqual(g.CCPairIDs, []string{"c1"}) {
				t.Errorf("created %+v", g)
			}
		}},
	)
	w.run(t, http.MethodPost, "/manage/admin/user-group", rows)
}

func TestPatchGroup(t *testing.T) {
	w := newWorld(t)
	path := func(id string) string { return "/manage/admin/user-group/" + id }
	ids := func(names ...string) []string {
		out := []string{}
		for _, n := range names {
			out = append(out, w.users[n].ID)
		}
		return out
	}
	body := map[string]any{"user_ids": ids(gcurator, curator, basic), "cc_pair_ids": []string{"c1"}}
	rows := append(w.scopeRows(path, body),
		scenario{name: "missing cc_pair_ids", as: admin, body: map[string]any{"user_ids": ids(basic)}, status: 400, code: httpapi.CodeInvalidInput},
		scenario{name: "missing user_ids", as: admin, body: map[string]any{"cc_pair_ids": []string{}}, status: 400, code: httpapi.CodeInvalidInput},
		scenario{name: "unknown user", as: curator, body: map[string]any{"user_ids": []string{"ghost"}, "cc_pair_ids": []string{"c1"}},
			status: 404, code: httpapi.CodeNotFound},
		scenario{name: "unknown connector", as: curator, body: map[string]any{"user_ids": ids(curator), "cc_pair_ids": []string{"c9"}},
			status: 404, code: httpapi.CodeNotFound},
		scenario{name: "curator drops limited", as: curator, body: body, status: http.StatusNoContent},
		scenario{name: "global curator drops the connector", as: gcurator, body: map[string]any{"user_ids": ids(gcurator, curator), "cc_pair_ids": []string{}},
			status: http.StatusNoContent},
		scenario{name: "admin, group of nobody in the cast", as: admin, path: path(w.secret.ID),
			body: map[string]any{"user_ids": ids(basic), "cc_pair_ids": []string{"c1"}}, status: http.StatusNoContent},
	)
	w.run(t, http.MethodPatch, path(w.team.ID), rows)
	if got, want := w.members(w.team.ID), []string{"curator@example.com", "global-curator@example.com"}; !reflect.DeepEqual(got, want) {
		t.Errorf("team members %v, want %v", got, want)
	}
	if got, want := w.members(w.secret.ID), []string{"basic@example.com"}; !reflect.DeepEqual(got, want) {
		t.Errorf("secret members %v, want %v", got, want)
	}
	f, err := w.ws.Resources().Facts(w.ctx, c1)
	if err != nil || !reflect.DeepEqual(f.Groups, []string{w.secret.ID}) {
		t.Errorf("c1 groups %v (%v), want only secret", f.Groups, err)
	}
}

func TestAddUsers(t *testing.T) {
	w := newWorld(t)
	path := func(id string) string { return "/manage/admin/user-group/" + id + "/add-users" }
	body := map[string]any{"user_ids": []string{w.admin2.ID}}
	rows := append(w.scopeRows(path, body),
		scenario{name: "unknown user", as: curator, body: map[string]any{"user_ids": []string{w.admin2.ID, "ghost"}}, status: 404, code: httpapi.CodeNotFound},
		scenario{name: "missing user_ids", as: curator, body: map[string]any{}, status: 400, code: httpapi.CodeInvalidInput},
		scenario{as: curator, body: body, status: http.StatusNoContent},
		scenario{name: "global curator", as: gcurator, body: map[string]any{"user_ids": []string{w.users[deactivated].ID}}, status: http.StatusNoContent},
		scenario{name: "admin", as: admin, body: map[string]any{"user_ids": []string{w.users[admin].ID}}, status: http.StatusNoContent},
	)
	w.run(t, http.MethodPost, path(w.team.ID), rows)
	if got := len(w.members(w.team.ID)); got != 7 {
		t.Errorf("team has %d members, want 7", got)
	}
}

func TestSetCurator(t *testing.T) {
	w := newWorld(t)
	path := func(id string) string { return "/manage/admin/user-group/" + id + "/set-curator" }
	set := func(u string, on bool) map[string]any { return map[string]any{"user_id": u, "is_curator": on} }
	body := set(w.users[basic].ID, true)
	rows := append(w.scopeRows(path, body),
		scenario{name: "not a member", as: curator, body: set(w.admin2.ID, true), status: 400, code: httpapi.CodeNotAMember},
		scenario{name: "global curator target", as: curator, body: set(w.users[gcurator].ID, true), status: 400, code: httpapi.CodeAlreadyPrivileged},
		scenario{name: "limited target", as: curator, body: set(w.users[limited].ID, true), status: 400, code: httpapi.CodeNotEligible},
		scenario{name: "missing is_curator", as: curator, body: map[string]any{"user_id": w.users[basic].ID}, status: 400, code: httpapi.CodeInvalidInput},
		scenario{name: "is_curator a string", as: curator, body: map[string]any{"user_id": w.users[basic].ID, "is_curator": "yes"},
			status: 400, code: httpapi.CodeInvalidInput},
		scenario{as: curator, body: body, status: http.StatusNoContent},
		scenario{name: "global curator unsets it", as: gcurator, body: set(w.users[basic].ID, false), status: http.StatusNoContent},
		scenario{name: "admin sets it", as: admin, body: body, status: http.StatusNoContent},
	)
	w.run(t, http.MethodPost, path(w.team.ID), rows)
	if got := w.user(w.users[basic].ID).Role; got != "curator" {
		t.Errorf("basic's role %s, want curator", got)
	}
}

func TestRenameGroup(t *testing.T) {
	w := newWorld(t)
	body := map[string]string{"id": w.team.ID, "name": "Team A"}
	rows := append(refusals(body),
		scenario{name: "duplicate", as: admin, body: map[string]string{"id": w.team.ID, "name": "other"}, status: 409, code: httpapi.CodeDuplicate},
		scenario{name: "unknown", as: admin, body: map[string]string{"id": "nope", "name": "x"}, status: 404, code: httpapi.CodeNotFound},
		scenario{name: "another workspace", as: admin, body: map[string]string{"id": w.acmeTeam.ID, "name": "x"}, status: 404, code: httpapi.CodeNotFound},
		scenario{name: "empty name", as: admin, body: map[string]string{"id": w.team.ID, "name": ""}, status: 400, code: httpapi.CodeInvalidInput},
		scenario{name: "missing id", as: admin, body: map[string]string{"name": "x"}, status: 400, code: httpapi.CodeInvalidInput},
		okRow(admin, body, func(t *testing.T, rec *httptest.ResponseRecorder) {
			var g struct{ ID, Name string }
			decodeBody(t, rec, &g)
			if g.ID != w.team.ID || g.Name != "Team A" {
				t.Errorf("renamed %+v", g)
			}
		}),
	)
	w.run(t, http.MethodPatch, "/manage/admin/user-group/rename", rows)
}

func TestDeleteGroup(t *testing.T) {
	w := newWorld(t)
	path := "/manage/admin/user-group/" + w.team.ID
	rows := append(refusals(nil),
		scenario{name: "unknown", as: admin, path: "/manage/admin/user-group/nope", status: 404, code: httpapi.CodeNotFound},
		scenario{name: "another workspace", as: admin, path: "/manage/admin/user-group/" + w.acmeTeam.ID, status: 404, code: httpapi.CodeNotFound},
		scenario{as: admin, status: http.StatusNoContent},
		scenario{name: "deleted already", as: admin, status: 404, code: httpapi.CodeNotFound},
	)
	w.run(t, http.MethodDelete, path, rows)
	if _, err := w.ws.Groups().Get(w.ctx, w.team.ID); err == nil {
		t.Error("team still exists")
	}
}
