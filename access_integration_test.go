package roster_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/store"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// population names what a snapshot of a workspace's answers covers.
type population struct {
	w     *roster.Workspace
	users []string
	res   []access.Resource
	names map[string]string // user id → name in messages; the id if absent
}

func (f *fixture) population() population {
	p := population{w: f.w, res: f.res, names: map[string]string{}}
	for _, name := range matrixPrincipals() {
		p.users = append(p.users, f.users[name])
		p.names[f.users[name]] = name
	}
	return p
}

func (p population) name(userID string) string {
	if n, ok := p.names[userID]; ok {
		return n
	}
	return userID
}

// buildWorld builds a random-ish workspace through the public API: users of
// every role (some deactivated, one curator promoted away from their flags),
// groups with members and curator flags, and resources of every kind with
// random owners, public flags, groups and shares.
func buildWorld(t *testing.T, d *roster.Directory, wsID string, seed uint64) population {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 42))
	w, err := d.CreateWorkspace(ctx, roster.System, wsID, "World "+wsID)
	must(t, "CreateWorkspace", err)
	p := population{w: w}
	roles := map[string]users.Role{}
	for i := range 10 {
		u, err := w.Users().Register(ctx, users.Registration{Email: fmt.Sprintf("u%d@example.com", i), Actor: roster.System})
		must(t, "Register", err)
		p.users, roles[u.ID] = append(p.users, u.ID), u.Role
		if role := []users.Role{users.RoleAdmin, users.RoleGlobalCurator, users.RoleLimited}[rng.IntN(3)]; i > 0 && rng.IntN(2) == 0 {
			_, err := w.Users().SetRole(ctx, roster.System, u.ID, role)
			must(t, "SetRole", err)
			roles[u.ID] = role
		}
	}
	var groupIDs, flagged []string
	for i := range 4 {
		g, err := w.CreateGroup(ctx, roster.System, fmt.Sprintf("group %d", i), roster.GroupContents{})
		must(t, "Create", err)
		groupIDs = append(groupIDs, g.ID)
		members := pick(rng, p.users, 0.4)
		_, err = w.Groups().AddMembers(ctx, roster.System, g.ID, members)
		must(t, "AddMembers", err)
		for _, m := range members {
			if (roles[m] == users.RoleBasic || roles[m] == users.RoleCurator) && rng.IntN(2) == 0 {
				_, err := w.Groups().SetCurator(ctx, roster.System, g.ID, m, true)
				must(t, "SetCurator", err)
				roles[m], flagged = users.RoleCurator, append(flagged, m)
			}
		}
	}
	for i := range 18 {
		r := access.Resource{Kind: access.Kinds()[i%3], ID: fmt.Sprintf("r%02d", i)}
		f := resources.Facts{Public: rng.IntN(5) == 0, Groups: pick(rng, groupIDs, 0.3)}
		if rng.IntN(2) == 0 {
			f.Owner = p.users[rng.IntN(len(p.users))]
		}
		if r.Kind == access.Agent {
			f.SharedWith = pick(rng, p.users, 0.15)
		}
		_, err := w.Resources().Register(ctx, roster.System, r, f)
		must(t, "Register "+r.String(), err)
		p.res = append(p.res, r)
	}
	if len(flagged) > 0 {
		_, err := w.Users().SetRole(ctx, roster.System, flagged[0], users.RoleGlobalCurator)
		must(t, "SetRole of a curator", err)
	}
	for _, u := range pick(rng, p.users[1:], 0.2) {
		_, err := w.Users().Deactivate(ctx, roster.System, u)
		must(t, "Deactivate", err)
	}
	return p
}

// pick returns each element of xs with probability p, in order.
func pick(rng *rand.Rand, xs []string, p float64) []string {
	var out []string
	for _, x := range xs {
		if rng.Float64() < p {
			out = append(out, x)
		}
	}
	return out
}

func must(t *testing.T, call string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", call, err)
	}
}

// can is Access.Can that fails the test on an error.
func can(t *testing.T, p population, user string, act access.Action, r access.Resource) bool {
	t.Helper()
	ok, err := p.w.Access().Can(context.Background(), user, act, r)
	if err != nil {
		t.Fatalf("Can(%s, %s, %s): %v", user, act, r, err)
	}
	return ok
}

