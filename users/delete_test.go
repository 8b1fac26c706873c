package users_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

func TestDeleteCallers(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		c := newCast(t, dsn)
		for _, who := range c.callers() {
			target := c.register("target@example.com")
			c.deactivate(target.ID)
			call := who.name + ": Delete(deactivated target)"
			before := c.snapshot()
			err := c.us.Delete(c.ctx, who.actor, target.ID)
			if !who.allowed {
				wantErr(t, call, err, roster.ErrForbidden)
				c.unchanged(before, call)
				c.deleteAsSystem(target.ID)
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", call, err)
			}
			if _, err := c.us.Get(c.ctx, target.ID); !errors.Is(err, users.ErrUserNotFound) {
				t.Errorf("%s: Get after Delete = %v, want ErrUserNotFound", call, err)
			}
		}
	})
}

func (e *env) deleteAsSystem(id string) {
	e.t.Helper()
	if err := e.us.Delete(e.ctx, roster.System, id); err != nil {
		e.t.Fatalf("Delete(system, %s): %v", id, err)
	}
}

func TestDeleteRefusals(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn, roster.Config{})
		admin := e.register("admin@example.com")
		admin2 := e.register("admin2@example.com")
		e.setRole(admin2.ID, users.RoleAdmin)
		e.deactivate(admin2.ID)
		active := e.register("active@example.com")
		asAdmin := access.UserActor(admin.ID)
		cases := []struct {
			name  string
			actor roster.Actor
			id    string
			want  []error
		}{
			{"admin deletes themselves", asAdmin, admin.ID, []error{users.ErrSelfChange, roster.ErrConflict}},
			{"deactivated admin deletes themselves", access.UserActor(admin2.ID), admin2.ID, []error{roster.ErrForbidden}}, // who asks comes first
			{"active user", asAdmin, active.ID, []error{users.ErrUserActive, roster.ErrConflict}},
			{"active user, by system", roster.System, active.ID, []error{users.ErrUserActive}},
			{"unknown user", asAdmin, "00000000-0000-0000-0000-000000000000", []error{users.ErrUserNotFound, roster.ErrNotFound}},
			{"empty id", asAdmin, "", []error{roster.ErrNotFound}},
		}
		for _, c := range cases {
			before := e.snapshot()
			wantErr(t, c.name, e.us.Delete(e.ctx, c.actor, c.id), c.want...)
			e.unchanged(before, c.name)
		}
	})
}

// A user who owns document sets or agents cannot be deleted until their
// ownership is transferred; connectors do not block. After the transfer the
// delete removes the user's row and every policy line whose subject is the
// user (role, deactivation, memberships, curator flags, shares).
func TestDeleteOwnerAfterTransfer(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn, roster.Config{})
		admin := e.register("admin@example.com")
		asAdmin := access.UserActor(admin.ID)
		heir := e.register("heir@example.com")
		victim := e.register("victim@example.com")
		docs := e.own(victim.ID, access.DocumentSet, "handbook")
		agent := e.own(victim.ID, access.Agent, "helper")
		conn := e.own(victim.ID, access.Connector, "drive")
		shared := access.Resource{Kind: access.Agent, ID: "shared-with-victim"}
		if _, err := e.ws.Resources().Register(e.ctx, roster.System, shared, resources.Facts{Owner: admin.ID, SharedWith: []string{victim.ID}}); err != nil {
			t.Fatal(err)
		}
		g, err := e.ws.CreateGroup(e.ctx, asAdmin, "team", roster.GroupContents{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.ws.Groups().AddMembers(e.ctx, asAdmin, g.ID, []string{victim.ID, heir.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ws.Groups().SetCurator(e.ctx, asAdmin, g.ID, victim.ID, true); err != nil {
			t.Fatal(err)
		}
		e.deactivate(victim.ID)
		if n := len(e.linesOf(victim.ID)); n != 8 {
			t.Fatalf("victim has %d policy lines, want 8 (role, deactivated, member, curator, 3 owned, 1 share): %q", n, e.linesOf(victim.ID))
		}

		before := e.snapshot()
		err = e.us.Delete(e.ctx, asAdmin, victim.ID)
		var owns *users.OwnsResourcesError
		if !errors.As(err, &owns) || !errors.Is(err, users.ErrOwnsResources) || !errors.Is(err, roster.ErrConflict) {
			t.Fatalf("Delete(owner) = %v, want *OwnsResourcesError matching ErrOwnsResources and ErrConflict", err)
		}
		if want := []access.Resource{agent, docs}; owns.UserID != victim.ID || !reflect.DeepEqual(owns.Resources, want) {
			t.Errorf("OwnsResourcesError names %s owning %v, want %s owning %v (not the connector)", owns.UserID, owns.Resources, victim.ID, want)
		}
		if msg := err.Error(); !strings.Contains(msg, "agent:helper") || !strings.Contains(msg, "document_set:handbook") || strings.Contains(msg, "drive") {
			t.Errorf("error text %q should name agent:helper and document_set:handbook only", msg)
		}
		e.unchanged(before, "Delete(owner)")

		wantOwned := func(when, id string, want []access.Resource) {
			t.Helper()
			got, err := e.us.Owned(e.ctx, id)
			if err != nil || len(got) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got, want)) {
				t.Errorf("%s: Owned(%s) = %v, %v; want %v", when, id, got, err, want)
			}
		}
		all := []access.Resource{agent, conn, docs}
		wantOwned("before transfer", victim.ID, all)
		wantOwned("before transfer", heir.ID, nil)
		moved, err := e.us.TransferOwnership(e.ctx, asAdmin, victim.ID, heir.ID)
		if err != nil || !reflect.DeepEqual(moved, all) {
			t.Fatalf("TransferOwnership = %v, %v; want %v", moved, err, all)
		}
		wantOwned("after transfer", victim.ID, nil)
		wantOwned("after transfer", heir.ID, all)

		if err := e.us.Delete(e.ctx, asAdmin, victim.ID); err != nil {
			t.Fatalf("Delete after transfer: %v", err)
		}
		if _, err := e.us.Get(e.ctx, victim.ID); !errors.Is(err, users.ErrUserNotFound) {
			t.Errorf("Get after Delete = %v, want ErrUserNotFound", err)
		}
		if n := e.count("SELECT count(*) FROM roster_users WHERE id = "+e.placeholder(1), victim.ID); n != 0 {
			t.Errorf("roster_users still holds %d rows of the deleted user", n)
		}
		if lines := e.linesOf(victim.ID); len(lines) != 0 {
			t.Errorf("policy lines of the deleted user remain: %q", lines)
		}
		// Everything else survives: the resources, the group, the heir.
		if lines := e.linesOf(heir.ID); len(lines) != 5 {
			t.Errorf("heir's lines = %q, want role, membership and 3 owned", lines)
		}
		for _, r := range append(all, shared) {
			if n := e.count("SELECT count(*) FROM casbin_rule WHERE v3 = 'exists' AND v2 = "+e.placeholder(1), r.String()); n != 1 {
				t.Errorf("resource %s no longer registered after the delete", r)
			}
		}
		if _, err := e.ws.Groups().Get(e.ctx, g.ID); err != nil {
			t.Errorf("group after deleting a member: %v", err)
		}
	})
}

