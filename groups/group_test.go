package groups_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

func TestRenameChangesNoACLToken(t *testing.T) {
	forEachStore(t, func(e *env) {
		e.user("m", users.RoleBasic)
		g1 := e.group("G1", "m")
		e.group("G2")
		e.register(connector("c"), resources.Facts{Groups: []string{g1}})
		e.register(access.Resource{Kind: access.Agent, ID: "a"}, resources.Facts{Owner: e.users["m"], Groups: []string{g1}})
		before := e.state()

		g, err := e.gs.Rename(e.ctx, e.as("admin"), g1, "  Engineering  ")
		e.must("Rename", err)
		if g.Name != "Engineering" || g.ID != g1 {
			t.Errorf("Rename = %+v, want id %s, name Engineering (trimmed)", g, g1)
		}
		if got, err := e.gs.Get(e.ctx, g1); err != nil || got.Name != "Engineering" {
			t.Errorf("Get after Rename = %+v, %v", got, err)
		}
		delete(before, "version")
		e.unchanged("Rename", before)

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
			before := e.state()
			_, err := e.gs.Rename(e.ctx, e.as("admin"), g1, c.name)
			wantErr(t, fmt.Sprintf("Rename(%q)", c.name), err, c.want)
			e.unchanged("a refused Rename", before)
		}
		// Renaming to the current name changes nothing.
		v := e.d.Version()
		if _, err := e.gs.Rename(e.ctx, e.as("admin"), g1, "Engineering"); err != nil || e.d.Version() != v {
			t.Errorf("Rename to the same name: %v, version %d → %d", err, v, e.d.Version())
		}
	})
}

func TestGroupNames(t *testing.T) {
	forEachStore(t, func(e *env) {
		e.group("Taken")
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
			before := e.state()
			g, err := e.gs.Create(e.ctx, e.as("admin"), c.name)
			if c.want != nil {
				wantErr(t, fmt.Sprintf("Create(%q)", c.name), err, c.want)
				e.unchanged("a refused Create", before)
				continue
			}
			if err != nil || g.Name != c.stored {
				t.Errorf("Create(%q) = %+v, %v; want name %q", c.name, g, err, c.stored)
			}
		}
		// Another workspace may reuse every name.
		other, err := e.d.CreateWorkspace(e.ctx, roster.System, "other", "Other")
		e.must("CreateWorkspace", err)
		if _, err := other.Groups().Create(e.ctx, roster.System, "Taken"); err != nil {
			t.Errorf("Create(Taken) in another workspace: %v", err)
		}
	})
}

func TestSetMembersWritesOnlyWhatChanges(t *testing.T) {
	forEachStore(t, func(e *env) {
		for _, n := range []string{"c", "stay", "leave", "join"} {
			e.user(n, users.RoleBasic)
		}
		g1 := e.group("G1", "c", "stay", "leave")
		e.curator("G1", "c", true)
		e.curator("G1", "stay", true)

		_, err := e.gs.SetMembers(e.ctx, e.as("c"), g1, e.ids("c", "stay", "join", "stay"))
		e.must("SetMembers", err)
		if got := e.members("G1"); !slices.Equal(got, []string{"c*", "join", "stay*"}) {
			t.Errorf("members after SetMembers = %q, want c*, join, stay* (flags of those staying kept)", got)
		}
		e.wantRole("stay", users.RoleCurator, "staying member")
		page, err := e.w.Audit(e.ctx, roster.System, roster.AuditFilter{Target: g1, Limit: 2})
		e.must("Audit", err)
		var got []string
		for _, ev := range page.Events {
			got = append(got, fmt.Sprint(ev.Action, ev.Details["user_ids"]))
		}
		want := []string{"group.remove_members[" + e.users["leave"] + "]", "group.add_members[" + e.users["join"] + "]"}
		if !slices.Equal(got, want) {
			t.Errorf("audit of SetMembers = %q, want %q", got, want)
		}

		// The same members again, in another order: nothing to write.
		before := e.state()
		_, err = e.gs.SetMembers(e.ctx, e.as("c"), g1, e.ids("stay", "join", "c"))
		e.must("SetMembers (same)", err)
		e.unchanged("SetMembers with the same members", before)

		// A curator who drops themselves loses the flag and the role.
		_, err = e.gs.SetMembers(e.ctx, e.as("c"), g1, e.ids("stay", "join"))
		e.must("SetMembers (without c)", err)
		e.wantRole("c", users.RoleBasic, "curator who removed themselves")
	})
}

