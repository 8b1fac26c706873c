package roster_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// trail returns the whole audit trail of w, newest first, as System.
func trail(t *testing.T, w *roster.Workspace) roster.AuditPage {
	t.Helper()
	page, err := w.Audit(context.Background(), roster.System, roster.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatalf("Audit: %v", err)
	}
	if int64(len(page.Events)) != page.Total {
		t.Fatalf("Audit returned %d of %d events in one page of 1000", len(page.Events), page.Total)
	}
	return page
}

func mustRegister(t *testing.T, us *users.Service, reg users.Registration) users.User {
	t.Helper()
	u, err := us.Register(context.Background(), reg)
	if err != nil {
		t.Fatalf("Register(%q): %v", reg.Email, err)
	}
	return u
}

// auditLog checks, call after call, what each call wrote to the trail.
type auditLog struct {
	t     *testing.T
	d     *roster.Directory
	w     *roster.Workspace
	total int64
}

// wrote checks that the call succeeded and wrote exactly one event with the
// actor, action and target given, at the Directory's version and the fake
// clock's time, whose details include want.
func (l *auditLog) wrote(call string, err error, actor roster.Actor, action, target string, want map[string]any) {
	l.t.Helper()
	if err != nil {
		l.t.Fatalf("%s: %v", call, err)
	}
	page := trail(l.t, l.w)
	if page.Total != l.total+1 {
		l.t.Fatalf("%s wrote %d audit events, want 1", call, page.Total-l.total)
	}
	l.total = page.Total
	ev := page.Events[0]
	if ev.Actor != actor || ev.Action != action || ev.Target != target {
		l.t.Errorf("%s: event (%s, %s, %s), want (%s, %s, %s)", call, ev.Actor, ev.Action, ev.Target, actor, action, target)
	}
	if now := rostertest.NewClock().Now(); ev.Version != l.d.Version() || !ev.At.Equal(now) {
		l.t.Errorf("%s: event at version %d, time %v; want version %d (the change's), time %v", call, ev.Version, ev.At, l.d.Version(), now)
	}
	if ev.Details == nil {
		l.t.Errorf("%s: details are nil, want a (possibly empty) map", call)
	}
	for k, v := range want {
		if fmt.Sprint(ev.Details[k]) != fmt.Sprint(v) {
			l.t.Errorf("%s: details[%q] = %v, want %v (details %v)", call, k, ev.Details[k], v, ev.Details)
		}
	}
}

// refused checks that the call failed and wrote nothing.
func (l *auditLog) refused(call string, err error) {
	l.t.Helper()
	if err == nil {
		l.t.Fatalf("%s succeeded, want a refusal", call)
	}
	if page := trail(l.t, l.w); page.Total != l.total {
		l.t.Errorf("%s was refused (%v) but wrote %d audit events", call, err, page.Total-l.total)
	}
}

