package roster_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// casbinWorld is a small workspace that random writes change through
// roster's API, and whose every (user, action, resource) the casbin view
// and Access.Can are compared on.
type casbinWorld struct {
	t      *testing.T
	ctx    context.Context
	w      *roster.Workspace
	rng    *rand.Rand
	users  []string // every user ever registered, deleted ones too
	groups []string // every group ever created, deleted ones too
	res    []access.Resource
}

func newCasbinWorld(t *testing.T, w *roster.Workspace, seed uint64) *casbinWorld {
	t.Helper()
	cw := &casbinWorld{t: t, ctx: context.Background(), w: w, rng: rand.New(rand.NewPCG(seed, 0xca5b1))}
	for range 5 {
		cw.register()
	}
	for range 3 {
		cw.createGroup()
	}
	for i, id := range []string{"c1", "c2", "d1", "d2", "a1", "a2"} {
		r := access.Resource{Kind: access.Kinds()[i/2], ID: id}
		f := resources.Facts{Owner: cw.user(), Groups: []string{cw.group()}, Public: id == "c1"}
		if r.Kind == access.DocumentSet { // c1 is public, so any group may hold the sets
			f.Connectors = []string{"c1"}
		}
		_, err := w.Resources().Register(cw.ctx, roster.System, r, f)
		must(t, "Register "+r.String(), err)
		cw.res = append(cw.res, r)
	}
	return cw
}

func (cw *casbinWorld) user() string  { return cw.users[cw.rng.IntN(len(cw.users))] }
func (cw *casbinWorld) group() string { return cw.groups[cw.rng.IntN(len(cw.groups))] }
func (cw *casbinWorld) resource() access.Resource {
	return cw.res[cw.rng.IntN(len(cw.res))]
}

func (cw *casbinWorld) register() { must(cw.t, "Register user", cw.tryRegister()) }

func (cw *casbinWorld) createGroup() { must(cw.t, "Create group", cw.tryCreateGroup()) }

// tryRegister and tryCreateGroup are register and createGroup for write,
// which may run on a goroutine other than the test's: they return the error
// instead of failing the test (t.Fatal must run on the test's goroutine).
func (cw *casbinWorld) tryRegister() error {
	u, err := cw.w.Users().Register(cw.ctx, users.Registration{
		Email: fmt.Sprintf("user%d@example.com", len(cw.users)), Actor: roster.System})
	if err == nil {
		cw.users = append(cw.users, u.ID)
	}
	return err
}

func (cw *casbinWorld) tryCreateGroup() error {
	g, err := cw.w.CreateGroup(cw.ctx, roster.System, fmt.Sprintf("group %d", len(cw.groups)), roster.GroupContents{})
	if err == nil {
		cw.groups = append(cw.groups, g.ID)
	}
	return err
}

