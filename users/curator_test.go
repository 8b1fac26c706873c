package users_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/users"
)

// Curator is derived from group curator flags. Leaving curator by a role
// change clears every flag the user holds and keeps their memberships; the
// role is then exactly the one set.
func TestSetRoleClearsCuratorFlags(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn, roster.Config{})
		admin := e.register("admin@example.com")
		asAdmin := access.UserActor(admin.ID)
		var groupIDs []string
		for _, name := range []string{"red", "blue"} {
			g, err := e.ws.CreateGroup(e.ctx, asAdmin, name, roster.GroupContents{})
			if err != nil {
				t.Fatal(err)
			}
			groupIDs = append(groupIDs, g.ID)
		}
		for _, to := range []users.Role{users.RoleBasic, users.RoleLimited, users.RoleGlobalCurator, users.RoleAdmin} {
			u := e.register("curator-to-" + string(to) + "@example.com")
			for _, g := range groupIDs {
				if _, err := e.ws.Groups().AddMembers(e.ctx, asAdmin, g, []string{u.ID}); err != nil {
					t.Fatal(err)
				}
				if _, err := e.ws.Groups().SetCurator(e.ctx, asAdmin, g, u.ID, true); err != nil {
					t.Fatal(err)
				}
			}
			if got := e.get(u.ID).Role; got != users.RoleCurator {
				t.Fatalf("member with two curator flags has role %s, want curator", got)
			}
			page, err := e.us.List(e.ctx, users.Filter{Roles: []users.Role{users.RoleCurator}})
			if err != nil || page.Total != 1 || page.Users[0].ID != u.ID {
				t.Errorf("List(curators) = %q, %v; want only %s", emails(page.Users), err, u.Email)
			}
			if flags := curatorFlags(e.linesOf(u.ID)); len(flags) != 2 {
				t.Fatalf("curator flags before the change: %q, want 2", flags)
			}

			changed, err := e.us.SetRole(e.ctx, asAdmin, u.ID, to)
			if err != nil {
				t.Fatalf("SetRole(curator → %s): %v", to, err)
			}
			lines := e.linesOf(u.ID)
			if flags := curatorFlags(lines); len(flags) != 0 {
				t.Errorf("curator → %s: flags left %q", to, flags)
			}
			if got := e.get(u.ID).Role; changed.Role != to || got != to {
				t.Errorf("curator → %s: SetRole says %s, Get says %s", to, changed.Role, got)
			}
			want := []string{roleLine(u.ID, to)}
			for _, g := range groupIDs {
				want = append(want, fmt.Sprintf("g, u:%s, g:%s, default, ", u.ID, g))
			}
			if !sameSet(lines, want) {
				t.Errorf("curator → %s: lines %q, want the role and both memberships %q", to, lines, want)
			}
		}
		page, err := e.us.List(e.ctx, users.Filter{Roles: []users.Role{users.RoleCurator}})
		if err != nil || page.Total != 0 {
			t.Errorf("List(curators) at the end = %q, %v; want none", emails(page.Users), err)
		}
	})
}

func curatorFlags(lines []string) []string {
	var out []string
	for _, l := range lines {
		if strings.HasPrefix(l, "p, ") && strings.HasSuffix(l, ", curate") {
			out = append(out, l)
		}
	}
	return out
}
