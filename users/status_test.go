package users_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

func TestDeactivateActivateCallers(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		c := newCast(t, dsn)
		target := c.register("target@example.com")
		for _, who := range c.callers() {
			call := who.name + ": Deactivate(target)"
			before := c.snapshot()
			u, err := c.us.Deactivate(c.ctx, who.actor, target.ID)
			if !who.allowed {
				wantErr(t, call, err, roster.ErrForbidden)
				c.unchanged(before, call)
				// Activate is refused the same way, on a deactivated target.
				c.deactivate(target.ID)
				call = who.name + ": Activate(target)"
				before = c.snapshot()
				_, err = c.us.Activate(c.ctx, who.actor, target.ID)
				wantErr(t, call, err, roster.ErrForbidden)
				c.unchanged(before, call)
				if _, err := c.us.Activate(c.ctx, roster.System, target.ID); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if err != nil || u.Active || c.get(target.ID).Active {
				t.Errorf("%s = %+v, %v; want the user inactive", call, u, err)
			}
			u, err = c.us.Activate(c.ctx, who.actor, target.ID)
			if err != nil || !u.Active || !c.get(target.ID).Active {
				t.Errorf("%s: Activate(target) = %+v, %v; want the user active", who.name, u, err)
			}
		}
	})
}

// Deactivation adds exactly the deactivated line and keeps every other line
// of the user (role, group membership, curator flag, ownership); Activate
// removes exactly that line.
func TestDeactivateKeepsEverything(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn, roster.Config{})
		admin := e.register("admin@example.com")
		asAdmin := access.UserActor(admin.ID)
		for _, role := range []users.Role{users.RoleGlobalCurator, users.RoleLimited, users.RoleBasic, users.RoleAdmin} {
			u := e.register("user-" + string(role) + "@example.com")
			e.setRole(u.ID, role)
			agent := e.own(u.ID, access.Agent, "agent-of-"+string(role))
			g, err := e.ws.CreateGroup(e.ctx, asAdmin, "group of "+string(role), roster.GroupContents{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.ws.Groups().AddMembers(e.ctx, asAdmin, g.ID, []string{u.ID}); err != nil {
				t.Fatal(err)
			}
			if role == users.RoleBasic {
				// A basic member with a curator flag is a curator.
				if _, err := e.ws.Groups().SetCurator(e.ctx, asAdmin, g.ID, u.ID, true); err != nil {
					t.Fatal(err)
				}
				role = users.RoleCurator
			}
			before := e.linesOf(u.ID)
			if len(before) < 3 {
				t.Fatalf("%s: lines before deactivation %q, want role, membership and ownership at least", role, before)
			}
			d, err := e.us.Deactivate(e.ctx, asAdmin, u.ID)
			if err != nil || d.Active || d.Role != role {
				t.Fatalf("Deactivate %s = %+v, %v; want inactive, role kept", role, d, err)
			}
			want := append([]string{"g, u:" + u.ID + ", deactivated, default, "}, before...)
			if got := e.linesOf(u.ID); !sameSet(got, want) {
				t.Errorf("%s: lines after Deactivate = %q, want %q", role, got, want)
			}
			page, err := e.us.List(e.ctx, users.Filter{Query: u.Email})
			if err != nil || len(page.Users) != 1 || page.Users[0].Role != role || page.Users[0].Active {
				t.Errorf("List shows the deactivated %s as %+v, %v; want role kept, inactive", role, page.Users, err)
			}
			if owned, err := e.us.Owned(e.ctx, u.ID); err != nil || !reflect.DeepEqual(owned, []access.Resource{agent}) {
				t.Errorf("%s: owned while deactivated = %v, %v; want %v", role, owned, err, agent)
			}
			a, err := e.us.Activate(e.ctx, asAdmin, u.ID)
			if err != nil || !a.Active || a.Role != role {
				t.Fatalf("Activate %s = %+v, %v; want active, role kept", role, a, err)
			}
			if got := e.linesOf(u.ID); !sameSet(got, before) {
				t.Errorf("%s: lines after Activate = %q, want as before deactivation %q", role, got, before)
			}
		}
	})
}

// A deactivated user is denied every access check at once, and Activate
// gives their access back.
func TestDeactivateDeniesAccessAtOnce(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn, roster.Config{})
		admin := e.register("admin@example.com")
		bob := e.register("bob@example.com")
		mine := e.own(bob.ID, access.Agent, "bobs-agent")
		public := access.Resource{Kind: access.DocumentSet, ID: "handbook"}
		if _, err := e.ws.Resources().Register(e.ctx, roster.System, public, resources.Facts{Public: true}); err != nil {
			t.Fatal(err)
		}
		ax := e.ws.Access()
		check := func(when string, want bool) {
			t.Helper()
			for _, r := range []access.Resource{mine, public} {
				for _, act := range []access.Action{access.View, access.Edit} {
					if act == access.Edit && r == public {
						continue // nobody but admins edits the ownerless public set
					}
					got, err := ax.Can(e.ctx, bob.ID, act, r)
					if err != nil || got != want {
						t.Errorf("%s: Can(bob, %s, %s) = %v, %v; want %v", when, act, r, got, err, want)
					}
				}
			}
			acl, err := ax.ACLFor(e.ctx, bob.ID)
			if err != nil || (len(acl) == 0) == want {
				t.Errorf("%s: ACLFor(bob) = %v, %v; want empty: %v", when, acl, err, !want)
			}
		}
		check("active", true)
		if _, err := e.us.Deactivate(e.ctx, access.UserActor(admin.ID), bob.ID); err != nil {
			t.Fatal(err)
		}
		check("deactivated", false)
		if _, err := e.us.Activate(e.ctx, access.UserActor(admin.ID), bob.ID); err != nil {
			t.Fatal(err)
		}
		check("activated again", true)
	})
}

