package scim_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/scim"
	"github.com/rosterhq/roster/users"
)

const adminEmailSentence = "Provisioning never changes an admin's email; an admin must demote them first."

// wantAdmin fails unless the env's admin still has their email, role and
// status.
func (e *env) wantAdmin(what string) {
	e.t.Helper()
	a, err := e.w.Users().Get(e.t.Context(), e.admin.ID)
	if err != nil || a.Email != "admin@example.com" || a.Role != users.RoleAdmin || !a.Active {
		e.t.Fatalf("%s: the admin is now %+v (%v)", what, a, err)
	}
}

// A SCIM token cannot take the admin account over: adopting the admin
// writes only the SCIM record, and no userName change (PATCH with a path,
// path-less PATCH, PUT) reaches the admin's email, the address a password
// reset goes to.
func TestSCIMNeverChangesAnAdminsEmail(t *testing.T) {
	forEachEnv(t, func(e *env) {
		t := e.t.(*testing.T)
		before := e.state()
		e.do("POST", "/scim/v2/Users", map[string]any{"schemas": []any{scim.UserSchema}, "userName": "admin@example.com", "active": false}).
			want(t, "adopt the admin as inactive", http.StatusForbidden, "", "Provisioning never changes an admin's status; an admin must demote them first.")
		e.unchanged("adopt the admin as inactive", before)
		r := e.do("POST", "/scim/v2/Users", map[string]any{"schemas": []any{scim.UserSchema}, "userName": "Admin@Example.com",
			"name": map[string]any{"givenName": "Ada"}})
		r.want(t, "adopt the admin", http.StatusCreated, "", "")
		if r.body["id"] != e.admin.ID || r.body["userName"] != "Admin@Example.com" {
			t.Fatalf("adopt the admin: %s", r.raw)
		}
		e.wantAdmin("adopt")

		before = e.state()
		e.do("PATCH", "/scim/v2/Users/"+e.admin.ID, map[string]any{"schemas": []any{scim.PatchOpSchema},
			"Operations": []any{map[string]any{"op": "replace", "path": "userName", "value": "attacker@evil.example"}}}).
			want(t, "PATCH userName", http.StatusForbidden, "", adminEmailSentence)
		e.do("PATCH", "/scim/v2/Users/"+e.admin.ID, map[string]any{"schemas": []any{scim.PatchOpSchema},
			"Operations": []any{map[string]any{"op": "Replace", "value": map[string]any{"userName": "attacker@evil.example", "name.givenName": "X"}}}}).
			want(t, "path-less PATCH", http.StatusForbidden, "", adminEmailSentence)
		e.do("PUT", "/scim/v2/Users/"+e.admin.ID, map[string]any{"schemas": []any{scim.UserSchema}, "userName": "attacker@evil.example"}).
			want(t, "PUT userName", http.StatusForbidden, "", adminEmailSentence)
		e.unchanged("userName changes of the admin", before)
		e.wantAdmin("userName changes")

		// The library call refuses it the same way, with its own sentinel.
		_, err := e.w.Users().ChangeEmail(t.Context(), access.SCIMActor(e.tokID), e.admin.ID, "attacker@evil.example")
		if !errors.Is(err, users.ErrSCIMAdminEmail) || !errors.Is(err, roster.ErrForbidden) || access.Sentence(err, nil) != adminEmailSentence {
			t.Fatalf("ChangeEmail of the admin by SCIM: %v", err)
		}
		e.unchanged("ChangeEmail of the admin by SCIM", before)

		// What is only the record's may change, and so may the same address
		// in another spelling.
		r = e.do("PUT", "/scim/v2/Users/"+e.admin.ID, map[string]any{"schemas": []any{scim.UserSchema}, "userName": "ADMIN@example.com",
			"name": map[string]any{"givenName": "Ada", "familyName": "Lovelace"}, "externalId": "a-1"})
		r.want(t, "PUT the record", http.StatusOK, "", "")
		e.wantAdmin("PUT the record")

		// Once an admin demotes them, provisioning owns the email again.
		other, err := e.w.Users().Register(t.Context(), users.Registration{Email: "other-admin@example.com", Actor: roster.System})
		e.must(err)
		_, err = e.w.Users().SetRole(t.Context(), roster.System, other.ID, users.RoleAdmin)
		e.must(err)
		_, err = e.w.Users().SetRole(t.Context(), roster.System, e.admin.ID, users.RoleBasic)
		e.must(err)
		e.do("PATCH", "/scim/v2/Users/"+e.admin.ID, map[string]any{"schemas": []any{scim.PatchOpSchema},
			"Operations": []any{map[string]any{"op": "replace", "path": "userName", "value": "ada@example.com"}}}).
			want(t, "PATCH userName after demotion", http.StatusOK, "", "")
		if u, err := e.w.Users().Get(t.Context(), e.admin.ID); err != nil || u.Email != "ada@example.com" {
			t.Fatalf("after demotion: %+v %v", u, err)
		}
	})
}

// An admin an admin deactivated is not refused forever: SCIM asking for the
// status they have already (active false, DELETE) changes nothing of
// theirs, and DELETE ends the SCIM record; activating them stays refused.
func TestDeactivatedAdminCanBeDeprovisioned(t *testing.T) {
	forEachEnv(t, func(e *env) {
		t := e.t.(*testing.T)
		ctx := t.Context()
		other, err := e.w.Users().Register(ctx, users.Registration{Email: "other-admin@example.com", Actor: roster.System})
		e.must(err)
		_, err = e.w.Users().SetRole(ctx, roster.System, other.ID, users.RoleAdmin)
		e.must(err)
		e.do("POST", "/scim/v2/Users", map[string]any{"userName": "admin@example.com"}).want(t, "adopt", http.StatusCreated, "", "")
		_, err = e.w.Users().Deactivate(ctx, roster.System, e.admin.ID)
		e.must(err)
		wantInactiveAdmin := func(what string) {
			t.Helper()
			u, err := e.w.Users().Get(ctx, e.admin.ID)
			if err != nil || u.Active || u.Role != users.RoleAdmin || u.Email != "admin@example.com" {
				t.Fatalf("%s: the admin is now %+v (%v)", what, u, err)
			}
		}
		before := e.state()
		e.do("PATCH", "/scim/v2/Users/"+e.admin.ID, map[string]any{"schemas": []any{scim.PatchOpSchema},
			"Operations": []any{map[string]any{"op": "replace", "path": "active", "value": true}}}).
			want(t, "activate", http.StatusForbidden, "", "Provisioning never changes an admin's status; an admin must demote them first.")
		e.unchanged("activate", before)
		e.do("PUT", "/scim/v2/Users/"+e.admin.ID, map[string]any{"userName": "admin@example.com", "active": false}).
			want(t, "PUT active false", http.StatusOK, "", "")
		wantInactiveAdmin("PUT active false")
		e.do("DELETE", "/scim/v2/Users/"+e.admin.ID, nil).want(t, "DELETE", http.StatusNoContent, "", "")
		wantInactiveAdmin("DELETE")
		if n := e.records(e.admin.ID); n != 0 {
			t.Fatalf("DELETE left %d SCIM records of the admin", n)
		}
		e.do("GET", "/scim/v2/Users/"+e.admin.ID, nil).want(t, "GET after DELETE", http.StatusNotFound, "", "No such resource.")
	})
}
