package groups_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

func TestRenameChangesNoACLToken(t *testing.T) {
	forEachStore(t, func(e *env) {
		e.User("m", users.RoleBasic)
		g1 := e.Group("G1", "m")
		e.Group("G2")
		e.Register(rostertest.Connector("c"), resources.Facts{Groups: []string{g1}})
		e.Register(access.Resource{Kind: access.Agent, ID: "a"}, resources.Facts{Owner: e.Users["m"], Groups: []string{g1}})
		before := e.State()

		g, err := e.GS.Rename(e.Ctx, e.As("admin"), g1, "  Engineering  ")
		e.Must("Rename", err)
		if g.Name != "Engineering" || g.ID != g1 {
			t.Errorf("Rename = %+v, want id %s, name Engineering (trimmed)", g, g1)
		}
		if got, err := e.GS.Get(e.Ctx, g1); err != nil || got.Name != "Engineering" {
			t.Errorf("Get after Rename = %+v, %v", got, err)
		}
		delete(before, "version")
		e.Unchanged("Rename", before)

		refusals := []struct {
			name string
			want error
		}{
			{"G2", groups.ErrDuplicateName},
			{" G2 ", groups.ErrDuplicateName},
			{"", groups.ErrInvalidName},
			{strings.Repeat("x", groups.MaxNameLen+1), groups.ErrInvalidName},
		}
		for _, c := range refusals {
			before := e.State()
			_, err := e.GS.Rename(e.Ctx, e.As("admin"), g1, c.name)
			rostertest.WantErr(t, fmt.Sprintf("Rename(%q)", c.name), err, c.want)
			e.Unchanged("a refused Rename", before)
		}
		// Renaming to the current name changes nothing.
		v := e.D.Version()
		if _, err := e.GS.Rename(e.Ctx, e.As("admin"), g1, "Engineering"); err != nil || e.D.Version() != v {
			t.Errorf("Rename to the same name: %v, version %d → %d", err, v, e.D.Version())
		}
	})
}

func TestGroupNames(t *testing.T) {
	forEachStore(t, func(e *env) {
		e.Group("Taken")
		cases := []struct {
			name, stored string // stored "": refused
			want         error
		}{
			{"Sales", "Sales", nil},
			{"  Support\t", "Support", nil},
			{strings.Repeat("x", groups.MaxNameLen), strings.Repeat("x", groups.MaxNameLen), nil},
			{strings.Repeat("é", groups.MaxNameLen), strings.Repeat("é", groups.MaxNameLen), nil}, // characters, not bytes
			{"taken", "taken", nil}, // names compare exactly
			{"", "", groups.ErrInvalidName},
			{"   ", "", groups.ErrInvalidName},
			{strings.Repeat("x", groups.MaxNameLen+1), "", groups.ErrInvalidName},
			{"bad\x00name", "", groups.ErrInvalidName},
			{"line\nbreak", "", groups.ErrInvalidName},
			{"\xff\xfe", "", groups.ErrInvalidName},
			{"Taken", "", groups.ErrDuplicateName},
			{" Taken ", "", groups.ErrDuplicateName},
		}
		for _, c := range cases {
			before := e.State()
			g, err := e.W.CreateGroup(e.Ctx, e.As("admin"), c.name, roster.GroupContents{})
			if c.want != nil {
				rostertest.WantErr(t, fmt.Sprintf("Create(%q)", c.name), err, c.want)
				e.Unchanged("a refused Create", before)
				continue
			}
			if err != nil || g.Name != c.stored {
				t.Errorf("Create(%q) = %+v, %v; want name %q", c.name, g, err, c.stored)
			}
		}
		// Another workspace may reuse every name.
		other, err := e.D.CreateWorkspace(e.Ctx, roster.System, "other", "Other")
		e.Must("CreateWorkspace", err)
		if _, err := other.CreateGroup(e.Ctx, roster.System, "Taken", roster.GroupContents{}); err != nil {
			t.Errorf("Create(Taken) in another workspace: %v", err)
		}
	})
}