// write makes one random write through roster as System and says what it
// was. Refusals (the last admin, a curator flag on an admin, the
// document-set rule) are part of the mix: they must change nothing.
func (cw *casbinWorld) write() (string, error) {
	ctx, sys := cw.ctx, roster.System
	u, g, r := cw.user(), cw.group(), cw.resource()
	roles := []users.Role{users.RoleAdmin, users.RoleGlobalCurator, users.RoleBasic, users.RoleLimited}
	var err error
	var what string
	switch op := cw.rng.IntN(14); op {
	case 0:
		what = "register a user"
		err = cw.tryRegister()
	case 1:
		role := roles[cw.rng.IntN(len(roles))]
		what = fmt.Sprintf("set role of %s to %s", u, role)
		_, err = cw.w.Users().SetRole(ctx, sys, u, role)
	case 2:
		what = "deactivate " + u
		_, err = cw.w.Users().Deactivate(ctx, sys, u)
	case 3:
		what = "activate " + u
		_, err = cw.w.Users().Activate(ctx, sys, u)
	case 4, 5:
		what = fmt.Sprintf("add %s to %s", u, g)
		_, err = cw.w.Groups().AddMembers(ctx, sys, g, []string{u})
	case 6:
		what = fmt.Sprintf("remove %s from %s", u, g)
		_, err = cw.w.Groups().RemoveMembers(ctx, sys, g, []string{u})
	case 7:
		on := cw.rng.IntN(3) > 0
		what = fmt.Sprintf("set curator %s of %s: %v", u, g, on)
		_, err = cw.w.Groups().SetCurator(ctx, sys, g, u, on)
	case 8:
		what = fmt.Sprintf("attach %s to %s", r, g)
		_, err = cw.w.Resources().Attach(ctx, sys, g, r)
	case 9:
		what = fmt.Sprintf("detach %s from %s", r, g)
		_, err = cw.w.Resources().Detach(ctx, sys, g, r)
	case 10, 11:
		what, err = cw.updateFacts(r, u)
	case 12:
		if cw.rng.IntN(4) == 0 {
			what = "delete group " + g
			_, err = cw.w.Groups().Delete(ctx, sys, g)
		} else {
			what = "create a group"
			err = cw.tryCreateGroup()
		}
	case 13:
		what = "delete user " + u
		err = cw.w.Users().Delete(ctx, sys, u)
	}
	return what, err
}

// updateFacts changes one fact of r: public, owner or (agents) a share.
func (cw *casbinWorld) updateFacts(r access.Resource, u string) (string, error) {
	f, err := cw.w.Resources().Facts(cw.ctx, r)
	if err != nil {
		return "read facts of " + r.String(), err
	}
	var what string
	switch {
	case r.Kind == access.Agent && cw.rng.IntN(2) == 0:
		if i := slices.Index(f.SharedWith, u); i >= 0 {
			f.SharedWith, what = slices.Delete(f.SharedWith, i, i+1), fmt.Sprintf("unshare %s with %s", r, u)
		} else {
			f.SharedWith, what = append(f.SharedWith, u), fmt.Sprintf("share %s with %s", r, u)
		}
	case cw.rng.IntN(2) == 0:
		f.Public, what = !f.Public, fmt.Sprintf("make %s public: %v", r, !f.Public)
	default:
		f.Owner, what = u, fmt.Sprintf("make %s owner of %s", u, r)
	}
	_, err = cw.w.Resources().Update(cw.ctx, roster.System, r, f)
	return what, err
}

// compare checks the casbin view of view against Access.Can of can for
// every (user, action, resource) and returns how many were allowed.
func (cw *casbinWorld) compare(when string, view *roster.CasbinView, can *roster.Access) int {
	cw.t.Helper()
	allowed := 0
	for _, u := range cw.users {
		for _, r := range cw.res {
			for _, act := range []access.Action{access.View, access.Edit} {
				want, err := can.Can(cw.ctx, u, act, r)
				if err != nil && !errors.Is(err, roster.ErrNotFound) {
					cw.t.Fatalf("%s: Can(%s, %s, %s): %v", when, u, act, r, err)
				}
				got, err := view.Enforce(cw.ctx, access.UserSubject(u), r.String(), string(act))
				if err != nil {
					cw.t.Fatalf("%s: Enforce(%s, %s, %s): %v", when, u, r, act, err)
				}
				if got != want {
					cw.t.Fatalf("%s: %s %s %s: casbin view %v, Access.Can %v", when, u, act, r, got, want)
				}
				if got {
					allowed++
				}
			}
		}
	}
	return allowed
}

// casbinSteps is how many random writes TestCasbinViewAgreesWithCanAfterEveryWrite
// makes: each is followed by two comparisons of every (user, action,
// resource), which casbin's Enforce makes slow under the race detector.
const casbinSteps = 60

