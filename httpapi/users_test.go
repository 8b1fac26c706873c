package httpapi_test

import (
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/httpapi"
	"github.com/rosterhq/roster/resources"
)

type userJSON struct {
	ID       string `json:"id"`
	Email    string `json:"email"`
	Role     string `json:"role"`
	IsActive bool   `json:"is_active"`
}

type userPage struct {
	Items      []userJSON `json:"items"`
	TotalItems int64      `json:"total_items"`
}

func emailsOf(us []userJSON) []string {
	out := []string{}
	for _, u := range us {
		out = append(out, u.Email)
	}
	return out
}

// wantPage returns a check that the page holds exactly these emails and total.
func wantPage(emails []string, total int64) func(*testing.T, *httptest.ResponseRecorder) {
	return func(t *testing.T, rec *httptest.ResponseRecorder) {
		t.Helper()
		var p userPage
		decodeBody(t, rec, &p)
		if got := emailsOf(p.Items); !reflect.DeepEqual(got, emails) || p.TotalItems != total {
			t.Errorf("page = %v (total %d), want %v (total %d)", got, p.TotalItems, emails, total)
		}
	}
}

func TestAcceptedUsers(t *testing.T) {
	w := newWorld(t)
	const path = "/manage/users/accepted"
	all := []string{"admin2@example.com", "admin@example.com", "basic@example.com", "curator@example.com",
		"deactivated@example.com", "global-curator@example.com", "limited@example.com"}
	rows := append(refusals(nil),
		okRow(admin, nil, wantPage(all, 7)),
		scenario{name: "page 1 of 2-user pages", as: admin, path: path + "?page_num=1&page_size=2", status: 200,
			check: wantPage(all[2:4], 7)},
		scenario{name: "roles OR-ed", as: admin, path: path + "?roles=limited&roles=global_curator", status: 200,
			check: wantPage([]string{"global-curator@example.com", "limited@example.com"}, 2)},
		scenario{name: "inactive", as: admin, path: path + "?is_active=false", status: 200,
			check: wantPage([]string{"deactivated@example.com"}, 1)},
		scenario{name: "q is a substring of the email", as: admin, path: path + "?q=CURATOR", status: 200,
			check: wantPage([]string{"curator@example.com", "global-curator@example.com"}, 2)},
		scenario{name: "page_size 0", as: admin, path: path + "?page_size=0", status: 400, code: httpapi.CodeInvalidInput},
		scenario{name: "page_size 1001", as: admin, path: path + "?page_size=1001", status: 400, code: httpapi.CodeInvalidInput},
		scenario{name: "page_num -1", as: admin, path: path + "?page_num=-1", status: 400, code: httpapi.CodeInvalidInput},
		scenario{name: "page_num not a number", as: admin, path: path + "?page_num=x", status: 400, code: httpapi.CodeInvalidInput},
		scenario{name: "bad role", as: admin, path: path + "?roles=owner", status: 400, code: httpapi.CodeInvalidInput},
		scenario{name: "bad is_active", as: admin, path: path + "?is_active=maybe", status: 400, code: httpapi.CodeInvalidInput},
	)
	w.run(t, http.MethodGet, path, rows)
}

type allUsers struct {
	Accepted []userJSON   `json:"accepted"`
	Invited  []inviteJSON `json:"invited"`
}

func TestAllUsers(t *testing.T) {
	w := newWorld(t)
	if rec := w.do(admin, http.MethodPut, "/manage/admin/users", map[string]any{"emails": []string{"newbie@example.com", "x@other.example"}}); rec.Code != 200 {
		t.Fatalf("invite: %d %s", rec.Code, rec.Body)
	}
	check := func(invited []string) func(*testing.T, *httptest.ResponseRecorder) {
		return func(t *testing.T, rec *httptest.ResponseRecorder) {
			var got allUsers
			decodeBody(t, rec, &got)
			var inv []string
			for _, i := range got.Invited {
				inv = append(inv, i.Email)
			}
			if acc := emailsOf(got.Accepted); !reflect.DeepEqual(acc, []string{"basic@example.com"}) || !reflect.DeepEqual(inv, invited) {
				t.Errorf("accepted %v, invited %v; want [basic@example.com], %v", acc, inv, invited)
			}
		}
	}
	const path = "/manage/users?q=basic"
	w.run(t, http.MethodGet, "/manage/users?q=ex", []scenario{
		{as: basic, status: 403, code: httpapi.CodeForbidden},
		{as: limited, status: 403, code: httpapi.CodeForbidden},
		{as: deactivated, status: 401, code: httpapi.CodeNotSignedIn},
		{as: signedOut, status: 401, code: httpapi.CodeNotSignedIn},
		{name: "admin sees the invites matching q", as: admin, path: "/manage/users?q=newbie", status: 200,
			check: func(t *testing.T, rec *httptest.ResponseRecorder) {
				var got allUsers
				decodeBody(t, rec, &got)
				if len(got.Accepted) != 0 || len(got.Invited) != 1 || got.Invited[0].Email != "newbie@example.com" {
					t.Errorf("q=newbie as admin: %+v", got)
				}
			}},
		{name: "admin", as: admin, path: path, status: 200, check: check(nil)},
		{name: "global curator: no invites", as: gcurator, path: path, status: 200, check: check(nil)},
		{name: "curator: no invites", as: curator, path: path, status: 200, check: check(nil)},
	})
}