func TestAccessAnswersAgreeWithCan(t *testing.T) {
	forEachStore(t, func(t *testing.T, dsn string) {
		d := openDirectory(t, dsn)
		for seed := uint64(1); seed <= 3; seed++ {
			p := buildWorld(t, d, fmt.Sprintf("world%d", seed), seed)
			t.Run(fmt.Sprintf("seed%d/acl", seed), func(t *testing.T) { checkACL(t, p) })
			t.Run(fmt.Sprintf("seed%d/visible", seed), func(t *testing.T) { checkVisible(t, p) })
			t.Run(fmt.Sprintf("seed%d/whocan", seed), func(t *testing.T) { checkWhoCan(t, p) })
		}
	})
}

// checkACL: ACLFor(user) and ACLOf(resource) intersect exactly when Can
// allows view.
func checkACL(t *testing.T, p population) {
	ctx := context.Background()
	allowed := 0
	for _, u := range p.users {
		mine, err := p.w.Access().ACLFor(ctx, u)
		must(t, "ACLFor", err)
		for _, r := range p.res {
			theirs, err := p.w.Access().ACLOf(ctx, r)
			must(t, "ACLOf", err)
			got := slices.ContainsFunc(mine, func(tok string) bool { return slices.Contains(theirs, tok) })
			if want := can(t, p, u, access.View, r); got != want {
				t.Errorf("user %s, %s: ACLFor %q ∩ ACLOf %q non-empty = %v, Can(view) = %v", u, r, mine, theirs, got, want)
			}
			if got {
				allowed++
			}
		}
	}
	if allowed == 0 || allowed == len(p.users)*len(p.res) {
		t.Errorf("%d of %d pairs allowed: the world tests nothing", allowed, len(p.users)*len(p.res))
	}
}

// checkVisible: Visible lists exactly what Can allows, and pages of every
// size, cursor to cursor, reassemble that list.
func checkVisible(t *testing.T, p population) {
	ctx := context.Background()
	for _, u := range p.users {
		for _, k := range access.Kinds() {
			var want []string
			for _, r := range p.res {
				if r.Kind == k && can(t, p, u, access.View, r) {
					want = append(want, r.ID)
				}
			}
			all, next, err := p.w.Access().Visible(ctx, u, k, roster.Page{})
			if err != nil || next != "" || !slices.Equal(all, want) {
				t.Errorf("Visible(%s, %s) = %q, next %q, %v; want %q, \"\"", u, k, all, next, err, want)
			}
			for size := 1; size <= 3; size++ {
				if got := visiblePaged(t, p, u, k, size); !slices.Equal(got, want) {
					t.Errorf("Visible(%s, %s) by pages of %d = %q, want %q", u, k, size, got, want)
				}
			}
		}
	}
}

func visiblePaged(t *testing.T, p population, u string, k access.Kind, size int) []string {
	t.Helper()
	var got []string
	cursor := ""
	for range len(p.res) + 2 {
		ids, next, err := p.w.Access().Visible(context.Background(), u, k, roster.Page{After: cursor, Limit: size})
		must(t, "Visible", err)
		if len(ids) > size || (next != "" && len(ids) != size) {
			t.Fatalf("Visible(%s, %s, after %q, limit %d) = %q, next %q: page too long or silently short", u, k, cursor, size, ids, next)
		}
		got = append(got, ids...)
		if next == "" {
			return got
		}
		cursor = next
	}
	t.Fatalf("Visible(%s, %s) by pages of %d never ended", u, k, size)
	return nil
}

// checkWhoCan: WhoCan lists exactly the users Can allows.
func checkWhoCan(t *testing.T, p population) {
	for _, r := range p.res {
		for _, act := range []access.Action{access.View, access.Edit} {
			var want []string
			for _, u := range p.users {
				if can(t, p, u, act, r) {
					want = append(want, u)
				}
			}
			slices.Sort(want)
			got, err := p.w.Access().WhoCan(context.Background(), r, act)
			if err != nil || !slices.Equal(got, want) {
				t.Errorf("WhoCan(%s, %s) = %q, %v; want %q", r, act, got, err, want)
			}
		}
	}
}