// The casbin view is the oracle of the access index: after each of a
// series of random writes through roster, its Enforce agrees with
// Access.Can on every (user, action, resource) of the workspace, in the
// Directory that wrote and in a second one on the same database that
// reads the changes from the changelog (AwaitVersion).
func TestCasbinViewAgreesWithCanAfterEveryWrite(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a := open(t, dsn)
		b, err := roster.Open(ctx, roster.Config{DSN: dsn, PollInterval: -1}) // only AwaitVersion updates b
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		// b's enforcer is built on the empty workspace and must take the
		// whole world from the changelog; a's is built once it is set up.
		if ok, err := b.Default().Casbin().Enforce(ctx, "u:nobody", "agent:none", "view"); ok || err != nil {
			t.Fatalf("b's first Enforce: %v, %v; want false, nil", ok, err)
		}
		cw := newCasbinWorld(t, a.Default(), 1)
		view := a.Default().Casbin()
		allowed, denied, refused := 0, 0, 0
		for step := range casbinSteps {
			what, err := cw.write()
			if err != nil {
				refused++
			}
			when := fmt.Sprintf("step %d (%s, err %v)", step, what, err)
			n := cw.compare(when, view, a.Default().Access())
			allowed, denied = allowed+n, denied+2*len(cw.users)*len(cw.res)-n
			if err := b.AwaitVersion(ctx, a.Version()); err != nil {
				t.Fatalf("%s: b.AwaitVersion: %v", when, err)
			}
			cw.compare(when+" in b", b.Default().Casbin(), a.Default().Access())
		}
		t.Logf("%d allowed, %d denied, %d refused", allowed, denied, refused)
		if allowed < 250 || denied < 250 || refused == 0 || refused > casbinSteps/2 {
			t.Fatalf("%d checks allowed, %d denied, %d of %d writes refused: the writes do not exercise the model", allowed, denied, refused, casbinSteps)
		}
	})
}