func TestDeactivateSelfAndLastAdmin(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn, roster.Config{})
		a := e.register("a@example.com")
		b := e.register("b@example.com")
		refuse := func(step string, err error, before snapshot, want ...error) {
			t.Helper()
			wantErr(t, step, err, want...)
			e.unchanged(before, step)
		}
		before := e.snapshot()
		_, err := e.us.Deactivate(e.ctx, access.UserActor(a.ID), a.ID)
		refuse("the admin deactivates themselves", err, before, users.ErrSelfChange, roster.ErrConflict)
		before = e.snapshot()
		_, err = e.us.Deactivate(e.ctx, roster.System, a.ID)
		refuse("system deactivates the only admin", err, before, users.ErrLastAdmin, roster.ErrConflict)

		// Two admins: one deactivates the other; the remaining one is the
		// last and cannot be deactivated by anyone.
		if _, err := e.us.SetRole(e.ctx, access.UserActor(a.ID), b.ID, users.RoleAdmin); err != nil {
			t.Fatal(err)
		}
		if u, err := e.us.Deactivate(e.ctx, access.UserActor(a.ID), b.ID); err != nil || u.Active || u.Role != users.RoleAdmin {
			t.Fatalf("a deactivates admin b = %+v, %v; want b inactive, still admin", u, err)
		}
		before = e.snapshot()
		_, err = e.us.Deactivate(e.ctx, roster.System, a.ID)
		refuse("system deactivates the remaining admin", err, before, users.ErrLastAdmin)
		before = e.snapshot()
		_, err = e.us.Deactivate(e.ctx, access.UserActor(b.ID), a.ID)
		refuse("deactivated b deactivates a", err, before, roster.ErrForbidden)
		before = e.snapshot()
		_, err = e.us.Activate(e.ctx, access.UserActor(b.ID), b.ID)
		refuse("deactivated b activates themselves", err, before, roster.ErrForbidden) // who asks comes first

		// Deactivating a deactivated user leaves them so and writes nothing:
		// no line, no audit event, no version.
		before = e.snapshot()
		if u, err := e.us.Deactivate(e.ctx, access.UserActor(a.ID), b.ID); err != nil || u.Active {
			t.Errorf("deactivate twice = %+v, %v; want inactive, no error", u, err)
		}
		e.unchanged(before, "deactivating a deactivated user")
		if u, err := e.us.Activate(e.ctx, access.UserActor(a.ID), b.ID); err != nil || !u.Active || u.Role != users.RoleAdmin {
			t.Errorf("Activate b = %+v, %v; want active admin", u, err)
		}
	})
}

// A deactivated admin is refused every mutation and the audit trail,
// whatever the role line says.
func TestDeactivatedAdminIsRefusedEverything(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		c := newCast(t, dsn)
		victim := c.register("victim@example.com")
		c.deactivate(victim.ID)
		off := c.register("off@example.com")
		c.deactivate(off.ID)
		as := access.UserActor(c.deadAdmin.ID)
		calls := map[string]func() error{
			"SetRole": func() error {
				_, err := c.us.SetRole(c.ctx, as, c.basic.ID, users.RoleLimited)
				return err
			},
			"Deactivate": func() error {
				_, err := c.us.Deactivate(c.ctx, as, c.basic.ID)
				return err
			},
			"Activate": func() error {
				_, err := c.us.Activate(c.ctx, as, off.ID)
				return err
			},
			"Delete": func() error { return c.us.Delete(c.ctx, as, victim.ID) },
			"TransferOwnership": func() error {
				_, err := c.us.TransferOwnership(c.ctx, as, c.basic.ID, c.admin.ID)
				return err
			},
			"Audit": func() error {
				_, err := c.ws.Audit(c.ctx, as, roster.AuditFilter{})
				return err
			},
			"Resources.Register": func() error {
				_, err := c.ws.Resources().Register(c.ctx, as, access.Resource{Kind: access.Agent, ID: "a1"},
					resources.Facts{Owner: c.deadAdmin.ID})
				return err
			},
			"Groups.Create": func() error {
				_, err := c.ws.CreateGroup(c.ctx, as, "mine", roster.GroupContents{})
				return err
			},
		}
		for name, call := range calls {
			before := c.snapshot()
			wantErr(t, "deactivated admin: "+name, call(), roster.ErrForbidden)
			c.unchanged(before, "deactivated admin: "+name)
		}
	})
}

// sameSet reports whether a and b hold the same strings, ignoring order.
func sameSet(a, b []string) bool {
	return fmt.Sprint(sorted(a)) == fmt.Sprint(sorted(b))
}