func TestListingIsScoped(t *testing.T) {
	forEachStore(t, func(e *env) {
		e.user("gc", users.RoleGlobalCurator)
		e.user("cur", users.RoleBasic)
		e.user("m", users.RoleBasic)
		e.user("lim", users.RoleLimited)
		a := e.group("A", "gc", "cur", "m")
		e.group("B", "cur", "lim")
		e.group("C", "gc")
		e.group("D")
		e.curator("A", "cur", true)
		c := e.register(connector("c"), resources.Facts{Groups: []string{a}})

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
			sums, total, err := e.gs.List(e.ctx, e.as(c.actor), 0, 0)
			checkNames(t, "List as "+c.actor, summaryNames(sums), total, err, c.list)
			gs, err := e.gs.Minimal(e.ctx, e.as(c.actor))
			var names []string
			for _, g := range gs {
				names = append(names, g.Name)
			}
			checkNames(t, "Minimal as "+c.actor, names, len(names), err, c.minimal)
		}

		// Pages of the admin's list.
		sums, total, err := e.gs.List(e.ctx, e.as("admin"), 1, 2)
		checkNames(t, "List(offset 1, limit 2)", summaryNames(sums), 4, err, "B,C")
		if total != 4 {
			t.Errorf("List(offset 1, limit 2): total %d, want 4", total)
		}
		sums, _, err = e.gs.List(e.ctx, e.as("admin"), 9, 0)
		checkNames(t, "List(offset past the end)", summaryNames(sums), 4, err, "")
		wantErr(t, "List(offset -1)", third(e.gs.List(e.ctx, e.as("admin"), -1, 0)), roster.ErrInvalid)
		wantErr(t, "Members(limit -1)", third(e.gs.Members(e.ctx, e.as("admin"), a, 0, -1)), roster.ErrInvalid)

		// A summary carries sorted members, curators and resources.
		sum, err := e.gs.Describe(e.ctx, e.as("cur"), a)
		e.must("Describe", err)
		wantMembers := e.ids("gc", "cur", "m")
		slices.Sort(wantMembers)
		if !slices.Equal(sum.MemberIDs, wantMembers) || sum.MembersTotal != 3 ||
			!slices.Equal(sum.CuratorIDs, e.ids("cur")) || !slices.Equal(sum.Resources, []access.Resource{c}) {
			t.Errorf("Describe(A) = %+v", sum)
		}
		ms, mtotal, err := e.gs.Members(e.ctx, e.as("gc"), a, 1, 1)
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
		wantErr(t, call, err, roster.ErrForbidden)
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
		e.user("m", users.RoleBasic)
		g1 := e.group("G1", "m")
		other, err := e.d.CreateWorkspace(e.ctx, roster.System, "other", "Other")
		e.must("CreateWorkspace", err)
		foreigner, err := other.Users().Register(e.ctx, users.Registration{Email: "f@example.com", Actor: roster.System})
		e.must("Register in other", err)
		foreignGroup, err := other.Groups().Create(e.ctx, roster.System, "Theirs")
		e.must("Create in other", err)
		const nobody = "00000000-0000-4000-8000-000000000000"
		admin, m := e.as("admin"), e.users["m"]
		before := e.state()
		calls := []struct {
			call string
			err  error
			want error
		}{
			{"Rename(unknown)", second(e.gs.Rename(e.ctx, admin, nobody, "X")), groups.ErrGroupNotFound},
			{"Delete(unknown)", second(e.gs.Delete(e.ctx, admin, nobody)), groups.ErrGroupNotFound},
			{"AddMembers(unknown group)", second(e.gs.AddMembers(e.ctx, admin, nobody, []string{m})), groups.ErrGroupNotFound},
			{"RemoveMembers(unknown group)", second(e.gs.RemoveMembers(e.ctx, admin, nobody, []string{m})), groups.ErrGroupNotFound},
			{"SetMembers(unknown group)", second(e.gs.SetMembers(e.ctx, admin, nobody, []string{m})), groups.ErrGroupNotFound},
			{"SetCurator(unknown group)", second(e.gs.SetCurator(e.ctx, admin, nobody, m, true)), groups.ErrGroupNotFound},
			{"Describe(unknown)", second(e.gs.Describe(e.ctx, admin, nobody)), groups.ErrGroupNotFound},
			{"Members(unknown)", third(e.gs.Members(e.ctx, admin, nobody, 0, 0)), groups.ErrGroupNotFound},
			{"Get(unknown)", second(e.gs.Get(e.ctx, nobody)), groups.ErrGroupNotFound},
			{"Describe(another workspace's group)", second(e.gs.Describe(e.ctx, admin, foreignGroup.ID)), groups.ErrGroupNotFound},
			{"AddMembers(unknown user among known)", second(e.gs.AddMembers(e.ctx, admin, g1, []string{e.users["admin"], nobody})), users.ErrUserNotFound},
			{"AddMembers(another workspace's user)", second(e.gs.AddMembers(e.ctx, admin, g1, []string{foreigner.ID})), users.ErrUserNotFound},
			{"SetMembers(unknown user)", second(e.gs.SetMembers(e.ctx, admin, g1, []string{nobody})), users.ErrUserNotFound},
			{"SetCurator(unknown user)", second(e.gs.SetCurator(e.ctx, admin, g1, nobody, true)), users.ErrUserNotFound},
			{"AddMembers as an unknown actor", second(e.gs.AddMembers(e.ctx, roster.AsUser(nobody), g1, []string{m})), roster.ErrForbidden},
			{"Create as another workspace's admin", second(e.gs.Create(e.ctx, roster.AsUser(foreigner.ID), "X")), roster.ErrForbidden},
			{"Create as a malformed actor", second(e.gs.Create(e.ctx, roster.Actor("nobody"), "X")), roster.ErrForbidden},
		}
		for _, c := range calls {
			wantErr(t, c.call, c.err, c.want)
		}
		e.unchanged("refused calls", before)
		if got := e.members("G1"); !slices.Equal(got, []string{"m"}) {
			t.Errorf("G1 members = %q, want m only (no partial AddMembers)", got)
		}
	})
}