// snapshot records every answer of a workspace: Can, Explain, Visible,
// WhoCan, ACLFor and ACLOf for every user, resource, kind and action.
func snapshot(t *testing.T, p population) map[string]string {
	t.Helper()
	ctx := context.Background()
	ac := p.w.Access()
	out := map[string]string{}
	for _, u := range p.users {
		n := p.name(u)
		for _, r := range p.res {
			for _, act := range []access.Action{access.View, access.Edit} {
				ok, err := ac.Can(ctx, u, act, r)
				ex, exErr := ac.Explain(ctx, u, act, r)
				out[fmt.Sprintf("Can(%s, %s, %s)", n, act, r)] = fmt.Sprint(ok, err, ex, exErr)
			}
		}
		for _, k := range access.Kinds() {
			ids, next, err := ac.Visible(ctx, u, k, roster.Page{})
			out[fmt.Sprintf("Visible(%s, %s)", n, k)] = fmt.Sprint(ids, next, err)
		}
		acl, err := ac.ACLFor(ctx, u)
		out["ACLFor("+n+")"] = fmt.Sprint(acl, err)
	}
	for _, r := range p.res {
		for _, act := range []access.Action{access.View, access.Edit} {
			who, err := ac.WhoCan(ctx, r, act)
			out[fmt.Sprintf("WhoCan(%s, %s)", r, act)] = fmt.Sprint(who, err)
		}
		acl, err := ac.ACLOf(ctx, r)
		out["ACLOf("+r.String()+")"] = fmt.Sprint(acl, err)
	}
	return out
}

func TestReopenGivesTheSameAnswers(t *testing.T) {
	forEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		d := openDirectory(t, dsn)
		pops := []population{buildWorld(t, d, "world", 7), newFixture(t, d, "fixture").population()}
		// Changes after the build, so the reload must replay removals too.
		f := pops[1]
		_, err := f.w.Resources().Unregister(ctx, roster.System, f.res[0])
		must(t, "Unregister", err)
		_, err = f.w.Users().Activate(ctx, roster.System, f.users[len(f.users)-1])
		must(t, "Activate", err)
		var before []map[string]string
		for _, p := range pops {
			before = append(before, snapshot(t, p))
		}
		version := d.Version()
		must(t, "Close", d.Close())

		d2 := openDirectory(t, dsn)
		if got := d2.Version(); got != version {
			t.Errorf("Version after reopen = %d, want %d", got, version)
		}
		for i, p := range pops {
			w, err := d2.Workspace(ctx, p.w.ID())
			must(t, "Workspace", err)
			p.w = w
			after := snapshot(t, p)
			if len(before[i]) == 0 {
				t.Fatalf("workspace %s: the snapshot before reopen is empty", w.ID())
			}
			for k, v := range before[i] {
				if after[k] != v {
					t.Errorf("workspace %s, %s after reopen:\n got %s\nwant %s", w.ID(), k, after[k], v)
				}
			}
		}
	})
}

func TestDeactivationDeniesAtOnceAndActivateRestores(t *testing.T) {
	forEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		f := newFixture(t, openDirectory(t, dsn), "fixture")
		p := f.population()
		us := f.w.Users()
		for _, name := range []string{"member1", "gcurator", "curator1"} {
			id := f.users[name]
			before := snapshot(t, p)
			_, err := us.Deactivate(ctx, roster.System, id)
			must(t, "Deactivate "+name, err)
			deniedEverything(t, p, id)
			_, err = us.Activate(ctx, roster.System, id)
			must(t, "Activate "+name, err)
			if d := diffMaps(before, snapshot(t, p)); len(d) > 0 {
				t.Errorf("after Activate(%s), answers differ from before Deactivate:\n  %s", name, strings.Join(d, "\n  "))
			}
		}
		// The deactivated admin is denied like anyone, and Activate gives them
		// every resource again.
		dead := f.users["deadadmin"]
		deniedEverything(t, p, dead)
		_, err := us.Activate(ctx, roster.System, dead)
		must(t, "Activate deadadmin", err)
		for _, r := range f.res[:len(f.res)-len(access.Kinds())] {
			if !can(t, p, dead, access.View, r) || !can(t, p, dead, access.Edit, r) {
				t.Errorf("reactivated admin cannot view and edit %s", r)
			}
		}
	})
}

