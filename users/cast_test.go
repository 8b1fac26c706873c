package users_test

import (
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/users"
)

// cast is a workspace with one user per kind of caller, for scenario tables:
// an active admin, a deactivated admin, a global curator, a basic and a
// limited user, and the admin of another workspace.
type cast struct {
	*env
	admin, deadAdmin, curator, basic, limited users.User
	otherWS                                   *roster.Workspace
	otherAdmin                                users.User
}

func newCast(t *testing.T, dsn string) *cast {
	t.Helper()
	e := newEnv(t, dsn, roster.Config{})
	c := &cast{env: e}
	c.admin = e.register("admin@example.com")
	c.deadAdmin = e.register("dead-admin@example.com")
	e.setRole(c.deadAdmin.ID, users.RoleAdmin)
	e.deactivate(c.deadAdmin.ID)
	c.curator = e.register("global-curator@example.com")
	e.setRole(c.curator.ID, users.RoleGlobalCurator)
	c.basic = e.register("basic@example.com")
	c.limited = e.register("limited@example.com")
	e.setRole(c.limited.ID, users.RoleLimited)
	c.otherWS = e.workspace("other")
	c.otherAdmin = e.registerIn(c.otherWS.Users(), users.Registration{Email: "other-admin@example.com"})
	if c.otherAdmin.Role != users.RoleAdmin {
		t.Fatalf("first user of workspace other is %s, want admin", c.otherAdmin.Role)
	}
	return c
}

// caller is one row of a permission scenario table.
type caller struct {
	name    string
	actor   roster.Actor
	allowed bool // admins and System; everyone else is refused with ErrForbidden
}

// callers returns one row per kind of caller. None of them is a target of
// the scenario tables, so no row is a self change.
func (c *cast) callers() []caller {
	return []caller{
		{"admin", access.UserActor(c.admin.ID), true},
		{"system", roster.System, true},
		{"global curator", access.UserActor(c.curator.ID), false},
		{"basic", access.UserActor(c.basic.ID), false},
		{"limited", access.UserActor(c.limited.ID), false},
		{"deactivated admin", access.UserActor(c.deadAdmin.ID), false},
		{"admin of another workspace", access.UserActor(c.otherAdmin.ID), false},
		{"unknown user", access.UserActor("00000000-0000-0000-0000-000000000000"), false},
		{"empty actor", "", false},
		{"actor that is no user", "admin", false},
		{"user actor with empty id", "u:", false},
	}
}

// members returns the cast's users of the default workspace by name.
func (c *cast) members() map[string]users.User {
	return map[string]users.User{"admin": c.admin, "deactivated admin": c.deadAdmin,
		"global curator": c.curator, "basic": c.basic, "limited": c.limited}
}