// Every successful mutation writes exactly one event naming its actor,
// action and target, at the version of the change; a refused mutation
// writes none. System is recorded as "system".
func TestAuditRecordsEveryMutation(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		d := open(t, dsn)
		w := d.Default()
		us := w.Users()
		log := &auditLog{t: t, d: d, w: w, total: trail(t, w).Total}

		admin, err := us.Register(ctx, users.Registration{Email: "admin@x.com"})
		asAdmin := access.UserActor(admin.ID)
		log.wrote("first admin signs up", err, asAdmin, "user.register", admin.ID, map[string]any{"role": "admin", "source": "password", "kind": "person"})
		bob, err := us.Register(ctx, users.Registration{Email: "bob@x.com", Source: users.SourceSCIM, Actor: roster.System})
		log.wrote("System registers bob", err, "system", "user.register", bob.ID, map[string]any{"role": "basic", "source": "scim"})
		carol, err := us.Register(ctx, users.Registration{Email: "carol@x.com"})
		log.wrote("carol signs up", err, access.UserActor(carol.ID), "user.register", carol.ID, nil)
		_, err = us.Register(ctx, users.Registration{Email: "Carol@x.com"})
		log.refused("duplicate sign-up", err)

		_, err = us.SetRole(ctx, asAdmin, bob.ID, users.RoleLimited)
		log.wrote("admin makes bob limited", err, asAdmin, "user.set_role", bob.ID, map[string]any{"from": "basic", "to": "limited"})
		_, err = us.SetRole(ctx, roster.System, bob.ID, users.RoleGlobalCurator)
		log.wrote("System makes bob global curator", err, "system", "user.set_role", bob.ID, map[string]any{"from": "limited", "to": "global_curator"})
		_, err = us.SetRole(ctx, access.UserActor(bob.ID), carol.ID, users.RoleLimited)
		log.refused("bob sets carol's role", err)
		_, err = us.SetRole(ctx, asAdmin, admin.ID, users.RoleBasic)
		log.refused("admin demotes themselves", err)
		_, err = us.SetRole(ctx, roster.System, admin.ID, users.RoleBasic)
		log.refused("System demotes the last admin", err)
		_, err = us.SetRole(ctx, asAdmin, carol.ID, users.RoleCurator)
		log.refused("admin sets curator", err)

		_, err = us.Deactivate(ctx, asAdmin, bob.ID)
		log.wrote("admin deactivates bob", err, asAdmin, "user.deactivate", bob.ID, nil)
		_, err = us.Deactivate(ctx, access.UserActor(bob.ID), carol.ID)
		log.refused("deactivated bob deactivates carol", err)
		_, err = us.Activate(ctx, asAdmin, bob.ID)
		log.wrote("admin activates bob", err, asAdmin, "user.activate", bob.ID, nil)

		_, err = w.Resources().Register(ctx, access.UserActor(bob.ID), access.Resource{Kind: access.Agent, ID: "bobs"}, resources.Facts{Owner: bob.ID})
		log.wrote("bob registers his agent", err, access.UserActor(bob.ID), "resource.register", "agent:bobs", nil)
		log.refused("admin deletes active bob", us.Delete(ctx, asAdmin, bob.ID))
		_, err = us.Deactivate(ctx, roster.System, bob.ID)
		log.wrote("System deactivates bob", err, "system", "user.deactivate", bob.ID, nil)
		log.refused("admin deletes bob, who owns an agent", us.Delete(ctx, asAdmin, bob.ID))
		_, err = us.TransferOwnership(ctx, asAdmin, bob.ID, carol.ID)
		log.wrote("admin transfers bob's resources to carol", err, asAdmin, "user.transfer_ownership", bob.ID, map[string]any{"to": carol.ID})
		log.wrote("admin deletes bob", us.Delete(ctx, asAdmin, bob.ID), asAdmin, "user.delete", bob.ID, nil)

		// Events are listed newest first, one version each.
		all := trail(t, w)
		for i := 1; i < len(all.Events); i++ {
			if all.Events[i].ID >= all.Events[i-1].ID || all.Events[i].Version >= all.Events[i-1].Version {
				t.Errorf("events %d and %d out of order: %+v, %+v", i-1, i, all.Events[i-1], all.Events[i])
			}
		}
		// Creating a workspace is audited in that workspace, not in this one.
		acme, err := d.CreateWorkspace(ctx, roster.System, "acme", "Acme")
		if err != nil {
			t.Fatal(err)
		}
		if got := trail(t, acme); got.Total != 1 || got.Events[0].Action != "workspace.create" || got.Events[0].Actor != "system" || got.Events[0].Target != "acme" {
			t.Errorf("acme's trail = %+v, want one workspace.create by system", got.Events)
		}
		if got := trail(t, w); got.Total != all.Total {
			t.Errorf("the default workspace's trail grew from %d to %d when acme was created", all.Total, got.Total)
		}
	})
}