// deniedEverything checks that a user gets no access answer at all.
func deniedEverything(t *testing.T, p population, user string) {
	t.Helper()
	ctx := context.Background()
	ac := p.w.Access()
	for _, r := range p.res {
		for _, act := range []access.Action{access.View, access.Edit} {
			if ok, err := ac.Can(ctx, user, act, r); ok || (err != nil && !errors.Is(err, roster.ErrNotFound)) {
				t.Errorf("deactivated: Can(%s, %s) = %v, %v; want false", act, r, ok, err)
			}
		}
		who, err := ac.WhoCan(ctx, r, access.View)
		if err != nil || slices.Contains(who, user) {
			t.Errorf("deactivated: WhoCan(%s) = %q, %v; want without them", r, who, err)
		}
	}
	for _, k := range access.Kinds() {
		if ids, _, err := ac.Visible(ctx, user, k, roster.Page{}); len(ids) > 0 || err != nil {
			t.Errorf("deactivated: Visible(%s) = %q, %v; want none", k, ids, err)
		}
	}
	if acl, err := ac.ACLFor(ctx, user); len(acl) > 0 || err != nil {
		t.Errorf("deactivated: ACLFor = %q, %v; want empty", acl, err)
	}
	ex, err := ac.Explain(ctx, user, access.View, p.res[0])
	if err != nil || ex.Allowed || ex.Reason != access.ReasonDeactivated {
		t.Errorf("deactivated: Explain = %+v, %v; want denied as deactivated", ex, err)
	}
}

func diffMaps(before, after map[string]string) []string {
	var out []string
	for k, v := range before {
		if after[k] != v {
			out = append(out, fmt.Sprintf("%s: %s → %s", k, v, after[k]))
		}
	}
	slices.Sort(out)
	return out
}

func TestWorkspaceIsolation(t *testing.T) {
	forEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		d := openDirectory(t, dsn)
		a, b := newFixture(t, d, "a"), newFixture(t, d, "b")
		onlyA := access.Resource{Kind: access.Connector, ID: "only-a"}
		_, err := a.w.Resources().Register(ctx, roster.System, onlyA, resources.Facts{Public: true})
		must(t, "Register", err)
		a.res = append(a.res, onlyA)
		before := a.state(t)

		// B's users see nothing of A's, through either workspace's handle.
		for _, name := range matrixPrincipals() {
			bu := b.users[name]
			if ok, err := b.w.Access().Can(ctx, bu, access.View, onlyA); ok || !errors.Is(err, roster.ErrNotFound) {
				t.Errorf("B's %s: Can(view, A's resource) in B = %v, %v; want false, ErrNotFound", name, ok, err)
			}
			if ok, err := a.w.Access().Can(ctx, bu, access.View, onlyA); ok || !errors.Is(err, roster.ErrNotFound) {
				t.Errorf("B's %s: Can(view, A's resource) in A = %v, %v; want false, ErrNotFound", name, ok, err)
			}
			ids, _, err := b.w.Access().Visible(ctx, bu, access.Connector, roster.Page{})
			if err != nil || slices.Contains(ids, onlyA.ID) {
				t.Errorf("B's %s: Visible = %q, %v; want without %s", name, ids, err, onlyA.ID)
			}
			if ids, _, err := a.w.Access().Visible(ctx, bu, access.Connector, roster.Page{}); len(ids) > 0 || !errors.Is(err, roster.ErrNotFound) {
				t.Errorf("B's %s: Visible in A = %q, %v; want none, ErrNotFound (not a user of A)", name, ids, err)
			}
			if acl, err := a.w.Access().ACLFor(ctx, bu); len(acl) > 0 || !errors.Is(err, roster.ErrNotFound) {
				t.Errorf("B's %s: ACLFor in A = %q, %v; want none, ErrNotFound", name, acl, err)
			}
			mine, err := b.w.Access().ACLFor(ctx, bu)
			must(t, "ACLFor", err)
			for _, r := range a.res {
				theirs, err := a.w.Access().ACLOf(ctx, r)
				must(t, "ACLOf", err)
				if slices.ContainsFunc(mine, func(tok string) bool { return slices.Contains(theirs, tok) }) {
					t.Errorf("B's %s: ACLFor %q meets ACLOf(A's %s) %q", name, mine, r, theirs)
				}
			}
		}
		who, err := a.w.Access().WhoCan(ctx, onlyA, access.View)
		must(t, "WhoCan", err)
		if len(who) == 0 {
			t.Fatal("WhoCan(A's resource) is empty: A's admin may view it")
		}
		for _, u := range who {
			if slices.Contains(b.population().users, u) {
				t.Errorf("WhoCan(A's resource) holds B's user %s", u)
			}
		}

		// B's admin cannot touch A's groups or resources: through B's handle
		// they do not exist; through A's handle B's admin is nobody.
		bAdmin := access.UserActor(b.users["admin"])
		g1, r := a.groups["G1"], access.Resource{Kind: access.Connector, ID: "g1"}
		refusals := []struct {
			call string
			err  error
			want error
		}{
			{"B.Rename(A's G1)", second(b.w.Groups().Rename(ctx, bAdmin, g1, "Mine"))(), roster.ErrNotFound},
			{"B.Delete(A's G1)", second(b.w.Groups().Delete(ctx, bAdmin, g1))(), roster.ErrNotFound},
			{"B.AddMembers(A's G1)", second(b.w.Groups().AddMembers(ctx, bAdmin, g1, []string{b.users["basic"]}))(), roster.ErrNotFound},
			{"B.SetCurator(A's G1)", second(b.w.Groups().SetCurator(ctx, bAdmin, g1, a.users["member1"], true))(), roster.ErrNotFound},
			{"B.Describe(A's G1)", second(b.w.Groups().Describe(ctx, bAdmin, g1))(), roster.ErrNotFound},
			{"B.Attach(A's resource to A's G1)", second(b.w.Resources().Attach(ctx, bAdmin, g1, onlyA))(), roster.ErrNotFound},
			{"B.Register(in A's G1)", second(b.w.Resources().Register(ctx, bAdmin, access.Resource{Kind: access.Connector, ID: "x"}, resources.Facts{Groups: []string{g1}}))(), roster.ErrNotFound},
			{"B.Unregister(A's only resource)", second(b.w.Resources().Unregister(ctx, bAdmin, onlyA))(), roster.ErrNotFound},
			{"A.Rename(G1) as B's admin", second(a.w.Groups().Rename(ctx, bAdmin, g1, "Mine"))(), roster.ErrForbidden},
			{"A.AddMembers(G1) as B's admin", second(a.w.Groups().AddMembers(ctx, bAdmin, g1, []string{a.users["basic"]}))(), roster.ErrForbidden},
			{"A.Detach(g1) as B's admin", second(a.w.Resources().Detach(ctx, bAdmin, g1, r))(), roster.ErrForbidden},
			{"A.Unregister(g1) as B's admin", second(a.w.Resources().Unregister(ctx, bAdmin, r))(), roster.ErrForbidden},
		}
		for _, c := range refusals {
			if !errors.Is(c.err, c.want) {
				t.Errorf("%s: %v, want %v", c.call, c.err, c.want)
			}
		}
		if diff := before.diff(a.state(t)); len(diff) > 0 {
			t.Errorf("workspace A changed:\n  %s", strings.Join(diff, "\n  "))
		}
	})
}

