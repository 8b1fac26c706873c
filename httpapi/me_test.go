package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"testing"

	"github.com/rosterhq/roster/httpapi"
)

type meJSON struct {
	ID       string `json:"id"`
	Email    string `json:"email"`
	Role     string `json:"role"`
	IsActive bool   `json:"is_active"`
	Groups   []struct {
		ID        string `json:"id"`
		Name      string `json:"name"`
		IsCurator bool   `json:"is_curator"`
	} `json:"groups"`
}

// wantMe checks /me: role and the groups as "name" or "name*" for a group
// whose curator flag the caller holds.
func wantMe(email, role string, groups ...string) func(*testing.T, *httptest.ResponseRecorder) {
	return func(t *testing.T, rec *httptest.ResponseRecorder) {
		t.Helper()
		var me meJSON
		decodeBody(t, rec, &me)
		got := []string{}
		for _, g := range me.Groups {
			if g.IsCurator {
				g.Name += "*"
			}
			got = append(got, g.Name)
		}
		if me.Email != email || me.Role != role || !me.IsActive || me.ID == "" || !reflect.DeepEqual(got, append([]string{}, groups...)) {
			t.Errorf("/me = %+v (groups %v), want %s %s %v", me, got, email, role, groups)
		}
	}
}

func TestMe(t *testing.T) {
	w := newWorld(t)
	w.run(t, http.MethodGet, "/me", []scenario{
		okRow(admin, nil, wantMe("admin@example.com", "admin")),
		okRow(gcurator, nil, wantMe("global-curator@example.com", "global_curator", "team")),
		okRow(curator, nil, wantMe("curator@example.com", "curator", "other", "team*")),
		okRow(basic, nil, wantMe("basic@example.com", "basic", "team")),
		okRow(limited, nil, wantMe("limited@example.com", "limited", "team")),
		refuse(deactivated, nil, 401, httpapi.CodeNotSignedIn),
		refuse(signedOut, nil, 401, httpapi.CodeNotSignedIn),
	})
}

func TestMeACL(t *testing.T) {
	w := newWorld(t)
	acl := func(want ...string) func(*testing.T, *httptest.ResponseRecorder) {
		return func(t *testing.T, rec *httptest.ResponseRecorder) {
			var got struct {
				ACL []string `json:"acl"`
			}
			decodeBody(t, rec, &got)
			if !reflect.DeepEqual(got.ACL, want) {
				t.Errorf("acl %v, want %v", got.ACL, want)
			}
		}
	}
	w.run(t, http.MethodGet, "/me/acl", []scenario{
		okRow(admin, nil, acl("admin:default", "public:default", "user:"+w.users[admin].ID)),
		okRow(gcurator, nil, acl("group:"+w.team.ID, "public:default", "user:"+w.users[gcurator].ID)),
		okRow(curator, nil, acl(sorted("group:"+w.team.ID, "group:"+w.other.ID, "public:default", "user:"+w.users[curator].ID)...)),
		okRow(basic, nil, acl("group:"+w.team.ID, "public:default", "user:"+w.users[basic].ID)),
		okRow(limited, nil, acl("group:"+w.team.ID, "public:default", "user:"+w.users[limited].ID)),
		refuse(deactivated, nil, 401, httpapi.CodeNotSignedIn),
		refuse(signedOut, nil, 401, httpapi.CodeNotSignedIn),
	})
}

// The authenticator names the workspace: a user is known only in their own,
// and an unknown workspace or user is not signed in.
func TestAuthenticatorWorkspaces(t *testing.T) {
	w := newWorld(t)
	cases := []struct {
		name, ws, user string
		status         int
		email          string
	}{
		{"acme's admin in acme", "acme", w.acmeAdmin.ID, 200, "boss@acme.example"},
		{"acme's admin in the default workspace", "", w.acmeAdmin.ID, 401, ""},
		{"default admin in acme", "acme", w.users[admin].ID, 401, ""},
		{"unknown workspace", "nowhere", w.users[admin].ID, 401, ""},
		{"unknown user", "", "ghost", 401, ""},
	}
	for _, c := range cases {
		req := httptest.NewRequest(http.MethodGet, "/me", nil)
		req.Header.Set(authHeader, c.user)
		req.Header.Set(wsHeader, c.ws)
		rec := httptest.NewRecorder()
		w.h.ServeHTTP(rec, req)
		if rec.Code != c.status {
			t.Errorf("%s: status %d, want %d; %s", c.name, rec.Code, c.status, rec.Body)
			continue
		}
		if c.status == 200 {
			wantMe(c.email, "admin", "acme-team")(t, rec)
			continue
		}
		var e apiError
		decodeBody(t, rec, &e)
		if e.Code != httpapi.CodeNotSignedIn {
			t.Errorf("%s: code %s, want NOT_SIGNED_IN", c.name, e.Code)
		}
	}
}

func sorted(xs ...string) []string {
	sort.Strings(xs)
	return xs
}
