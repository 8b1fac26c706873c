package users_test

import (
	"fmt"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/users"
)

func TestSetRoleCallers(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		c := newCast(t, dsn)
		tBasic := c.register("t-basic@example.com")
		tCurator := c.register("t-curator@example.com")
		c.setRole(tCurator.ID, users.RoleGlobalCurator)
		tLimited := c.register("t-limited@example.com")
		c.setRole(tLimited.ID, users.RoleLimited)
		tAdmin := c.register("t-admin@example.com")
		c.setRole(tAdmin.ID, users.RoleAdmin)
		changes := []struct {
			target   users.User
			from, to users.Role
		}{
			{tBasic, users.RoleBasic, users.RoleLimited},
			{tBasic, users.RoleBasic, users.RoleAdmin},
			{tBasic, users.RoleBasic, users.RoleGlobalCurator},
			{tCurator, users.RoleGlobalCurator, users.RoleBasic},
			{tLimited, users.RoleLimited, users.RoleGlobalCurator},
			{tAdmin, users.RoleAdmin, users.RoleBasic}, // another active admin remains
			{tBasic, users.RoleBasic, users.RoleBasic}, // no change is still allowed
		}
		for _, who := range c.callers() {
			for _, ch := range changes {
				call := fmt.Sprintf("%s: SetRole(%s, %s → %s)", who.name, ch.target.Email, ch.from, ch.to)
				before := c.snapshot()
				u, err := c.us.SetRole(c.ctx, who.actor, ch.target.ID, ch.to)
				if !who.allowed {
					wantErr(t, call, err, roster.ErrForbidden)
					c.unchanged(before, call)
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", call, err)
					continue
				}
				if got := c.get(ch.target.ID); u.Role != ch.to || got.Role != ch.to || !got.Active {
					t.Errorf("%s returned role %s, Get says %s (active %v); want %s, active", call, u.Role, got.Role, got.Active, ch.to)
				}
				if lines := c.linesOf(ch.target.ID); len(lines) != 1 || lines[0] != roleLine(ch.target.ID, ch.to) {
					t.Errorf("%s: policy lines %q, want only %q", call, lines, roleLine(ch.target.ID, ch.to))
				}
				c.setRole(ch.target.ID, ch.from)
			}
		}
	})
}

func roleLine(id string, r users.Role) string {
	return "g, u:" + id + ", role:" + string(r) + ", " + roster.DefaultWorkspace + ", "
}

// Nobody changes their own role. Authorization comes before validation: an
// admin is told it is a self change; anyone else (a global curator or a
// basic user asking to become admin) is refused for their role first, and
// so is an invalid role they name.
func TestSetRoleSelf(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		c := newCast(t, dsn)
		for name, u := range c.members() {
			for _, to := range []users.Role{users.RoleAdmin, users.RoleBasic, users.RoleLimited, users.RoleGlobalCurator} {
				call := fmt.Sprintf("%s sets own role to %s", name, to)
				before := c.snapshot()
				_, err := c.us.SetRole(c.ctx, access.UserActor(u.ID), u.ID, to)
				if u.Role == users.RoleAdmin {
					wantErr(t, call, err, users.ErrSelfChange, roster.ErrConflict)
				} else {
					wantErr(t, call, err, roster.ErrForbidden)
				}
				c.unchanged(before, call)
			}
			if u.Role != users.RoleAdmin {
				for _, to := range []users.Role{users.RoleCurator, "owner"} {
					call := fmt.Sprintf("%s sets own role to %s", name, to)
					before := c.snapshot()
					_, err := c.us.SetRole(c.ctx, access.UserActor(u.ID), u.ID, to)
					wantErr(t, call, err, roster.ErrForbidden)
					c.unchanged(before, call)
				}
			}
		}
	})
}

func TestSetRoleInvalidRoles(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		c := newCast(t, dsn)
		cases := []struct {
			role users.Role
			want []error
		}{
			{users.RoleCurator, []error{users.ErrCuratorViaGroups, roster.ErrInvalid}}, // derived from group flags only
			{"owner", []error{users.ErrInvalidRole, roster.ErrInvalid}},
			{"", []error{users.ErrInvalidRole, roster.ErrInvalid}},
			{"Admin", []error{users.ErrInvalidRole}},
			{" admin", []error{users.ErrInvalidRole}},
			{"role:admin", []error{users.ErrInvalidRole}},
			{"deactivated", []error{users.ErrInvalidRole}},
		}
		for _, actor := range []roster.Actor{access.UserActor(c.admin.ID), roster.System} {
			for _, cs := range cases {
				call := fmt.Sprintf("%s: SetRole(basic, %q)", actor, cs.role)
				before := c.snapshot()
				_, err := c.us.SetRole(c.ctx, actor, c.basic.ID, cs.role)
				wantErr(t, call, err, cs.want...)
				c.unchanged(before, call)
			}
		}
	})
}