// second returns a call's error, for tables of calls whose first result does
// not matter.
func second[T any](_ T, err error) func() error { return func() error { return err } }

func TestClosedDirectoryDeniesEveryAnswer(t *testing.T) {
	forEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		d := openDirectory(t, dsn)
		f := newFixture(t, d, "fixture")
		admin, r := f.users["admin"], access.Resource{Kind: access.Connector, ID: "g1"}
		if !can(t, f.population(), admin, access.View, r) {
			t.Fatalf("admin cannot view %s before Close", r)
		}
		must(t, "Close", d.Close())
		ac := f.w.Access()
		for _, act := range []access.Action{access.View, access.Edit} {
			if ok, err := ac.Can(ctx, admin, act, r); ok || !errors.Is(err, roster.ErrClosed) {
				t.Errorf("Can(%s) after Close = %v, %v; want false, ErrClosed", act, ok, err)
			}
		}
		calls := []struct {
			call string
			err  error
		}{
			{"Visible", func() error { _, _, err := ac.Visible(ctx, admin, access.Connector, roster.Page{}); return err }()},
			{"WhoCan", second(ac.WhoCan(ctx, r, access.View))()},
			{"Explain", second(ac.Explain(ctx, admin, access.View, r))()},
			{"ACLFor", second(ac.ACLFor(ctx, admin))()},
			{"ACLOf", second(ac.ACLOf(ctx, r))()},
			{"Groups.Create", second(f.w.CreateGroup(ctx, roster.System, "New", roster.GroupContents{}))()},
			{"Groups.Minimal", second(f.w.Groups().Minimal(ctx, roster.System))()},
			{"Groups.AddMembers", second(f.w.Groups().AddMembers(ctx, roster.System, f.groups["G1"], []string{f.users["basic"]}))()},
			{"Resources.Register", second(f.w.Resources().Register(ctx, roster.System, access.Resource{Kind: access.Agent, ID: "x"}, resources.Facts{}))()},
			{"Resources.Attach", second(f.w.Resources().Attach(ctx, roster.System, f.groups["G2"], r))()},
			{"Resources.Facts", second(f.w.Resources().Facts(ctx, r))()},
		}
		for _, c := range calls {
			if !errors.Is(c.err, roster.ErrClosed) {
				t.Errorf("%s after Close: %v, want ErrClosed", c.call, c.err)
			}
		}
	})
}