func TestSetMembersWritesOnlyWhatChanges(t *testing.T) {
	forEachStore(t, func(e *env) {
		for _, n := range []string{"c", "stay", "leave", "join"} {
			e.User(n, users.RoleBasic)
		}
		g1 := e.Group("G1", "c", "stay", "leave")
		e.Curator("G1", "c", true)
		e.Curator("G1", "stay", true)

		_, err := e.GS.SetMembers(e.Ctx, e.As("c"), g1, e.IDs("c", "stay", "join", "stay"))
		e.Must("SetMembers", err)
		if got := e.Members("G1"); !slices.Equal(got, []string{"c*", "join", "stay*"}) {
			t.Errorf("members after SetMembers = %q, want c*, join, stay* (flags of those staying kept)", got)
		}
		e.WantRole("stay", users.RoleCurator, "staying member")
		page, err := e.W.Audit(e.Ctx, roster.System, roster.AuditFilter{Target: g1, Limit: 2})
		e.Must("Audit", err)
		var got []string
		for _, ev := range page.Events {
			got = append(got, fmt.Sprint(ev.Action, ev.Details["user_ids"]))
		}
		want := []string{"group.remove_members[" + e.Users["leave"] + "]", "group.add_members[" + e.Users["join"] + "]"}
		if !slices.Equal(got, want) {
			t.Errorf("audit of SetMembers = %q, want %q", got, want)
		}

		// The same members again, in another order: nothing to write.
		before := e.State()
		_, err = e.GS.SetMembers(e.Ctx, e.As("c"), g1, e.IDs("stay", "join", "c"))
		e.Must("SetMembers (same)", err)
		e.Unchanged("SetMembers with the same members", before)

		// A curator who drops themselves loses the flag and the role.
		_, err = e.GS.SetMembers(e.Ctx, e.As("c"), g1, e.IDs("stay", "join"))
		e.Must("SetMembers (without c)", err)
		e.WantRole("c", users.RoleBasic, "curator who removed themselves")
	})
}

func TestListingIsScoped(t *testing.T) {
	forEachStore(t, func(e *env) {
		e.User("gc", users.RoleGlobalCurator)
		e.User("cur", users.RoleBasic)
		e.User("m", users.RoleBasic)
		e.User("lim", users.RoleLimited)
		a := e.Group("A", "gc", "cur", "m")
		e.Group("B", "cur", "lim")
		e.Group("C", "gc")
		e.Group("D")
		e.Curator("A", "cur", true)
		c := e.Register(rostertest.Connector("c"), resources.Facts{Groups: []string{a}})

		cases := []struct {
			actor         string
			list, minimal string // group names, comma-separated; "!" refused
		}{
			{"admin", "A,B,C,D", "A,B,C,D"},
			{"gc", "A,C", "A,C"},
			{"cur", "A", "A,B"}, // lists what they curate; names what they belong to
			{"m", "!", "A"},
			{"lim", "!", "!"},
		}
		for _, c := range cases {
			sums, total, err := e.GS.List(e.Ctx, e.As(c.actor), 0, 0)
			checkNames(t, "List as "+c.actor, summaryNames(sums), total, err, c.list)
			gs, err := e.GS.Minimal(e.Ctx, e.As(c.actor))
			var names []string
			for _, g := range gs {
				names = append(names, g.Name)
			}
			checkNames(t, "Minimal as "+c.actor, names, len(names), err, c.minimal)
		}

		// Pages of the admin's list.
		sums, total, err := e.GS.List(e.Ctx, e.As("admin"), 1, 2)
		checkNames(t, "List(offset 1, limit 2)", summaryNames(sums), 4, err, "B,C")
		if total != 4 {
			t.Errorf("List(offset 1, limit 2): total %d, want 4", total)
		}
		sums, _, err = e.GS.List(e.Ctx, e.As("admin"), 9, 0)
		checkNames(t, "List(offset past the end)", summaryNames(sums), 4, err, "")
		rostertest.WantErr(t, "List(offset -1)", third(e.GS.List(e.Ctx, e.As("admin"), -1, 0)), roster.ErrInvalid)
		rostertest.WantErr(t, "Members(limit -1)", third(e.GS.Members(e.Ctx, e.As("admin"), a, 0, -1)), roster.ErrInvalid)

		// A summary carries sorted members, curators and resources.
		sum, err := e.GS.Describe(e.Ctx, e.As("cur"), a)
		e.Must("Describe", err)
		wantMembers := e.IDs("gc", "cur", "m")
		slices.Sort(wantMembers)
		if !slices.Equal(sum.MemberIDs, wantMembers) || sum.MembersTotal != 3 ||
			!slices.Equal(sum.CuratorIDs, e.IDs("cur")) || !slices.Equal(sum.Resources, []access.Resource{c}) {
			t.Errorf("Describe(A) = %+v", sum)
		}
		ms, mtotal, err := e.GS.Members(e.Ctx, e.As("gc"), a, 1, 1)
		if err != nil || mtotal != 3 || len(ms) != 1 || ms[0].UserID != wantMembers[1] {
			t.Errorf("Members(A, offset 1, limit 1) = %+v, %d, %v; want the second of %q", ms, mtotal, err, wantMembers)
		}
	})
}

