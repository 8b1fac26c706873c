package groups_test

import (
	"slices"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

func TestCuratorRoleComesWithTheFirstFlagAndGoesWithTheLast(t *testing.T) {
	forEachStore(t, func(e *env) {
		e.User("u", users.RoleBasic)
		e.Group("G1", "u")
		e.Group("G2", "u")
		r := e.Register(rostertest.Connector("c1"), resources.Facts{Groups: []string{e.Groups["G1"]}})
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
		e.WantRole("u", users.RoleBasic, "before any flag")
		for _, s := range steps {
			e.Curator(s.group, "u", s.on)
			when := "after SetCurator(" + s.group + ", " + map[bool]string{true: "on", false: "off"}[s.on] + ")"
			e.WantRole("u", s.role, when)
			if got := e.Can("u", access.Edit, r); got != s.edit {
				e.T.Errorf("%s: Can(edit, %s) = %v, want %v", when, r, got, s.edit)
			}
		}
	})
}

func TestRoleChangeOfACuratorClearsEveryFlag(t *testing.T) {
	for _, role := range []users.Role{users.RoleBasic, users.RoleGlobalCurator, users.RoleLimited, users.RoleAdmin} {
		t.Run(string(role), func(t *testing.T) {
			forEachStore(t, func(e *env) {
				e.User("u", users.RoleBasic)
				e.Group("G1", "u")
				e.Group("G2", "u")
				e.Curator("G1", "u", true)
				e.Curator("G2", "u", true)
				_, err := e.W.Users().SetRole(e.Ctx, roster.System, e.Users["u"], role)
				e.Must("SetRole", err)
				e.WantRole("u", role, "after SetRole")
				for _, g := range []string{"G1", "G2"} {
					if got := e.Members(g); !slices.Equal(got, []string{"u"}) {
						e.T.Errorf("members of %s after SetRole(%s) = %q, want u without flag", g, role, got)
					}
				}
				// Flags do not come back with the basic role.
				if role != users.RoleBasic {
					_, err := e.W.Users().SetRole(e.Ctx, roster.System, e.Users["u"], users.RoleBasic)
					e.Must("SetRole basic", err)
					e.WantRole("u", users.RoleBasic, "after SetRole back to basic")
				}
			})
		})
	}
}

func TestRemovingACuratorFromTheGroupRecomputesTheirRole(t *testing.T) {
	forEachStore(t, func(e *env) {
		e.User("c", users.RoleBasic)
		e.User("m", users.RoleBasic)
		e.Group("G1", "c", "m")
		e.Group("G2", "c")
		e.Curator("G1", "c", true)
		e.Curator("G2", "c", true)

		_, err := e.GS.RemoveMembers(e.Ctx, roster.System, e.Groups["G1"], e.IDs("c"))
		e.Must("RemoveMembers", err)
		e.WantRole("c", users.RoleCurator, "removed from G1, still curator of G2")
		if got := e.Members("G2"); !slices.Equal(got, []string{"c*"}) {
			t.Errorf("G2 members = %q, want c with flag", got)
		}
		// SetMembers removes the last curated group's membership: basic.
		_, err = e.GS.SetMembers(e.Ctx, roster.System, e.Groups["G2"], nil)
		e.Must("SetMembers", err)
		e.WantRole("c", users.RoleBasic, "removed from G2 by SetMembers")
		// Coming back does not bring the flag back.
		_, err = e.GS.AddMembers(e.Ctx, roster.System, e.Groups["G1"], e.IDs("c"))
		e.Must("AddMembers", err)
		e.WantRole("c", users.RoleBasic, "added to G1 again")
		if got := e.Members("G1"); !slices.Equal(got, []string{"c", "m"}) {
			t.Errorf("G1 members = %q, want c and m without flags", got)
		}
	})
}

func TestSetCuratorRules(t *testing.T) {
	forEachStore(t, func(e *env) {
		e.User("basic", users.RoleBasic)
		e.User("curator", users.RoleBasic)
		e.User("outsider", users.RoleBasic)
		e.User("gc", users.RoleGlobalCurator)
		e.User("limited", users.RoleLimited)
		e.User("admin2", users.RoleAdmin)
		e.User("plain", users.RoleBasic)
		e.Group("G1", "basic", "curator", "gc", "limited", "admin2", "plain")
		e.Group("G2", "curator")
		e.Curator("G2", "curator", true)
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
			userID, groupID := e.Users[c.user], e.Groups[c.group]
			if userID == "" {
				userID = "00000000-0000-4000-8000-000000000000"
			}
			if groupID == "" {
				groupID = "00000000-0000-4000-8000-000000000000"
			}
			before := e.State()
			_, err := e.GS.SetCurator(e.Ctx, e.As("admin"), groupID, userID, true)
			if c.want != nil {
				rostertest.WantErr(t, call, err, c.want)
				e.Unchanged(call, before)
				continue
			}
			if err != nil {
				t.Errorf("%s: %v, want allowed", call, err)
			}
			e.WantRole(c.user, users.RoleCurator, call)
		}
		if got := e.Members("G1"); !slices.Equal(got, []string{"admin2", "basic*", "curator*", "gc", "limited", "plain"}) {
			t.Errorf("G1 members = %q", got)
		}
		// Setting twice keeps one flag; clearing a flag nobody holds changes nothing.
		e.Curator("G1", "basic", true)
		before := e.State()
		e.Curator("G1", "plain", false)
		if _, err := e.GS.SetCurator(e.Ctx, roster.System, e.Groups["G1"], e.Users["outsider"], false); err == nil {
			t.Errorf("SetCurator(off) on a non-member: no error, want ErrNotAMember")
		}
		delete(before, "version")
		e.Unchanged("clearing absent flags", before)
	})
}

