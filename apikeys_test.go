package roster_test

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/tokens"
	"github.com/rosterhq/roster/users"
)

// TestAPIKeyRoles: a key's role is basic, limited or admin; anything else
// is refused and writes nothing; UpdateAPIKey renames and changes the role.
func TestAPIKeyRoles(t *testing.T) {
	rostertest.ForEachEnv(t, func(e *rostertest.Env) {
		s := &scimEnv{Env: e}
		for _, role := range []users.Role{users.RoleBasic, users.RoleLimited, users.RoleAdmin} {
			key, _, err := e.W.CreateAPIKey(e.Ctx, e.As("admin"), "key "+string(role), role)
			e.Must("CreateAPIKey "+string(role), err)
			u, err := e.W.Users().Get(e.Ctx, key.UserID)
			e.Must("Get", err)
			if key.Role != role || u.Role != role || u.Kind != users.KindService {
				t.Errorf("CreateAPIKey(%s): key role %s, user %+v", role, key.Role, u)
			}
		}
		before := s.state()
		for _, role := range []users.Role{users.RoleGlobalCurator, users.RoleCurator, "owner", ""} {
			_, _, err := e.W.CreateAPIKey(e.Ctx, e.As("admin"), "bad", role)
			s.refused(fmt.Sprintf("CreateAPIKey(%q)", role), before, err, users.ErrInvalidRole, "An API key's role is basic, limited or admin.")
		}
		keys, err := e.W.Tokens().List(e.Ctx, e.As("admin"), tokens.KindAPIKey)
		e.Must("List", err)
		if len(keys) != 3 {
			t.Fatalf("List = %d keys, want 3", len(keys))
		}
		k := keys[0] // "key admin"
		got, err := e.W.UpdateAPIKey(e.Ctx, e.As("admin"), k.ID, " Deploy bot ", users.RoleLimited)
		e.Must("UpdateAPIKey", err)
		if got.Name != "Deploy bot" || got.Role != users.RoleLimited || got.UserID != k.UserID {
			t.Errorf("UpdateAPIKey = %+v, want Deploy bot, limited, same user", got)
		}
		if u, _ := e.W.Users().Get(e.Ctx, k.UserID); u.Role != users.RoleLimited {
			t.Errorf("service user role after UpdateAPIKey = %s, want limited", u.Role)
		}
		before = s.state()
		_, err = e.W.UpdateAPIKey(e.Ctx, e.As("admin"), k.ID, "Deploy bot", users.RoleGlobalCurator)
		s.refused("UpdateAPIKey to global_curator", before, err, users.ErrInvalidRole, "An API key's role is basic, limited or admin.")
		_, err = e.W.UpdateAPIKey(e.Ctx, e.As("admin"), k.ID, "key basic", users.RoleBasic)
		s.refused("UpdateAPIKey to a taken name", before, err, tokens.ErrDuplicateName, `An API key named "key basic" already exists.`)
		_, err = e.W.UpdateAPIKey(e.Ctx, e.As("admin"), k.ID, " ", users.RoleBasic)
		s.refused("UpdateAPIKey to a blank name", before, err, tokens.ErrInvalidName, "A token name is 1 to 100 characters long, without control characters.")
		_, err = e.W.Users().ChangeEmail(e.Ctx, e.As("admin"), k.UserID, "bot@example.com")
		s.refused("ChangeEmail of a service user", before, err, users.ErrServiceEmail, "An API key's user has no email address to change.")
	})
}

// TestServiceUsersAreListedApart: the user list shows people unless it asks
// for service users.
func TestServiceUsersAreListedApart(t *testing.T) {
	rostertest.ForEachEnv(t, func(e *rostertest.Env) {
		key, _, err := e.W.CreateAPIKey(e.Ctx, e.As("admin"), "CI", users.RoleAdmin)
		e.Must("CreateAPIKey", err)
		emails := func(f users.Filter) string {
			page, err := e.W.Users().List(e.Ctx, f)
			e.Must("List", err)
			var list []string
			for _, u := range page.Users {
				list = append(list, u.Email)
			}
			sort.Strings(list) // the databases' collations order them differently
			return strings.TrimSpace(fmt.Sprint(page.Total, " ", strings.Join(list, " ")))
		}
		svc := key.ID + "@api-key.invalid"
		both := []string{svc, "admin@example.com"}
		sort.Strings(both)
		for _, tc := range []struct {
			name string
			f    users.Filter
			want string
		}{
			{"default: people", users.Filter{}, "1 admin@example.com"},
			{"admins: people", users.Filter{Roles: []users.Role{users.RoleAdmin}}, "1 admin@example.com"},
			{"people", users.Filter{Kinds: []users.Kind{users.KindPerson}}, "1 admin@example.com"},
			{"service users", users.Filter{Kinds: []users.Kind{users.KindService}}, "1 " + svc},
			{"both", users.Filter{Kinds: []users.Kind{users.KindService, users.KindPerson}}, "2 " + strings.Join(both, " ")},
			{"service users among admins", users.Filter{Kinds: []users.Kind{users.KindService}, Roles: []users.Role{users.RoleBasic}}, "0"},
		} {
			if got := emails(tc.f); got != tc.want {
				t.Errorf("%s: List = %q, want %q", tc.name, got, tc.want)
			}
		}
		_, err = e.W.Users().List(e.Ctx, users.Filter{Kinds: []users.Kind{"robot"}})
		if !errors.Is(err, roster.ErrInvalid) || access.Sentence(err, nil) != `There is no kind of user "robot".` {
			t.Errorf("List of an unknown kind: %v (%q), want ErrInvalid naming it", err, access.Sentence(err, nil))
		}
	})
}