// Several goroutines using the view for the first time while writes go on
// build one enforcer between them, and it misses no write: once the writes
// are done it agrees with Can everywhere.
func TestCasbinViewFirstUseDuringWrites(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		d := open(t, dsn)
		cw := newCasbinWorld(t, d.Default(), 2)
		view, sub := d.Default().Casbin(), access.UserSubject(cw.users[0])
		started, done := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(done)
			for i := range 60 {
				if i == 5 {
					close(started)
				}
				cw.write() // refusals are fine: only the final state is compared
			}
		}()
		<-started // the writer is at its sixth write and goes on while the enforcer is built
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 4 {
			wg.Go(func() {
				for {
					if _, err := view.Enforce(ctx, sub, "agent:a1", "view"); err != nil {
						errs <- err
						return
					}
					select {
					case <-done:
						return
					default:
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("Enforce during writes: %v", err)
		}
		if cw.compare("after the writes", view, d.Default().Access()) == 0 {
			t.Fatal("nothing allowed: the comparison proves nothing")
		}
	})
}

// The view's other questions, on a world whose answers are known, with
// another workspace's lines present in the same table.
func TestCasbinViewAnswersCasbinsQuestions(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		e := rostertest.NewEnv(t, dsn)
		e.User("bob", users.RoleBasic)
		e.User("cy", users.RoleGlobalCurator)
		eng := e.Group("eng", "bob", "cy")
		e.Curator("eng", "bob", true)
		wiki := e.Register(rostertest.Connector("wiki"), resources.Facts{Owner: e.Users["cy"], Groups: []string{eng}})
		other, err := e.D.CreateWorkspace(e.Ctx, roster.System, "acme", "Acme")
		e.Must("CreateWorkspace", err)
		stranger, err := other.Users().Register(e.Ctx, users.Registration{Email: "bob@example.com", Actor: roster.System})
		e.Must("Register in acme", err)
		_, err = other.Resources().Register(e.Ctx, roster.System, rostertest.Connector("wiki"), resources.Facts{Public: true})
		e.Must("Register in acme", err)

		ctx, view := e.Ctx, e.W.Casbin()
		bob, cy, g := access.UserSubject(e.Users["bob"]), access.UserSubject(e.Users["cy"]), access.GroupSubject(eng)

		roles, err := view.GetImplicitRolesForUser(ctx, bob)
		wantRoles := sortedStrings(g, "role:basic")
		if err != nil || !slices.Equal(roles, wantRoles) {
			t.Errorf("GetImplicitRolesForUser(bob) = %q, %v; want %q", roles, err, wantRoles)
		}
		dee := e.User("dee", users.RoleLimited)
		_, err = e.W.Users().Deactivate(ctx, roster.System, dee)
		e.Must("Deactivate dee", err)
		roles, err = view.GetImplicitRolesForUser(ctx, access.UserSubject(dee))
		if want := []string{"deactivated", "role:limited"}; err != nil || !slices.Equal(roles, want) {
			t.Errorf("GetImplicitRolesForUser(deactivated dee) = %q, %v; want %q", roles, err, want)
		}
		members, err := view.GetImplicitUsersForRole(ctx, g)
		if want := sortedStrings(bob, cy); err != nil || !slices.Equal(members, want) {
			t.Errorf("GetImplicitUsersForRole(eng) = %q, %v; want %q", members, err, want)
		}
		admins, err := view.GetImplicitUsersForRole(ctx, "role:admin")
		if want := []string{access.UserSubject(e.Users["admin"])}; err != nil || !slices.Equal(admins, want) {
			t.Errorf("GetImplicitUsersForRole(role:admin) = %q, %v; want %q (acme's admin is another workspace's)", admins, err, want)
		}
		for _, tt := range []struct {
			sub, obj, act string
			want          bool
		}{
			{bob, g, "curate", true},
			{cy, g, "curate", false}, // a global curator needs no flag
			{g, wiki.String(), "view", true},
			{cy, wiki.String(), "own", true},
			{"public", wiki.String(), "view", false}, // public in acme only
		} {
			if got, err := view.HasPolicy(ctx, tt.sub, tt.obj, tt.act); err != nil || got != tt.want {
				t.Errorf("HasPolicy(%s, %s, %s) = %v, %v; want %v", tt.sub, tt.obj, tt.act, got, err, tt.want)
			}
		}
		lines, err := view.GetFilteredPolicy(ctx, "", wiki.String(), "")
		want := []access.Line{
			access.ExistsLine("default", wiki),
			access.OwnerLine("default", e.Users["cy"], wiki),
			access.AttachLine("default", eng, wiki),
		}
		if err != nil || !sameLines(lines, want) {
			t.Errorf("GetFilteredPolicy(any, %s, any) = %v, %v; want %v", wiki, lines, err, want)
		}
		all, err := view.GetFilteredPolicy(ctx, "", "", "")
		e.Must("GetFilteredPolicy()", err)
		if len(all) == 0 {
			t.Fatal("GetFilteredPolicy() is empty: the default workspace has lines")
		}
		for _, l := range all {
			if l.V1 != "default" || l.V0 == access.UserSubject(stranger.ID) {
				t.Errorf("GetFilteredPolicy() holds %v, which is not the default workspace's", l)
			}
		}
		for _, tt := range []struct {
			sub, act string
			want     bool
		}{
			{bob, "view", true}, {bob, "edit", true}, // a curator of every attached group
			{cy, "edit", true}, {"u:nobody", "view", false}, {bob, "delete", false},
		} {
			if got, err := view.Enforce(ctx, tt.sub, wiki.String(), tt.act); err != nil || got != tt.want {
				t.Errorf("Enforce(%s, %s, %s) = %v, %v; want %v", tt.sub, wiki, tt.act, got, err, tt.want)
			}
		}
	})
}

func sortedStrings(xs ...string) []string {
	slices.Sort(xs)
	return xs
}