func TestDeletingAGroupDetachesItsResourcesAndRemovesMemberships(t *testing.T) {
	forEachStore(t, func(e *env) {
		e.User("m", users.RoleBasic)
		e.User("c", users.RoleBasic)
		g1 := e.Group("G1", "m", "c")
		g2 := e.Group("G2", "m")
		e.Curator("G1", "c", true)
		only1 := e.Register(rostertest.Connector("only1"), resources.Facts{Groups: []string{g1}})
		both := e.Register(rostertest.Connector("both"), resources.Facts{Groups: []string{g1, g2}})
		agent := e.Register(access.Resource{Kind: access.Agent, ID: "a"}, resources.Facts{Owner: e.Users["m"], Groups: []string{g1}})
		if !e.Can("m", access.View, only1) || !e.Can("c", access.Edit, only1) {
			t.Fatalf("before the delete, members cannot view or the curator cannot edit %s", only1)
		}

		_, err := e.GS.Delete(e.Ctx, e.As("admin"), g1)
		e.Must("Delete", err)
		delete(e.Groups, "G1")

		wantGroups := map[access.Resource][]string{only1: nil, both: {g2}, agent: nil}
		for r, want := range wantGroups {
			f, err := e.W.Resources().Facts(e.Ctx, r)
			if err != nil || !slices.Equal(f.Groups, want) {
				t.Errorf("Facts(%s) = %+v, %v; want it registered, groups %q", r, f, err, want)
			}
			if !e.Can("admin", access.View, r) {
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
			if got := e.Can(c.user, c.act, c.r); got != c.want {
				t.Errorf("after Delete(G1): Can(%s, %s, %s) = %v, want %v", c.user, c.act, c.r, got, c.want)
			}
		}
		e.WantRole("c", users.RoleBasic, "after the delete of the only group they curated")
		if acl, err := e.W.Access().ACLOf(e.Ctx, only1); err != nil || len(acl) != 1 {
			t.Errorf("ACLOf(%s) = %q, %v; want only the admin token", only1, acl, err)
		}
		mine, err := e.GS.Minimal(e.Ctx, e.As("m"))
		if err != nil || len(mine) != 1 || mine[0].ID != g2 {
			t.Errorf("Minimal(m) = %+v, %v; want G2 only", mine, err)
		}
		rostertest.WantErr(t, "Describe(deleted)", second(e.GS.Describe(e.Ctx, roster.System, g1)), groups.ErrGroupNotFound)
		rostertest.WantErr(t, "Get(deleted)", second(e.GS.Get(e.Ctx, g1)), groups.ErrGroupNotFound)
		rostertest.WantErr(t, "Delete(deleted)", second(e.GS.Delete(e.Ctx, roster.System, g1)), groups.ErrGroupNotFound)

		// The name is free again, and the new group starts empty.
		g, err := e.W.CreateGroup(e.Ctx, roster.System, "G1", roster.GroupContents{})
		e.Must("Create G1 again", err)
		sum, err := e.GS.Describe(e.Ctx, roster.System, g.ID)
		if err != nil || sum.MembersTotal != 0 || len(sum.CuratorIDs) != 0 || len(sum.Resources) != 0 {
			t.Errorf("new G1 = %+v, %v; want empty", sum, err)
		}
	})
}

func second[T any](_ T, err error) error { return err }

func third[T, U any](_ T, _ U, err error) error { return err }