func TestDeleteConnectorOwner(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn, roster.Config{})
		admin := e.register("admin@example.com")
		u := e.register("u@example.com")
		conn := e.own(u.ID, access.Connector, "drive")
		e.deactivate(u.ID)
		if err := e.us.Delete(e.ctx, access.UserActor(admin.ID), u.ID); err != nil {
			t.Fatalf("Delete(owner of a connector only) = %v, want success: connectors do not block", err)
		}
		if lines := e.linesOf(u.ID); len(lines) != 0 {
			t.Errorf("lines of the deleted connector owner remain: %q", lines)
		}
		if n := e.count("SELECT count(*) FROM casbin_rule WHERE v3 = 'exists' AND v2 = "+e.placeholder(1), conn.String()); n != 1 {
			t.Errorf("the connector went with its owner")
		}
	})
}

type transferCase struct {
	name     string
	actor    roster.Actor
	from, to string
	want     []error
}

func TestTransferOwnershipRefusals(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		c := newCast(t, dsn)
		owner := c.register("owner@example.com")
		c.own(owner.ID, access.Agent, "a1")
		asAdmin := access.UserActor(c.admin.ID)
		unknown := "00000000-0000-0000-0000-000000000000"
		cases := []transferCase{
			{"to the same user", asAdmin, owner.ID, owner.ID, []error{roster.ErrInvalid}},
			{"unknown from", asAdmin, unknown, c.basic.ID, []error{roster.ErrNotFound}},
			{"unknown to", asAdmin, owner.ID, unknown, []error{roster.ErrNotFound}},
			{"to another workspace's user", asAdmin, owner.ID, c.otherAdmin.ID, []error{roster.ErrNotFound}},
		}
		for _, who := range c.callers() {
			if !who.allowed {
				cases = append(cases, transferCase{who.name, who.actor, owner.ID, c.basic.ID, []error{roster.ErrForbidden}},
					// Authorization comes before validation: a non-admin
					// naming one user twice is forbidden, not told the input
					// is invalid (found by TestStateful, seed
					// 2481284486562612080).
					transferCase{who.name + " to the same user", who.actor, owner.ID, owner.ID, []error{roster.ErrForbidden}})
			}
		}
		// The owner transferring their own resources is no admin either.
		cases = append(cases, transferCase{"the owner", access.UserActor(owner.ID), owner.ID, c.basic.ID, []error{roster.ErrForbidden}})
		for _, cs := range cases {
			call := "TransferOwnership: " + cs.name
			before := c.snapshot()
			moved, err := c.us.TransferOwnership(c.ctx, cs.actor, cs.from, cs.to)
			wantErr(t, call, err, cs.want...)
			if moved != nil {
				t.Errorf("%s: moved %v with an error", call, moved)
			}
			c.unchanged(before, call)
		}
	})
}