func TestAuditFilters(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		d := open(t, dsn)
		w := d.Default()
		us := w.Users()
		admin := mustRegister(t, us, users.Registration{Email: "admin@x.com"})
		var ids []string
		for i := range 5 {
			u := mustRegister(t, us, users.Registration{Email: fmt.Sprintf("u%d@x.com", i)})
			ids = append(ids, u.ID)
			actor := access.UserActor(admin.ID)
			if i%2 == 1 {
				actor = roster.System
			}
			if _, err := us.SetRole(ctx, actor, u.ID, users.RoleLimited); err != nil {
				t.Fatal(err)
			}
			if _, err := us.Deactivate(ctx, actor, u.ID); err != nil {
				t.Fatal(err)
			}
		}
		all := trail(t, w)
		if all.Total != 17 {
			t.Fatalf("trail has %d events, want 17 (the default workspace's creation, 6 sign-ups, 5 role changes, 5 deactivations)", all.Total)
		}
		match := func(f roster.AuditFilter) []int64 {
			var out []int64
			for _, e := range all.Events {
				if (f.Actor == "" || e.Actor == f.Actor) && (f.Target == "" || e.Target == f.Target) && (f.Action == "" || e.Action == f.Action) {
					out = append(out, e.ID)
				}
			}
			return out
		}
		filters := []roster.AuditFilter{
			{Actor: roster.System},
			{Actor: access.UserActor(admin.ID)},
			{Target: ids[2]},
			{Action: "user.set_role"},
			{Action: "user.deactivate", Actor: roster.System},
			{Action: "user.register", Target: ids[4]},
			{Action: "no.such.action"},
			{Actor: access.UserActor("nobody")},
		}
		for _, f := range filters {
			want := match(f)
			for _, limit := range []int{1, 2, 3, 100} {
				var got []int64
				for offset := 0; offset <= len(want); offset += limit {
					pf := f
					pf.Offset, pf.Limit = offset, limit
					page, err := w.Audit(ctx, roster.System, pf)
					if err != nil {
						t.Fatalf("Audit(%+v): %v", pf, err)
					}
					if page.Total != int64(len(want)) {
						t.Errorf("Audit(%+v) total = %d, want %d whatever the page", pf, page.Total, len(want))
					}
					if len(page.Events) > limit {
						t.Errorf("Audit(%+v) returned %d events, more than the limit", pf, len(page.Events))
					}
					for _, e := range page.Events {
						got = append(got, e.ID)
					}
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("Audit(%+v) in pages of %d = %v, want %v", f, limit, got, want)
				}
			}
		}
		if !sort.SliceIsSorted(all.Events, func(i, j int) bool { return all.Events[i].ID > all.Events[j].ID }) {
			t.Errorf("trail not newest first")
		}
		for _, f := range []roster.AuditFilter{{Offset: -1}, {Limit: -1}} {
			if _, err := w.Audit(ctx, roster.System, f); !errors.Is(err, roster.ErrInvalid) {
				t.Errorf("Audit(%+v) = %v, want ErrInvalid", f, err)
			}
		}
	})
}

// Only admins and System read the audit trail.
func TestAuditCallers(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		d := open(t, dsn)
		us := d.Default().Users()
		admin := mustRegister(t, us, users.Registration{Email: "admin@x.com"})
		deadAdmin := mustRegister(t, us, users.Registration{Email: "dead-admin@x.com"})
		gc := mustRegister(t, us, users.Registration{Email: "gc@x.com"})
		basic := mustRegister(t, us, users.Registration{Email: "basic@x.com"})
		limited := mustRegister(t, us, users.Registration{Email: "limited@x.com"})
		for id, role := range map[string]users.Role{deadAdmin.ID: users.RoleAdmin, gc.ID: users.RoleGlobalCurator, limited.ID: users.RoleLimited} {
			if _, err := us.SetRole(ctx, roster.System, id, role); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := us.Deactivate(ctx, roster.System, deadAdmin.ID); err != nil {
			t.Fatal(err)
		}
		acme, err := d.CreateWorkspace(ctx, roster.System, "acme", "Acme")
		if err != nil {
			t.Fatal(err)
		}
		acmeAdmin := mustRegister(t, acme.Users(), users.Registration{Email: "admin@acme.com"})
		cases := []struct {
			name  string
			actor roster.Actor
			ok    bool
		}{
			{"admin", access.UserActor(admin.ID), true},
			{"system", roster.System, true},
			{"global curator", access.UserActor(gc.ID), false},
			{"basic", access.UserActor(basic.ID), false},
			{"limited", access.UserActor(limited.ID), false},
			{"deactivated admin", access.UserActor(deadAdmin.ID), false},
			{"admin of another workspace", access.UserActor(acmeAdmin.ID), false},
			{"unknown user", access.UserActor("nobody"), false},
			{"empty actor", "", false},
		}
		for _, c := range cases {
			page, err := d.Default().Audit(ctx, c.actor, roster.AuditFilter{})
			switch {
			case c.ok && (err != nil || page.Total == 0):
				t.Errorf("%s: Audit = %d events, %v; want the trail", c.name, page.Total, err)
			case !c.ok && (!errors.Is(err, roster.ErrForbidden) || page.Total != 0 || page.Events != nil):
				t.Errorf("%s: Audit = %+v, %v; want ErrForbidden and nothing", c.name, page, err)
			}
		}
		// acme's admin reads acme's trail, which holds nothing of the default
		// workspace.
		page, err := acme.Audit(ctx, access.UserActor(acmeAdmin.ID), roster.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Events {
			if e.Target != "acme" && e.Target != acmeAdmin.ID {
				t.Errorf("acme's trail holds %+v", e)
			}
		}
	})
}
