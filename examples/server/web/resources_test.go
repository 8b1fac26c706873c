package web

import (
	"net/http"
	"strings"
	"testing"
)

// rowOf returns the HTML of the table row whose data-name is name, "" if
// the page has none.
func rowOf(body, name string) string {
	_, after, ok := strings.Cut(body, `<tr data-name="`+name+`"`)
	if !ok {
		return ""
	}
	row, _, _ := strings.Cut(after, "</tr>")
	return row
}

// resourceFake is an API with two groups (g1 Engineering, g2 Sales), two
// users, and a connector, a document set and two agents; role is the
// caller's, who is u1 and, as a curator, curates g1 only.
func resourceFake(t *testing.T, role string) *fakeAPI {
	api := newFake(t, role)
	groups := []map[string]any{{"id": "g1", "name": "Engineering"}, {"id": "g2", "name": "Sales"}}
	if role != "admin" {
		groups = groups[:1]
	}
	api.answers["/manage/user-groups/minimal"] = groups
	curated := []groupJSON{{ID: "g1", Name: "Engineering"}}
	if role == "admin" {
		curated = append(curated, groupJSON{ID: "g2", Name: "Sales"})
	}
	if role == "basic" {
		api.answers["/manage/admin/user-group"] = &apiError{Status: http.StatusForbidden, Code: "FORBIDDEN", Detail: "Only curators and admins may do this."}
		api.answers["/manage/users"] = &apiError{Status: http.StatusForbidden, Code: "FORBIDDEN", Detail: "Only curators and admins may do this."}
	} else {
		api.answers["/manage/admin/user-group"] = curated
		api.answers["/manage/users"] = map[string]any{"accepted": []userJSON{
			{ID: "u1", Email: "ada@example.com", Role: role, IsActive: true},
			{ID: "u2", Email: "bo@example.com", Role: "basic", IsActive: true},
		}}
	}
	api.answers["/manage/connector"] = []connectorItem{
		{ID: "c1", Name: "Wiki", AccessType: "private", Groups: []string{"g1"}},
		{ID: "c2", Name: "Shared", AccessType: "public", Groups: []string{"g1", "g2"}},
		{ID: "c3", Name: "Loose", AccessType: "public", Groups: []string{}},
	}
	api.answers["/manage/document-set"] = []documentSetItem{{ID: "d1", Name: "Handbook", Groups: []string{"g1"}, CCPairIDs: []string{"c1"}}}
	api.answers["/persona"] = []agentItem{
		{ID: "a1", Name: "Mine", OwnerID: "u1", Groups: []string{}, Users: []string{"u2"}},
		{ID: "a2", Name: "Theirs", OwnerID: "u2", Groups: []string{"g1"}, Users: []string{}},
	}
	return api
}

// The connectors page offers an admin every form; a curator creation and
// the edit of connectors all of whose groups he curates, without the access
// type; a basic user nothing but the list.
func TestConnectorsPageOffersWhatTheAPIAllows(t *testing.T) {
	for _, c := range []struct {
		role               string
		create, access     bool
		editable, viewOnly []string
	}{
		{"admin", true, true, []string{"Wiki", "Shared", "Loose"}, nil},
		{"curator", true, false, []string{"Wiki"}, []string{"Shared", "Loose"}},
		{"basic", false, false, nil, []string{"Wiki", "Shared", "Loose"}},
	} {
		rec := get(t, resourceFake(t, c.role), "/ui/connectors", "s")
		body := rec.Body.String()
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", c.role, rec.Code, body)
		}
		if got := strings.Contains(body, `id="create-connector"`); got != c.create {
			t.Errorf("%s: create form %v, want %v", c.role, got, c.create)
		}
		for _, n := range c.editable {
			row := rowOf(body, n)
			if !strings.Contains(row, "edit-connector") || !strings.Contains(row, "DELETE /manage/admin/connector/") {
				t.Errorf("%s: %s not editable: %s", c.role, n, row)
			}
			if got := strings.Contains(row, `name="access_type"`); got != c.access {
				t.Errorf("%s: access type offered on %s: %v, want %v", c.role, n, got, c.access)
			}
		}
		for _, n := range c.viewOnly {
			if row := rowOf(body, n); strings.Contains(row, "<form") || !strings.Contains(row, "view only") {
				t.Errorf("%s: %s offers a form: %s", c.role, n, row)
			}
		}
	}
	body := get(t, resourceFake(t, "admin"), "/ui/connectors", "s").Body.String()
	if row := rowOf(body, "Shared"); !strings.Contains(row, "Engineering, Sales") {
		t.Errorf("groups not named: %s", row)
	}
}