// sameLines reports whether got and want hold the same lines in any order.
func sameLines(got, want []access.Line) bool {
	key := func(ls []access.Line) []string {
		out := make([]string, len(ls))
		for i, l := range ls {
			out[i] = l.String()
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(key(got), key(want))
}

// A closed Directory's view, and the zero view, answer no with ErrClosed.
func TestCasbinViewClosedAndZero(t *testing.T) {
	ctx := context.Background()
	d := open(t, rostertest.SQLiteDSN(t))
	u, err := d.Default().Users().Register(ctx, users.Registration{Email: "ada@example.com"})
	must(t, "Register", err)
	agent := access.Resource{Kind: access.Agent, ID: "a1"}
	_, err = d.Default().Resources().Register(ctx, roster.System, agent, resources.Facts{Public: true})
	must(t, "Register agent", err)
	view := d.Default().Casbin()
	if ok, err := view.Enforce(ctx, access.UserSubject(u.ID), agent.String(), "view"); !ok || err != nil {
		t.Fatalf("Enforce before Close = %v, %v; want true", ok, err)
	}
	must(t, "Close", d.Close())
	var zero roster.CasbinView
	for name, v := range map[string]*roster.CasbinView{"closed": view, "zero": &zero} {
		ok, err := v.Enforce(ctx, access.UserSubject(u.ID), agent.String(), "view")
		if ok || !errors.Is(err, roster.ErrClosed) {
			t.Errorf("%s view: Enforce = %v, %v; want false, ErrClosed", name, ok, err)
		}
		if ok, err := v.HasPolicy(ctx, "public", agent.String(), "view"); ok || !errors.Is(err, roster.ErrClosed) {
			t.Errorf("%s view: HasPolicy = %v, %v; want false, ErrClosed", name, ok, err)
		}
		if ls, err := v.GetFilteredPolicy(ctx, "", "", ""); ls != nil || !errors.Is(err, roster.ErrClosed) {
			t.Errorf("%s view: GetFilteredPolicy = %v, %v; want nil, ErrClosed", name, ls, err)
		}
		if rs, err := v.GetImplicitRolesForUser(ctx, access.UserSubject(u.ID)); rs != nil || !errors.Is(err, roster.ErrClosed) {
			t.Errorf("%s view: GetImplicitRolesForUser = %v, %v; want nil, ErrClosed", name, rs, err)
		}
		if us, err := v.GetImplicitUsersForRole(ctx, "role:admin"); us != nil || !errors.Is(err, roster.ErrClosed) {
			t.Errorf("%s view: GetImplicitUsersForRole = %v, %v; want nil, ErrClosed", name, us, err)
		}
	}
}

// A waiting first use gives up when its context ends.
func TestCasbinViewFirstUseHonoursContext(t *testing.T) {
	d := open(t, rostertest.SQLiteDSN(t))
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	if _, err := d.Default().Casbin().Enforce(ctx, "u:x", "agent:a1", "view"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Enforce with an ended context: %v, want DeadlineExceeded", err)
	}
}

// A Directory that polls brings its casbin view up to date without being
// asked: another instance's deactivation denies there within the poll.
func TestCasbinViewFollowsThePoll(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a := open(t, dsn)
		b, err := roster.Open(ctx, roster.Config{DSN: dsn, PollInterval: 5 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		ws := a.Default()
		admin, err := ws.Users().Register(ctx, users.Registration{Email: "ada@example.com"})
		must(t, "Register", err)
		bob, err := ws.Users().Register(ctx, users.Registration{Email: "bob@example.com"})
		must(t, "Register", err)
		agent := access.Resource{Kind: access.Agent, ID: "helper"}
		_, err = ws.Resources().Register(ctx, roster.System, agent, resources.Facts{Public: true})
		must(t, "Register agent", err)
		view := b.Default().Casbin()
		enforce := func() bool {
			ok, err := view.Enforce(ctx, access.UserSubject(bob.ID), agent.String(), "view")
			must(t, "Enforce", err)
			return ok
		}
		waitFor(t, "b's casbin view allows bob", enforce)
		_, err = ws.Users().Deactivate(ctx, access.UserActor(admin.ID), bob.ID)
		must(t, "Deactivate", err)
		waitFor(t, "b's casbin view denies deactivated bob", func() bool { return !enforce() })
	})
}