func TestDownloadUsers(t *testing.T) {
	w := newWorld(t)
	rows := append(refusals(nil), scenario{as: admin, path: "/manage/users/download?is_active=false", status: 200,
		check: func(t *testing.T, rec *httptest.ResponseRecorder) {
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
				t.Errorf("Content-Type %q, want text/csv", ct)
			}
			got, err := csv.NewReader(rec.Body).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			want := [][]string{{"Email", "Role", "Status"}, {"deactivated@example.com", "basic", "Inactive"}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("CSV %q, want %q", got, want)
			}
		}},
		scenario{name: "bad role", as: admin, path: "/manage/users/download?roles=x", status: 400, code: httpapi.CodeInvalidInput})
	w.run(t, http.MethodGet, "/manage/users/download", rows)
}

func wantUser(email, role string, active bool) func(*testing.T, *httptest.ResponseRecorder) {
	return func(t *testing.T, rec *httptest.ResponseRecorder) {
		t.Helper()
		var u userJSON
		decodeBody(t, rec, &u)
		if u.Email != email || u.Role != role || u.IsActive != active || u.ID == "" {
			t.Errorf("user %+v, want %s %s active=%v", u, email, role, active)
		}
	}
}

func TestSetUserRole(t *testing.T) {
	w := newWorld(t)
	to := func(email, role string) map[string]string {
		return map[string]string{"user_email": email, "new_role": role}
	}
	promote := to("basic@example.com", "global_curator")
	w.run(t, http.MethodPatch, "/manage/set-user-role", []scenario{
		refuse(signedOut, promote, 401, httpapi.CodeNotSignedIn),
		refuse(deactivated, promote, 401, httpapi.CodeNotSignedIn),
		refuse(gcurator, promote, 403, httpapi.CodeForbidden),
		refuse(curator, promote, 403, httpapi.CodeForbidden),
		refuse(limited, promote, 403, httpapi.CodeForbidden),
		refuse(basic, to("admin2@example.com", "basic"), 403, httpapi.CodeForbidden),
		// Authorization before validation: a non-admin is refused for the
		// role, before the self-change rule or any input check is looked at.
		{name: "basic makes themselves admin", as: basic, body: to("basic@example.com", "admin"), status: 403, code: httpapi.CodeForbidden},
		{name: "limited changes their own role", as: limited, body: to("LIMITED@example.com", "basic"), status: 403, code: httpapi.CodeForbidden},
		{name: "global curator changes their own role", as: gcurator, body: to("global-curator@example.com", "basic"), status: 403, code: httpapi.CodeForbidden},
		{name: "global curator names an unknown role", as: gcurator, body: to("global-curator@example.com", "owner"), status: 403, code: httpapi.CodeForbidden},
		{name: "basic names no role", as: basic, body: map[string]string{"user_email": "basic@example.com"}, status: 403, code: httpapi.CodeForbidden},
		{name: "basic names an unknown user", as: basic, body: to("nobody@example.com", "basic"), status: 403, code: httpapi.CodeForbidden},
		{name: "admin demotes themselves", as: admin, body: to("admin@example.com", "basic"), status: 409, code: httpapi.CodeSelfChange},
		{name: "curator role", as: admin, body: to("basic@example.com", "curator"), status: 400, code: httpapi.CodeCuratorViaGroups},
		{name: "unknown role", as: admin, body: to("basic@example.com", "owner"), status: 400, code: httpapi.CodeInvalidInput},
		{name: "missing role", as: admin, body: map[string]string{"user_email": "basic@example.com"}, status: 400, code: httpapi.CodeInvalidInput},
		{name: "bad email", as: admin, body: to("basic.example.com", "basic"), status: 400, code: httpapi.CodeInvalidInput},
		{name: "unknown email", as: admin, body: to("nobody@example.com", "basic"), status: 404, code: httpapi.CodeNotFound},
		{name: "user of another workspace", as: admin, body: to("boss@acme.example", "basic"), status: 404, code: httpapi.CodeNotFound},
		okRow(admin, promote, wantUser("basic@example.com", "global_curator", true)),
		{name: "a curator becomes limited", as: admin, body: to("curator@example.com", "limited"), status: 200,
			check: wantUser("curator@example.com", "limited", true)},
	})
}