func summaryNames(sums []groups.Summary) []string {
	var out []string
	for _, s := range sums {
		out = append(out, s.Name)
	}
	return out
}

// checkNames compares a listing with want: comma-separated names, or "!" for
// a refusal with access.ErrForbidden.
func checkNames(t *testing.T, call string, got []string, total int, err error, want string) {
	t.Helper()
	if want == "!" {
		rostertest.WantErr(t, call, err, roster.ErrForbidden)
		return
	}
	var w []string
	if want != "" {
		w = strings.Split(want, ",")
	}
	if err != nil || !slices.Equal(got, w) {
		t.Errorf("%s = %q, %v; want %q", call, got, err, w)
	}
	if total < len(got) {
		t.Errorf("%s: total %d < %d listed", call, total, len(got))
	}
}

func TestUnknownIDsAreTypedErrorsAndWriteNothing(t *testing.T) {
	forEachStore(t, func(e *env) {
		e.User("m", users.RoleBasic)
		g1 := e.Group("G1", "m")
		other, err := e.D.CreateWorkspace(e.Ctx, roster.System, "other", "Other")
		e.Must("CreateWorkspace", err)
		foreigner, err := other.Users().Register(e.Ctx, users.Registration{Email: "f@example.com", Actor: roster.System})
		e.Must("Register in other", err)
		foreignGroup, err := other.CreateGroup(e.Ctx, roster.System, "Theirs", roster.GroupContents{})
		e.Must("Create in other", err)
		const nobody = "00000000-0000-4000-8000-000000000000"
		admin, m := e.As("admin"), e.Users["m"]
		before := e.State()
		calls := []struct {
			call string
			err  error
			want error
		}{
			{"Rename(unknown)", second(e.GS.Rename(e.Ctx, admin, nobody, "X")), groups.ErrGroupNotFound},
			{"Delete(unknown)", second(e.GS.Delete(e.Ctx, admin, nobody)), groups.ErrGroupNotFound},
			{"AddMembers(unknown group)", second(e.GS.AddMembers(e.Ctx, admin, nobody, []string{m})), groups.ErrGroupNotFound},
			{"RemoveMembers(unknown group)", second(e.GS.RemoveMembers(e.Ctx, admin, nobody, []string{m})), groups.ErrGroupNotFound},
			{"SetMembers(unknown group)", second(e.GS.SetMembers(e.Ctx, admin, nobody, []string{m})), groups.ErrGroupNotFound},
			{"SetCurator(unknown group)", second(e.GS.SetCurator(e.Ctx, admin, nobody, m, true)), groups.ErrGroupNotFound},
			{"Describe(unknown)", second(e.GS.Describe(e.Ctx, admin, nobody)), groups.ErrGroupNotFound},
			{"Members(unknown)", third(e.GS.Members(e.Ctx, admin, nobody, 0, 0)), groups.ErrGroupNotFound},
			{"Get(unknown)", second(e.GS.Get(e.Ctx, nobody)), groups.ErrGroupNotFound},
			{"Describe(another workspace's group)", second(e.GS.Describe(e.Ctx, admin, foreignGroup.ID)), groups.ErrGroupNotFound},
			{"AddMembers(unknown user among known)", second(e.GS.AddMembers(e.Ctx, admin, g1, []string{e.Users["admin"], nobody})), users.ErrUserNotFound},
			{"AddMembers(another workspace's user)", second(e.GS.AddMembers(e.Ctx, admin, g1, []string{foreigner.ID})), users.ErrUserNotFound},
			{"SetMembers(unknown user)", second(e.GS.SetMembers(e.Ctx, admin, g1, []string{nobody})), users.ErrUserNotFound},
			{"SetCurator(unknown user)", second(e.GS.SetCurator(e.Ctx, admin, g1, nobody, true)), users.ErrUserNotFound},
			{"AddMembers as an unknown actor", second(e.GS.AddMembers(e.Ctx, access.UserActor(nobody), g1, []string{m})), roster.ErrForbidden},
			{"Create as another workspace's admin", second(e.W.CreateGroup(e.Ctx, access.UserActor(foreigner.ID), "X", roster.GroupContents{})), roster.ErrForbidden},
			{"Create as a malformed actor", second(e.W.CreateGroup(e.Ctx, roster.Actor("nobody"), "X", roster.GroupContents{})), roster.ErrForbidden},
		}
		for _, c := range calls {
			rostertest.WantErr(t, c.call, c.err, c.want)
		}
		e.Unchanged("refused calls", before)
		if got := e.Members("G1"); !slices.Equal(got, []string{"m"}) {
			t.Errorf("G1 members = %q, want m only (no partial AddMembers)", got)
		}
	})
}
