package groups_test

import (
	"slices"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

func TestCuratorRoleComesWithTheFirstFlagAndGoesWithTheLast(t *testing.T) {
	forEachStore(t, func(e *env) {
		e.user("u", users.RoleBasic)
		e.group("G1", "u")
		e.group("G2", "u")
		r := e.register(connector("c1"), resources.Facts{Groups: []string{e.groups["G1"]}})
		steps := []struct {
			group string
			on    bool
			role  users.Role
			edit  bool // may edit the connector attached to G1
		}{
			{"G1", true, users.RoleCurator, true},
			{"G2", true, users.RoleCurator, true},
			{"G1", false, users.RoleCurator, false}, // still curates G2
			{"G2", false, users.RoleBasic, false},   // the last flag goes: basic again
			{"G2", true, users.RoleCurator, false},
		}
		e.wantRole("u", users.RoleBasic, "before any flag")
		for _, s := range steps {
			e.curator(s.group, "u", s.on)
			when := "after SetCurator(" + s.group + ", " + map[bool]string{true: "on", false: "off"}[s.on] + ")"
			e.wantRole("u", s.role, when)
			if got := e.can("u", access.Edit, r); got != s.edit {
				e.t.Errorf("%s: Can(edit, %s) = %v, want %v", when, r, got, s.edit)
			}
		}
	})
}

func TestRoleChangeOfACuratorClearsEveryFlag(t *testing.T) {
	for _, role := range []users.Role{users.RoleBasic, users.RoleGlobalCurator, users.RoleLimited, users.RoleAdmin} {
		t.Run(string(role), func(t *testing.T) {
			forEachStore(t, func(e *env) {
				e.user("u", users.RoleBasic)
				e.group("G1", "u")
				e.group("G2", "u")
				e.curator("G1", "u", true)
				e.curator("G2", "u", true)
				_, err := e.w.Users().SetRole(e.ctx, roster.System, e.users["u"], role)
				e.must("SetRole", err)
				e.wantRole("u", role, "after SetRole")
				for _, g := range []string{"G1", "G2"} {
					if got := e.members(g); !slices.Equal(got, []string{"u"}) {
						e.t.Errorf("members of %s after SetRole(%s) = %q, want u without flag", g, role, got)
					}
				}
				// Flags do not come back with the basic role.
				if role != users.RoleBasic {
					_, err := e.w.Users().SetRole(e.ctx, roster.System, e.users["u"], users.RoleBasic)
					e.must("SetRole basic", err)
					e.wantRole("u", users.RoleBasic, "after SetRole back to basic")
				}
			})
		})
	}
}

func TestRemovingACuratorFromTheGroupRecomputesTheirRole(t *testing.T) {
	forEachStore(t, func(e *env) {
		e.user("c", users.RoleBasic)
		e.user("m", users.RoleBasic)
		e.group("G1", "c", "m")
		e.group("G2", "c")
		e.curator("G1", "c", true)
		e.curator("G2", "c", true)

		_, err := e.gs.RemoveMembers(e.ctx, roster.System, e.groups["G1"], e.ids("c"))
		e.must("RemoveMembers", err)
		e.wantRole("c", users.RoleCurator, "removed from G1, still curator of G2")
		if got := e.members("G2"); !slices.Equal(got, []string{"c*"}) {
			t.Errorf("G2 members = %q, want c with flag", got)
		}
		// SetMembers removes the last curated group's membership: basic.
		_, err = e.gs.SetMembers(e.ctx, roster.System, e.groups["G2"], nil)
		e.must("SetMembers", err)
		e.wantRole("c", users.RoleBasic, "removed from G2 by SetMembers")
		// Coming back does not bring the flag back.
		_, err = e.gs.AddMembers(e.ctx, roster.System, e.groups["G1"], e.ids("c"))
		e.must("AddMembers", err)
		e.wantRole("c", users.RoleBasic, "added to G1 again")
		if got := e.members("G1"); !slices.Equal(got, []string{"c", "m"}) {
			t.Errorf("G1 members = %q, want c and m without flags", got)
		}
	})
}

func TestSetCuratorRules(t *testing.T) {
	forEachStore(t, func(e *env) {
		e.user("basic", users.RoleBasic)
		e.user("curator", users.RoleBasic)
		e.user("outsider", users.RoleBasic)
		e.user("gc", users.RoleGlobalCurator)
		e.user("limited", users.RoleLimited)
		e.user("admin2", users.RoleAdmin)
		e.user("plain", users.RoleBasic)
		e.group("G1", "basic", "curator", "gc", "limited", "admin2", "plain")
		e.group("G2", "curator")
		e.curator("G2", "curator", true)
		cases := []struct {
			user, group string
			want        error // nil: allowed
		}{
			{"basic", "G1", nil},
			{"curator", "G1", nil}, // a curator elsewhere may curate here too
			{"outsider", "G1", groups.ErrNotAMember},
			{"gc", "G1", groups.ErrAlreadyPrivileged},
			{"admin2", "G1", groups.ErrAlreadyPrivileged},
			{"admin", "G1", groups.ErrNotAMember}, // membership is checked first
			{"limited", "G1", groups.ErrNotEligible},
			{"nobody", "G1", users.ErrUserNotFound},
			{"basic", "nowhere", groups.ErrGroupNotFound},
		}
		for _, c := range cases {
			call := "SetCurator(" + c.group + ", " + c.user + ")"
			userID, groupID := e.users[c.user], e.groups[c.group]
			if userID == "" {
				userID = "00000000-0000-4000-8000-000000000000"
			}
			if groupID == "" {
				groupID = "00000000-0000-4000-8000-000000000000"
			}
			before := e.state()
			_, err := e.gs.SetCurator(e.ctx, e.as("admin"), groupID, userID, true)
			if c.want != nil {
				wantErr(t, call, err, c.want)
				e.unchanged(call, before)
				continue
			}
			if err != nil {
				t.Errorf("%s: %v, want allowed", call, err)
			}
			e.wantRole(c.user, users.RoleCurator, call)
		}
		if got := e.members("G1"); !slices.Equal(got, []string{"admin2", "basic*", "curator*", "gc", "limited", "plain"}) {
			t.Errorf("G1 members = %q", got)
		}
		// Setting twice keeps one flag; clearing a flag nobody holds changes nothing.
		e.curator("G1", "basic", true)
		before := e.state()
		e.curator("G1", "plain", false)
		if _, err := e.gs.SetCurator(e.ctx, roster.System, e.groups["G1"], e.users["outsider"], false); err == nil {
			t.Errorf("SetCurator(off) on a non-member: no error, want ErrNotAMember")
		}
		delete(before, "version")
		e.unchanged("clearing absent flags", before)
	})
}

func TestDeletingAGroupDetachesItsResourcesAndRemovesMemberships(t *testing.T) {
	forEachStore(t, func(e *env) {
		e.user("m", users.RoleBasic)
		e.user("c", users.RoleBasic)
		g1 := e.group("G1", "m", "c")
		g2 := e.group("G2", "m")
		e.curator("G1", "c", true)
		only1 := e.register(connector("only1"), resources.Facts{Groups: []string{g1}})
		both := e.register(connector("both"), resources.Facts{Groups: []string{g1, g2}})
		agent := e.register(access.Resource{Kind: access.Agent, ID: "a"}, resources.Facts{Owner: e.users["m"], Groups: []string{g1}})
		if !e.can("m", access.View, only1) || !e.can("c", access.Edit, only1) {
			t.Fatalf("before the delete, members cannot view or the curator cannot edit %s", only1)
		}

		_, err := e.gs.Delete(e.ctx, e.as("admin"), g1)
		e.must("Delete", err)
		delete(e.groups, "G1")

		wantGroups := map[access.Resource][]string{only1: nil, both: {g2}, agent: nil}
		for r, want := range wantGroups {
			f, err := e.w.Resources().Facts(e.ctx, r)
			if err != nil || !slices.Equal(f.Groups, want) {
				t.Errorf("Facts(%s) = %+v, %v; want it registered, groups %q", r, f, err, want)
			}
			if !e.can("admin", access.View, r) {
				t.Errorf("admin cannot view %s after the group's delete", r)
			}
		}
		checks := []struct {
			user string
			act  access.Action
			r    access.Resource
			want bool
		}{
			{"m", access.View, only1, false},
			{"m", access.View, both, true}, // still through G2
			{"m", access.Edit, agent, true},
			{"c", access.View, only1, false},
			{"c", access.Edit, only1, false},
		}
		for _, c := range checks {
			if got := e.can(c.user, c.act, c.r); got != c.want {
				t.Errorf("after Delete(G1): Can(%s, %s, %s) = %v, want %v", c.user, c.act, c.r, got, c.want)
			}
		}
		e.wantRole("c", users.RoleBasic, "after the delete of the only group they curated")
		if acl, err := e.w.Access().ACLOf(e.ctx, only1); err != nil || len(acl) != 1 {
			t.Errorf("ACLOf(%s) = %q, %v; want only the admin token", only1, acl, err)
		}
		mine, err := e.gs.Minimal(e.ctx, e.as("m"))
		if err != nil || len(mine) != 1 || mine[0].ID != g2 {
			t.Errorf("Minimal(m) = %+v, %v; want G2 only", mine, err)
		}
		wantErr(t, "Describe(deleted)", second(e.gs.Describe(e.ctx, roster.System, g1)), groups.ErrGroupNotFound)
		wantErr(t, "Get(deleted)", second(e.gs.Get(e.ctx, g1)), groups.ErrGroupNotFound)
		wantErr(t, "Delete(deleted)", second(e.gs.Delete(e.ctx, roster.System, g1)), groups.ErrGroupNotFound)

		// The name is free again, and the new group starts empty.
		g, err := e.gs.Create(e.ctx, roster.System, "G1")
		e.must("Create G1 again", err)
		sum, err := e.gs.Describe(e.ctx, roster.System, g.ID)
		if err != nil || sum.MembersTotal != 0 || len(sum.CuratorIDs) != 0 || len(sum.Resources) != 0 {
			t.Errorf("new G1 = %+v, %v; want empty", sum, err)
		}
	})
}

func second[T any](_ T, err error) error { return err }

func third[T, U any](_ T, _ U, err error) error { return err }