func TestDeleteUserRemovesMembershipsFlagsAndShares(t *testing.T) {
	forEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		f := newFixture(t, openDirectory(t, dsn), "fixture")
		basic, g1 := f.users["basic"], f.groups["G1"]
		shared, owned := access.Resource{Kind: access.Agent, ID: "shared"}, access.Resource{Kind: access.Connector, ID: "ownb"}
		_, err := f.w.Groups().AddMembers(ctx, roster.System, g1, []string{basic})
		must(t, "AddMembers", err)
		_, err = f.w.Groups().SetCurator(ctx, roster.System, g1, basic, true)
		must(t, "SetCurator", err)
		_, err = f.w.Users().TransferOwnership(ctx, roster.System, basic, f.users["admin"])
		must(t, "TransferOwnership", err)
		// A connector the user owns does not block the delete.
		_, err = f.w.Resources().Register(ctx, roster.System, owned, resources.Facts{Owner: basic})
		must(t, "Register", err)
		f.res = append(f.res, owned)
		_, err = f.w.Users().Deactivate(ctx, roster.System, basic)
		must(t, "Deactivate", err)
		must(t, "Delete", f.w.Users().Delete(ctx, roster.System, basic))

		ac := f.w.Access()
		if ok, err := ac.Can(ctx, basic, access.View, shared); ok || !errors.Is(err, roster.ErrNotFound) {
			t.Errorf("Can(deleted user) = %v, %v; want false, ErrNotFound", ok, err)
		}
		for _, r := range f.res {
			acl, err := ac.ACLOf(ctx, r)
			must(t, "ACLOf", err)
			who, err := ac.WhoCan(ctx, r, access.View)
			must(t, "WhoCan", err)
			if slices.Contains(acl, "user:"+basic) || slices.Contains(who, basic) {
				t.Errorf("%s still names the deleted user: ACLOf %q, WhoCan %q", r, acl, who)
			}
		}
		members, _, err := f.w.Groups().Members(ctx, roster.System, g1, 0, 0)
		must(t, "Members", err)
		for _, m := range members {
			if m.UserID == basic {
				t.Errorf("the deleted user is still a member of G1: %+v", m)
			}
		}
		if facts, err := f.w.Resources().Facts(ctx, shared); err != nil || len(facts.SharedWith) > 0 {
			t.Errorf("Facts(%s) = %+v, %v; want no share left", shared, facts, err)
		}
		if facts, err := f.w.Resources().Facts(ctx, owned); err != nil || facts.Owner != "" {
			t.Errorf("Facts(%s) = %+v, %v; want it registered, without owner", owned, facts, err)
		}

		// The policy lines themselves: an index loaded from the database holds
		// nothing of the user.
		ix := loadIndex(t, dsn)
		ws := f.w.ID()
		if gf, _ := ix.GroupFacts(ws, g1); slices.Contains(gf.Members, basic) || slices.Contains(gf.Curators, basic) {
			t.Errorf("reloaded G1 = %+v, holds the deleted user", gf)
		}
		if rf, _ := ix.ResourceFacts(ws, shared); slices.Contains(rf.Shares, basic) {
			t.Errorf("reloaded %s = %+v, still shared with the deleted user", shared, rf)
		}
		if rf, _ := ix.ResourceFacts(ws, owned); !rf.Exists || len(rf.Owners) > 0 {
			t.Errorf("reloaded %s = %+v, want registered without owner", owned, rf)
		}
		if role, ok := ix.Role(ws, basic); ok {
			t.Errorf("reloaded role of the deleted user = %q, want none", role)
		}
	})
}

// loadIndex builds an access index from the policy lines in the database.
func loadIndex(t *testing.T, dsn string) *access.Index {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{DSN: dsn, SkipMigrations: true, Logger: slog.New(slog.DiscardHandler), Now: time.Now})
	must(t, "store.Open", err)
	defer st.Close()
	ix := access.NewIndex()
	_, err = st.LoadLines(ctx, func(lines []access.Line) { ix.Apply(lines, nil) })
	must(t, "LoadLines", err)
	return ix
}