func TestDeactivateActivateUser(t *testing.T) {
	w := newWorld(t)
	body := map[string]string{"user_email": "basic@example.com"}
	rows := append(refusals(body, basic),
		scenario{name: "admin deactivates themselves", as: admin, body: map[string]string{"user_email": "admin@example.com"},
			status: 409, code: httpapi.CodeSelfChange},
		scenario{name: "basic deactivates themselves", as: basic, body: body, status: 403, code: httpapi.CodeForbidden},
		scenario{name: "global curator deactivates themselves", as: gcurator, body: map[string]string{"user_email": "global-curator@example.com"},
			status: 403, code: httpapi.CodeForbidden},
		scenario{name: "unknown", as: admin, body: map[string]string{"user_email": "ghost@example.com"}, status: 404, code: httpapi.CodeNotFound},
		scenario{name: "missing email", as: admin, body: map[string]string{}, status: 400, code: httpapi.CodeInvalidInput},
		okRow(admin, body, wantUser("basic@example.com", "basic", false)),
		// The deactivated user's requests stop at once.
		scenario{name: "basic after deactivation", as: basic, method: http.MethodGet, path: "/me", status: 401, code: httpapi.CodeNotSignedIn},
	)
	w.run(t, http.MethodPatch, "/manage/admin/deactivate-user", rows)

	w.run(t, http.MethodPatch, "/manage/admin/activate-user", append(refusals(body, basic),
		okRow(admin, body, wantUser("basic@example.com", "basic", true)),
		scenario{name: "basic after activation", as: basic, method: http.MethodGet, path: "/me", status: 200},
	))
}

func TestDeleteUserAndTransferOwnership(t *testing.T) {
	w := newWorld(t)
	agent := access.Resource{Kind: access.Agent, ID: "a1"}
	w.must(w.ws.Resources().Register(w.ctx, roster.System, agent, resources.Facts{Owner: w.users[deactivated].ID}))
	gone := map[string]string{"user_email": "deactivated@example.com"}
	transfer := map[string]string{"from_user_email": "deactivated@example.com", "to_user_email": "admin@example.com"}
	rows := append(refusals(gone),
		scenario{name: "admin deletes themselves", as: admin, body: map[string]string{"user_email": "admin@example.com"},
			status: 409, code: httpapi.CodeSelfChange},
		scenario{name: "active user", as: admin, body: map[string]string{"user_email": "basic@example.com"},
			status: 409, code: httpapi.CodeUserActive},
		scenario{name: "owner of an agent", as: admin, body: gone, status: 409, code: httpapi.CodeOwnsResources,
			check: nil},
	)
	w.run(t, http.MethodDelete, "/manage/admin/delete-user", rows)
	rec := w.do(admin, http.MethodDelete, "/manage/admin/delete-user", gone)
	var e apiError
	decodeBody(t, rec, &e)
	// The user by email, the agent by the name Config.ResourceName gives it.
	if want := `The user deactivated@example.com still owns the agent "Helper"; transfer it to someone else first.`; e.Detail != want {
		t.Errorf("OWNS_RESOURCES detail %q, want %q", e.Detail, want)
	}

	w.run(t, http.MethodPost, "/manage/admin/transfer-ownership", append(refusals(transfer),
		scenario{name: "same user", as: admin, body: map[string]string{"from_user_email": "admin@example.com", "to_user_email": "admin@example.com"},
			status: 400, code: httpapi.CodeInvalidInput},
		scenario{name: "unknown to", as: admin, body: map[string]string{"from_user_email": "deactivated@example.com", "to_user_email": "x@example.com"},
			status: 404, code: httpapi.CodeNotFound},
		scenario{name: "missing from", as: admin, body: map[string]string{"to_user_email": "admin@example.com"},
			status: 400, code: httpapi.CodeInvalidInput},
		okRow(admin, transfer, func(t *testing.T, rec *httptest.ResponseRecorder) {
			var got struct {
				Transferred []struct{ Kind, ID string } `json:"transferred"`
			}
			decodeBody(t, rec, &got)
			if len(got.Transferred) != 1 || got.Transferred[0].Kind != "agent" || got.Transferred[0].ID != "a1" {
				t.Errorf("transferred %+v, want agent a1", got.Transferred)
			}
		}),
	))
	w.run(t, http.MethodDelete, "/manage/admin/delete-user", []scenario{
		{as: admin, body: gone, status: http.StatusNoContent},
		{name: "deleted already", as: admin, body: gone, status: 404, code: httpapi.CodeNotFound},
	})
}
