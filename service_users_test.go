package roster_test

import (
	"errors"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/invites"
	"github.com/rosterhq/roster/ratelimit"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// TestServiceAdminIsNotTheLastAdmin: a workspace whose only other admin is
// an API key still refuses to demote, deactivate or delete its last person
// admin; the API key's admin user itself is never protected.
func TestServiceAdminIsNotTheLastAdmin(t *testing.T) {
	rostertest.ForEachEnv(t, func(e *rostertest.Env) {
		s := &scimEnv{Env: e}
		key, _, err := e.W.CreateAPIKey(e.Ctx, e.As("admin"), "Ops bot", users.RoleAdmin)
		e.Must("CreateAPIKey", err)
		bot := access.UserActor(key.UserID)
		us, admin := e.W.Users(), e.Users["admin"]
		before := s.state()
		_, err = us.SetRole(e.Ctx, bot, admin, users.RoleBasic)
		s.refused("SetRole of the last person admin by an admin key", before, err, users.ErrLastAdmin, "The workspace must keep at least one active admin.")
		_, err = us.Deactivate(e.Ctx, bot, admin)
		s.refused("Deactivate the last person admin by an admin key", before, err, users.ErrLastAdmin, "The workspace must keep at least one active admin.")
		// The key's user is an admin in every other respect.
		_, err = us.SetRole(e.Ctx, bot, e.User("bob", users.RoleBasic), users.RoleGlobalCurator)
		e.Must("SetRole by an admin key", err)
		// Demoting or deactivating the key's user is never a last-admin case.
		_, err = us.Deactivate(e.Ctx, e.As("admin"), key.UserID)
		e.Must("Deactivate the admin key's user", err)
		_, err = us.Activate(e.Ctx, e.As("admin"), key.UserID)
		e.Must("Activate the admin key's user", err)
		_, err = e.W.UpdateAPIKey(e.Ctx, e.As("admin"), key.ID, "Ops bot", users.RoleBasic)
		e.Must("UpdateAPIKey to basic", err)
		_, err = us.SetRole(e.Ctx, e.As("admin"), key.UserID, users.RoleAdmin)
		e.Must("SetRole of the key's user to admin", err)
		_, err = us.SetRole(e.Ctx, e.As("admin"), key.UserID, users.RoleGlobalCurator)
		rostertest.WantErr(t, "SetRole of a key's user to global_curator", err, users.ErrInvalidRole)
		// A second person admin makes the first removable, key or not.
		_, err = us.SetRole(e.Ctx, e.As("admin"), e.Users["bob"], users.RoleAdmin)
		e.Must("SetRole bob admin", err)
		_, err = us.SetRole(e.Ctx, bot, admin, users.RoleBasic)
		e.Must("SetRole of a person admin who is not the last", err)
	})
}

// TestServiceUserIsNeverTheFirstAdmin: API keys made before any person do
// not stop the first person from becoming admin, whatever their role.
func TestServiceUserIsNeverTheFirstAdmin(t *testing.T) {
	rostertest.ForEachEnv(t, func(e *rostertest.Env) {
		w, err := e.D.CreateWorkspace(e.Ctx, roster.System, "fresh", "Fresh")
		e.Must("CreateWorkspace", err)
		basic, _, err := w.CreateAPIKey(e.Ctx, roster.System, "first", users.RoleBasic)
		e.Must("CreateAPIKey basic", err)
		_, _, err = w.CreateAPIKey(e.Ctx, roster.System, "second", users.RoleAdmin)
		e.Must("CreateAPIKey admin", err)
		if u, _ := w.Users().Get(e.Ctx, basic.UserID); u.Role != users.RoleBasic {
			t.Errorf("the first user, a service user, is %s, want basic", u.Role)
		}
		u, err := w.Users().Register(e.Ctx, users.Registration{Email: "founder@example.com"})
		e.Must("Register the first person", err)
		if u.Role != users.RoleAdmin || u.Kind != users.KindPerson {
			t.Errorf("the first person = %+v, want an admin person", u)
		}
		u, err = w.Users().Register(e.Ctx, users.Registration{Email: "second@example.com"})
		e.Must("Register the second person", err)
		if u.Role != users.RoleBasic {
			t.Errorf("the second person is %s, want basic", u.Role)
		}
	})
}

// TestServiceUsersPassNoGate: with a closed gate and allowed domains, API
// keys are still created, while a person is refused.
func TestServiceUsersPassNoGate(t *testing.T) {
	rostertest.ForEachEnv(t, func(e *rostertest.Env) {
		_, err := e.W.Invites().SetSettings(e.Ctx, e.As("admin"), invites.Settings{Mode: invites.ModeInviteOnly, AllowedDomains: []string{"example.com"}})
		e.Must("SetSettings", err)
		_, err = e.W.Users().Register(e.Ctx, users.Registration{Email: "eve@example.com"})
		rostertest.WantErr(t, "Register an uninvited person", err, invites.ErrInviteRequired)
		_, err = e.W.Users().Register(e.Ctx, users.Registration{Email: "eve@other.org", Source: users.SourceSSO})
		rostertest.WantErr(t, "Register a person of another domain", err, invites.ErrDomainNotAllowed)
		key, _, err := e.W.CreateAPIKey(e.Ctx, e.As("admin"), "CI", users.RoleLimited)
		e.Must("CreateAPIKey behind a closed gate", err)
		if u, err := e.W.Users().Get(e.Ctx, key.UserID); err != nil || u.Role != users.RoleLimited {
			t.Errorf("the key's user = %+v, %v", u, err)
		}
		// A service principal registered directly passes the domain check too.
		u, err := e.W.Users().Register(e.Ctx, users.Registration{Email: "robot@other.org", Source: users.SourceService, Actor: roster.System})
		e.Must("Register a service principal of another domain", err)
		if u.Kind != users.KindService {
			t.Errorf("Register(SourceService) = %+v, want a service user", u)
		}
	})
}

// TestAPIKeyMeetsGlobalLimitsOnly: a key's user in a limited group, with a
// user limit set, meets only the global limit.
func TestAPIKeyMeetsGlobalLimitsOnly(t *testing.T) {
	rostertest.ForEachEnv(t, func(e *rostertest.Env) {
		key, _, err := e.W.CreateAPIKey(e.Ctx, e.As("admin"), "CI", users.RoleBasic)
		e.Must("CreateAPIKey", err)
		g := e.Group("eng", "admin")
		_, err = e.GS.AddMembers(e.Ctx, e.As("admin"), g, []string{key.UserID})
		e.Must("AddMembers", err)
		lim := e.W.Limits()
		for _, l := range []ratelimit.Limit{
			{Scope: ratelimit.ScopeUser, Budget: 10, Period: time.Hour, Enabled: true},
			{Scope: ratelimit.ScopeGroup, GroupID: g, Budget: 10, Period: time.Hour, Enabled: true},
			{Scope: ratelimit.ScopeGlobal, Budget: 100, Period: time.Hour, Enabled: true},
		} {
			_, err := lim.CreateLimit(e.Ctx, e.As("admin"), l)
			e.Must("CreateLimit", err)
		}
		st, err := lim.Status(e.Ctx, key.UserID)
		e.Must("Status", err)
		if st.User.Limited || st.Group.Limited || !st.Global.Limited {
			t.Errorf("Status of the key's user = %+v, want the global limit only", st)
		}
		e.Must("Record", lim.Record(e.Ctx, key.UserID, 50))
		if err := lim.Check(e.Ctx, key.UserID, 0); err != nil {
			t.Errorf("Check after 50 tokens (user and group budgets are 10): %v, want allowed", err)
		}
		e.Must("Record", lim.Record(e.Ctx, key.UserID, 50))
		if err := lim.Check(e.Ctx, key.UserID, 0); !errors.Is(err, ratelimit.ErrRateLimited) {
			t.Errorf("Check after 100 tokens (the global budget): %v, want ErrRateLimited", err)
		}
		// A person in the same group meets the user and group limits.
		st, err = lim.Status(e.Ctx, e.Users["admin"])
		e.Must("Status", err)
		if !st.User.Limited || !st.Group.Limited {
			t.Errorf("Status of a person = %+v, want user and group limits", st)
		}
	})
}

// TestServiceUserIsNeverACurator: an API key's basic user in a group cannot
// be given the group's curator flag.
func TestServiceUserIsNeverACurator(t *testing.T) {
	rostertest.ForEachEnv(t, func(e *rostertest.Env) {
		s := &scimEnv{Env: e}
		key, _, err := e.W.CreateAPIKey(e.Ctx, e.As("admin"), "CI", users.RoleBasic)
		e.Must("CreateAPIKey", err)
		g := e.Group("eng", "admin")
		_, err = e.GS.AddMembers(e.Ctx, e.As("admin"), g, []string{key.UserID})
		e.Must("AddMembers", err)
		before := s.state()
		_, err = e.GS.SetCurator(e.Ctx, e.As("admin"), g, key.UserID, true)
		s.refused("SetCurator of a key's user", before, err, groups.ErrNotEligible, "An API key's user cannot be a curator.")
	})
}

// TestDeactivatedKeyUser: a deactivated service user's key authenticates,
// but every check and call of that user is denied until it is activated.
func TestDeactivatedKeyUser(t *testing.T) {
	rostertest.ForEachEnv(t, func(e *rostertest.Env) {
		key, raw, err := e.W.CreateAPIKey(e.Ctx, e.As("admin"), "Ops", users.RoleAdmin)
		e.Must("CreateAPIKey", err)
		conn := e.Register(rostertest.Connector("c1"), resources.Facts{})
		_, err = e.W.Users().Deactivate(e.Ctx, e.As("admin"), key.UserID)
		e.Must("Deactivate", err)
		got, err := e.D.Authenticate(e.Ctx, raw)
		e.Must("Authenticate", err)
		if ok, _ := e.W.Access().Can(e.Ctx, got.UserID, access.View, conn); ok {
			t.Error("a deactivated admin key's user may view c1")
		}
		_, _, err = e.W.Tokens().CreateSCIM(e.Ctx, access.UserActor(got.UserID), "x")
		rostertest.WantErr(t, "CreateSCIM by a deactivated key's user", err, roster.ErrForbidden)
		_, err = e.W.Users().Activate(e.Ctx, e.As("admin"), key.UserID)
		e.Must("Activate", err)
		if ok, _ := e.W.Access().Can(e.Ctx, got.UserID, access.View, conn); !ok {
			t.Error("an activated admin key's user may not view c1")
		}
	})
}