func TestSetRoleUnknownTarget(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		c := newCast(t, dsn)
		targets := map[string]string{
			"unknown id":                 "00000000-0000-0000-0000-000000000000",
			"empty id":                   "",
			"user of another workspace":  c.otherAdmin.ID,
			"id in policy-subject shape": "u:" + c.basic.ID,
		}
		for name, id := range targets {
			for _, actor := range []roster.Actor{access.UserActor(c.admin.ID), roster.System} {
				call := fmt.Sprintf("%s: SetRole(%s)", actor, name)
				before := c.snapshot()
				_, err := c.us.SetRole(c.ctx, actor, id, users.RoleLimited)
				wantErr(t, call, err, users.ErrUserNotFound, roster.ErrNotFound)
				c.unchanged(before, call)
			}
		}
		if u, err := c.otherWS.Users().Get(c.ctx, c.otherAdmin.ID); err != nil || u.Role != users.RoleAdmin {
			t.Errorf("the other workspace's admin after the refusals: %+v, %v", u, err)
		}
	})
}

func TestSetRoleLastActiveAdmin(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn, roster.Config{})
		a := e.register("a@example.com")
		refuse := func(step string, actor roster.Actor, id string, to users.Role, want ...error) {
			t.Helper()
			before := e.snapshot()
			_, err := e.us.SetRole(e.ctx, actor, id, to)
			wantErr(t, step, err, want...)
			e.unchanged(before, step)
		}
		// a is the only admin: nobody can demote them.
		for _, to := range []users.Role{users.RoleBasic, users.RoleLimited, users.RoleGlobalCurator} {
			refuse("system demotes the only admin to "+string(to), roster.System, a.ID, to, users.ErrLastAdmin, roster.ErrConflict)
		}
		// A deactivated admin does not count.
		b := e.register("b@example.com")
		if _, err := e.us.SetRole(e.ctx, access.UserActor(a.ID), b.ID, users.RoleAdmin); err != nil {
			t.Fatal(err)
		}
		if _, err := e.us.Deactivate(e.ctx, access.UserActor(a.ID), b.ID); err != nil {
			t.Fatal(err)
		}
		refuse("system demotes the only active admin", roster.System, a.ID, users.RoleBasic, users.ErrLastAdmin)
		// A deactivated admin can be demoted: they are not active.
		if u, err := e.us.SetRole(e.ctx, access.UserActor(a.ID), b.ID, users.RoleBasic); err != nil || u.Role != users.RoleBasic || u.Active {
			t.Fatalf("demote the deactivated admin: %+v, %v; want basic, inactive", u, err)
		}
		// With a second active admin, the first can be demoted; then the
		// second is the last.
		if _, err := e.us.Activate(e.ctx, access.UserActor(a.ID), b.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.us.SetRole(e.ctx, access.UserActor(a.ID), b.ID, users.RoleAdmin); err != nil {
			t.Fatal(err)
		}
		if u, err := e.us.SetRole(e.ctx, access.UserActor(b.ID), a.ID, users.RoleBasic); err != nil || u.Role != users.RoleBasic {
			t.Fatalf("b demotes a while two admins are active: %+v, %v", u, err)
		}
		refuse("system demotes b, now the last admin", roster.System, b.ID, users.RoleLimited, users.ErrLastAdmin)
		refuse("a, now basic, demotes b", access.UserActor(a.ID), b.ID, users.RoleBasic, roster.ErrForbidden)
		// Re-affirming the last admin's role takes nothing away.
		if _, err := e.us.SetRole(e.ctx, roster.System, b.ID, users.RoleAdmin); err != nil {
			t.Errorf("system sets the last admin to admin: %v", err)
		}
		if page, err := e.us.List(e.ctx, users.Filter{Roles: []users.Role{users.RoleAdmin}, Active: ptr(true)}); err != nil || page.Total != 1 {
			t.Errorf("active admins at the end: %d, %v; want 1", page.Total, err)
		}
	})
}

func ptr[T any](v T) *T { return &v }
