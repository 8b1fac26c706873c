package roster_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// TestForeignCasbinRowsNeverGrant is the attack of a casbin_rule row roster
// never writes, inserted straight into the table by another tool: a row with
// v4 or v5 set (which a reader dropping those columns would take for a
// roster line), a g line giving a group a role (casbin would pass the role
// on to the members), a direct share of a connector, a p line without an
// action. None may grant: a
// Directory opened on the table ignores and counts them, its casbin view,
// built before or after, answers as Access.Can does, without error, and
// keeps answering after roster's own writes, and the users listing and the
// last-admin rule do not count them either.
func TestForeignCasbinRowsNeverGrant(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		e := rostertest.NewEnv(t, dsn)
		e.User("bob", users.RoleBasic)
		eng := e.Group("eng", "bob")
		a1 := e.Register(access.Resource{Kind: access.Agent, ID: "a1"}, resources.Facts{Owner: e.Users["admin"]})
		c1 := e.Register(rostertest.Connector("c1"), resources.Facts{Owner: e.Users["admin"]})
		ws, bob := e.W.ID(), access.UserSubject(e.Users["bob"])
		// The view of the Directory opened before the rows arrive is built
		// after: it loads them from the table.
		foreign := [][7]string{
			{"p", "public", ws, "agent:a1", "view", "deny", ""},
			{"p", access.GroupSubject(eng), ws, "connector:c1", "view", "", "x"},
			{"g", bob, "role:admin", ws, "", "x", ""},
			{"g", access.GroupSubject(eng), "role:admin", ws, "", "", ""},
			{"p", bob, ws, "connector:c1", "view", "", ""},
			{"p", bob, ws, "agent:a1", "", "", ""}, // three values: casbin's model holds four
		}
		for _, r := range foreign {
			setSchema(t, dsn, fmt.Sprintf("INSERT INTO casbin_rule (ptype, v0, v1, v2, v3, v4, v5) VALUES ('%s')", strings.Join(r[:], "', '")))
		}

		var logs bytes.Buffer
		b, err := roster.Open(e.Ctx, roster.Config{DSN: dsn, PollInterval: -1, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		must(t, "Open", err)
		defer b.Close()
		if want := fmt.Sprintf("count=%d", len(foreign)); !strings.Contains(logs.String(), want) {
			t.Errorf("Open logged %q; want the ignored lines counted (%s)", logs.String(), want)
		}

		check := func(when string, w *roster.Workspace, want map[string]bool) {
			t.Helper()
			ctx, view := context.Background(), w.Casbin()
			for _, user := range []string{"admin", "bob"} {
				for _, r := range []access.Resource{a1, c1} {
					for _, act := range []access.Action{access.View, access.Edit} {
						can, err := w.Access().Can(ctx, e.Users[user], act, r)
						must(t, "Can", err)
						key := fmt.Sprintf("%s %s %s", user, act, r)
						if wantCan := user == "admin" || want[key]; can != wantCan {
							t.Errorf("%s: Can(%s) = %v, want %v", when, key, can, wantCan)
						}
						got, err := view.Enforce(ctx, access.UserSubject(e.Users[user]), r.String(), string(act))
						if err != nil || got != can {
							t.Errorf("%s: Enforce(%s) = %v, %v; want %v as Can, no error", when, key, got, err, can)
						}
					}
				}
			}
			roles, err := view.GetImplicitRolesForUser(ctx, bob)
			if want := sortedStrings(access.GroupSubject(eng), "role:basic"); err != nil || !slices.Equal(roles, want) {
				t.Errorf("%s: GetImplicitRolesForUser(bob) = %q, %v; want %q", when, roles, err, want)
			}
			admins, err := view.GetImplicitUsersForRole(ctx, "role:admin")
			if want := []string{access.UserSubject(e.Users["admin"])}; err != nil || !slices.Equal(admins, want) {
				t.Errorf("%s: GetImplicitUsersForRole(role:admin) = %q, %v; want %q", when, admins, err, want)
			}
			for _, sub := range []string{"public", access.GroupSubject(eng), bob} {
				for _, r := range []access.Resource{a1, c1} {
					if has, err := view.HasPolicy(ctx, sub, r.String(), "view"); err != nil || has != want["line "+sub+" "+r.String()] {
						t.Errorf("%s: HasPolicy(%s, %s, view) = %v, %v", when, sub, r, has, err)
					}
				}
			}
			lines, err := view.GetFilteredPolicy(ctx, "", "", "")
			if err != nil {
				t.Errorf("%s: GetFilteredPolicy: %v", when, err)
			}
			if len(lines) == 0 {
				t.Errorf("%s: GetFilteredPolicy is empty: the workspace has lines", when)
			}
			for _, l := range lines {
				if _, ok := access.ParseLine(l); !ok {
					t.Errorf("%s: GetFilteredPolicy holds %q, a line roster never writes", when, l)
				}
			}
		}
		check("reopened", b.Default(), nil)
		check("open before", e.W, nil)

		// Roster's own writes still reach both views; the foreign rows stay
		// meaningless.
		_, err = e.W.Resources().Attach(e.Ctx, roster.System, eng, a1)
		must(t, "Attach", err)
		must(t, "AwaitVersion", b.AwaitVersion(e.Ctx, e.D.Version()))
		after := map[string]bool{"bob view agent:a1": true, "line " + access.GroupSubject(eng) + " agent:a1": true}
		check("after a write, reopened", b.Default(), after)
		check("after a write, open before", e.W, after)

		// Roster's own queries over casbin_rule ignore the rows too: bob's
		// foreign admin line neither lists him among the admins nor counts
		// as an admin for the last-admin rule.
		for _, w := range []*roster.Workspace{b.Default(), e.W} {
			page, err := w.Users().List(e.Ctx, users.Filter{Roles: []users.Role{users.RoleAdmin}})
			must(t, "List admins", err)
			if len(page.Users) != 1 || page.Users[0].ID != e.Users["admin"] || page.Total != 1 {
				t.Errorf("List(admins) = %+v, want the admin alone", page)
			}
		}
		before := e.D.Version()
		_, err = b.Default().Users().SetRole(e.Ctx, roster.System, e.Users["admin"], users.RoleBasic)
		rostertest.WantErr(t, "demote the last admin", err, users.ErrLastAdmin)
		if v := e.D.Version(); v != before {
			t.Errorf("the refused demotion moved the version from %d to %d", before, v)
		}
	})
}