// An agent's sharing is offered to its owner and admins only, its edit to
// those with edit access; a basic user sees no user list and no owner ids.
func TestAgentsPageSharesForOwnersOnly(t *testing.T) {
	body := get(t, resourceFake(t, "curator"), "/ui/agents", "s").Body.String()
	mine, theirs := rowOf(body, "Mine"), rowOf(body, "Theirs")
	if !strings.Contains(mine, "share-agent") || !strings.Contains(mine, "bo@example.com") {
		t.Errorf("the owner's row lacks sharing: %s", mine)
	}
	if strings.Contains(mine, `<option value="u1"`) {
		t.Errorf("the owner is offered to share with himself: %s", mine)
	}
	if strings.Contains(theirs, "share-agent") || !strings.Contains(theirs, "edit-agent") {
		t.Errorf("a curator of the agent's group: want edit without sharing: %s", theirs)
	}
	if strings.Contains(theirs, `name="is_public"`) {
		t.Errorf("the curator's edit form sends the public flag: %s", theirs)
	}
	body = get(t, resourceFake(t, "basic"), "/ui/agents", "s").Body.String()
	theirs = rowOf(body, "Theirs")
	if strings.Contains(body, `id="agent-users"`) || strings.Contains(theirs, "u2") || !strings.Contains(theirs, "another user") {
		t.Errorf("basic user's view: %s", body)
	}
	if !strings.Contains(theirs, "view only") || !strings.Contains(rowOf(body, "Mine"), "share-agent") {
		t.Errorf("basic user's rows: %s", body)
	}
	limited := resourceFake(t, "limited")
	rec := get(t, limited, "/ui/agents", "s")
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "<form class=\"row-form") {
		t.Errorf("a limited user: %d, forms offered: %s", rec.Code, rec.Body)
	}
}

// The user page finds the user's groups, also in a group larger than the
// members the list shows, names ids in events, and answers 404 for an
// unknown id and the API's refusal to a non-admin.
func TestUserPage(t *testing.T) {
	api := resourceFake(t, "admin")
	api.answers["/manage/admin/user-group"] = []groupJSON{
		{ID: "g1", Name: "Engineering", Users: []memberJSON{{ID: "u2"}}, UsersTotal: 1, CuratorIDs: []string{"u2"}},
		{ID: "g2", Name: "Sales", Users: []memberJSON{{ID: "u9"}}, UsersTotal: 300},
		{ID: "g3", Name: "Support", Users: []memberJSON{{ID: "u9"}}, UsersTotal: 1},
	}
	api.answers["/manage/admin/user-group/g2/members"] = itemsJSON[memberJSON]{Items: []memberJSON{{ID: "u2", Email: "bo@example.com"}}, TotalItems: 1}
	api.answers["/manage/admin/audit"] = itemsJSON[auditJSON]{Items: []auditJSON{{Actor: "u:u2", Action: "resource.register", Target: "connector:c1",
		Details: map[string]any{"groups": []any{"g1"}, "owner": "u2", "public": false, "shared_with": nil}}}, TotalItems: 11}
	rec := get(t, api, "/ui/users/u2", "s")
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, body)
	}
	groups, _, _ := strings.Cut(strings.SplitN(body, `id="user-groups"`, 2)[1], "</ul>")
	if !strings.Contains(groups, "Engineering</a> <span class=\"tag\">curator") || !strings.Contains(groups, "Sales") || strings.Contains(groups, "Support") {
		t.Errorf("groups: %s", groups)
	}
	for _, w := range []string{"Theirs", "connector Wiki", "groups: group Engineering; owner: bo@example.com; public: false", "All 11 on the audit trail", "actor=u%3Au2"} {
		if !strings.Contains(body, w) {
			t.Errorf("the page lacks %q", w)
		}
	}
	if rec := get(t, api, "/ui/users/nobody", "s"); rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "The user does not exist.") {
		t.Errorf("unknown user: %d", rec.Code)
	}
	if rec := get(t, resourceFake(t, "basic"), "/ui/users/u2", "s"); rec.Code != http.StatusForbidden {
		t.Errorf("basic user: %d, want the API's 403", rec.Code)
	}
}
