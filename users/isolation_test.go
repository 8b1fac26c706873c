package users_test

import (
	"errors"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// Nothing crosses workspaces: a user of workspace A is invisible to, and
// unchangeable from, workspace B, and the same email is a different user in
// each.
func TestWorkspaceIsolation(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn, roster.Config{})
		a, b := e.us, e.workspace("acme").Users()
		adminA := e.registerIn(a, users.Registration{Email: "same@example.com"})
		adminB := e.registerIn(b, users.Registration{Email: "SAME@example.com"})
		if adminA.ID == adminB.ID || adminA.Role != users.RoleAdmin || adminB.Role != users.RoleAdmin || adminB.Workspace != "acme" {
			t.Fatalf("the same email in two workspaces: %+v and %+v; want two users, each the first admin of their workspace", adminA, adminB)
		}
		onlyA := e.registerIn(a, users.Registration{Email: "only-a@example.com"})
		e.own(onlyA.ID, access.Agent, "agent-a")
		e.deactivate(onlyA.ID)
		offA := e.registerIn(a, users.Registration{Email: "off-a@example.com"})
		e.deactivate(offA.ID)

		// Invisible.
		if _, err := b.Get(e.ctx, onlyA.ID); !errors.Is(err, users.ErrUserNotFound) {
			t.Errorf("B.Get(A's user) = %v, want ErrUserNotFound", err)
		}
		if _, err := b.ByEmail(e.ctx, "only-a@example.com"); !errors.Is(err, roster.ErrNotFound) {
			t.Errorf("B.ByEmail(A's email) = %v, want ErrNotFound", err)
		}
		if u, err := b.ByEmail(e.ctx, "same@example.com"); err != nil || u.ID != adminB.ID {
			t.Errorf("B.ByEmail(shared email) = %+v, %v; want B's own user %s", u, err, adminB.ID)
		}
		for _, f := range []users.Filter{{}, {Query: "only-a"}, {Active: ptr(false)}, {Roles: []users.Role{users.RoleBasic}}} {
			page, err := b.List(e.ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range page.Users {
				if u.Workspace != "acme" {
					t.Errorf("B.List(%+v) shows %s of workspace %s", f, u.Email, u.Workspace)
				}
			}
			if wantTotal := map[bool]int64{true: 1, false: 0}[f.Query == "" && f.Active == nil && f.Roles == nil]; page.Total != wantTotal {
				t.Errorf("B.List(%+v) total = %d, want %d", f, page.Total, wantTotal)
			}
		}
		if owned, err := b.Owned(e.ctx, onlyA.ID); err != nil || len(owned) != 0 {
			t.Errorf("B.Owned(A's user) = %v, %v; want nothing", owned, err)
		}

		// Unchangeable from B: B's admin (and B's System) get ErrNotFound
		// for A's users; A's admin acting in B gets ErrForbidden.
		for _, actor := range []roster.Actor{access.UserActor(adminB.ID), roster.System} {
			for name, call := range crossCalls(e, b, actor, onlyA.ID, offA.ID, adminB.ID) {
				before := e.snapshot()
				wantErr(t, string(actor)+" in B: "+name+" on A's user", call(), roster.ErrNotFound)
				e.unchanged(before, name)
			}
		}
		other := e.registerIn(b, users.Registration{Email: "other@example.com"})
		e.registerIn(b, users.Registration{Email: "off-b@example.com"})
		for name, call := range crossCalls(e, b, access.UserActor(adminA.ID), other.ID, other.ID, adminB.ID) {
			before := e.snapshot()
			wantErr(t, "A's admin in B: "+name, call(), roster.ErrForbidden)
			e.unchanged(before, name)
		}
		before := e.snapshot()
		_, err := e.d.Default().Resources().Register(e.ctx, roster.System, access.Resource{Kind: access.Agent, ID: "x"},
			resources.Facts{Owner: other.ID})
		wantErr(t, "A registers a resource owned by B's user", err, roster.ErrNotFound)
		e.unchanged(before, "cross-workspace owner")

		// A's user is as it was.
		if u := e.get(onlyA.ID); u.Active || u.Role != users.RoleBasic {
			t.Errorf("A's user after B's attempts: %+v", u)
		}
	})
}

// crossCalls are the mutations of us by actor on target (deactivated
// deactivatedID for Activate and Delete; to is a user of us for transfers).
func crossCalls(e *env, us *users.Service, actor roster.Actor, target, deactivatedID, to string) map[string]func() error {
	return map[string]func() error{
		"SetRole": func() error {
			_, err := us.SetRole(e.ctx, actor, target, users.RoleAdmin)
			return err
		},
		"Deactivate": func() error {
			_, err := us.Deactivate(e.ctx, actor, target)
			return err
		},
		"Activate": func() error {
			_, err := us.Activate(e.ctx, actor, deactivatedID)
			return err
		},
		"Delete": func() error { return us.Delete(e.ctx, actor, deactivatedID) },
		"TransferOwnership from": func() error {
			_, err := us.TransferOwnership(e.ctx, actor, target, to)
			return err
		},
		"TransferOwnership to": func() error {
			_, err := us.TransferOwnership(e.ctx, actor, to, target)
			return err
		},
	}
}
