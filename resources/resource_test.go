package resources_test

import (
	"errors"
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

func TestRegisterUpdateUnregister(t *testing.T) {
	forEachStore(t, func(e *env) {
		e.User("owner", users.RoleBasic)
		e.User("friend", users.RoleBasic)
		e.User("m", users.RoleBasic)
		g1, g2 := e.Group("G1", "m"), e.Group("G2")
		ws := e.W.ID()
		a := agent("a")
		_, err := e.rs.Register(e.Ctx, roster.System, a, resources.Facts{
			Owner: e.Users["owner"], Groups: []string{g2, g1, g2}, SharedWith: e.IDs("friend", "friend"),
		})
		e.Must("Register", err)
		wantGroups := []string{g1, g2}
		slices.Sort(wantGroups)
		wantFacts(t, e, a, resources.Facts{Owner: e.Users["owner"], Groups: wantGroups, SharedWith: e.IDs("friend")})
		wantACL(t, e, a, "admin:"+ws, "group:"+g1, "group:"+g2, "user:"+e.Users["friend"], "user:"+e.Users["owner"])
		for user, want := range map[string]bool{"owner": true, "friend": true, "m": true, "admin": true} {
			if got := e.Can(user, access.View, a); got != want {
				t.Errorf("Can(%s, view, %s) = %v, want %v", user, a, got, want)
			}
		}

		// Update replaces the facts: G1 and the share go, public comes.
		_, err = e.rs.Update(e.Ctx, roster.System, a, resources.Facts{Owner: e.Users["owner"], Groups: []string{g2}, Public: true})
		e.Must("Update", err)
		wantFacts(t, e, a, resources.Facts{Owner: e.Users["owner"], Groups: []string{g2}, Public: true})
		wantACL(t, e, a, "admin:"+ws, "group:"+g2, "public:"+ws, "user:"+e.Users["owner"])
		if g, _ := e.GS.Describe(e.Ctx, roster.System, g1); len(g.Resources) != 0 {
			t.Errorf("G1 still lists %v after the update detached it", g.Resources)
		}

		// Unregister removes every fact; the id may be registered again.
		_, err = e.rs.Unregister(e.Ctx, roster.System, a)
		e.Must("Unregister", err)
		rostertest.WantErr(t, "Facts(unregistered)", second(e.rs.Facts(e.Ctx, a)), resources.ErrResourceNotFound)
		if ok, err := e.W.Access().Can(e.Ctx, e.Users["owner"], access.View, a); ok || !errors.Is(err, roster.ErrNotFound) {
			t.Errorf("Can(owner, unregistered) = %v, %v; want false, ErrNotFound", ok, err)
		}
		wantACL(t, e, a)
		if owned, err := e.W.Users().Owned(e.Ctx, e.Users["owner"]); err != nil || len(owned) != 0 {
			t.Errorf("Owned(owner) = %v, %v; want nothing", owned, err)
		}
		_, err = e.rs.Register(e.Ctx, roster.System, a, resources.Facts{})
		e.Must("Register again", err)
		wantFacts(t, e, a, resources.Facts{})
		wantACL(t, e, a, "admin:"+ws)
	})
}

func wantFacts(t *testing.T, e *env, r access.Resource, want resources.Facts) {
	t.Helper()
	got, err := e.rs.Facts(e.Ctx, r)
	if err != nil || got.Owner != want.Owner || got.Public != want.Public ||
		!slices.Equal(got.Groups, want.Groups) || !slices.Equal(got.SharedWith, want.SharedWith) || !slices.Equal(got.Connectors, want.Connectors) {
		t.Errorf("Facts(%s) = %+v, %v; want %+v", r, got, err, want)
	}
}

func wantACL(t *testing.T, e *env, r access.Resource, want ...string) {
	t.Helper()
	slices.Sort(want)
	got, err := e.W.Access().ACLOf(e.Ctx, r)
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("ACLOf(%s) = %q, %v; want %q", r, got, err, want)
	}
}

func TestDocumentSetRule(t *testing.T) {
	forEachStore(t, func(e *env) {
		e.User("cur", users.RoleBasic)
		e.Group("G1", "cur")
		e.Group("G2", "cur")
		e.Curator("G1", "cur", true)
		e.Curator("G2", "cur", true)
		e.Register(rostertest.Connector("p1"), resources.Facts{Groups: e.gids("G1")})
		e.Register(rostertest.Connector("p12"), resources.Facts{Groups: e.gids("G1", "G2")})
		e.Register(rostertest.Connector("pub"), resources.Facts{Public: true})
		e.Register(rostertest.Connector("orphan"), resources.Facts{})
		e.Register(docSet("not-a-connector"), resources.Facts{Public: true})
		cases := []struct {
			rule       string
			public     bool
			groups     []string
			connectors []string
			want       error
		}{
			{"a private connector attached to the set's only group", false, []string{"G1"}, []string{"p1"}, nil},
			{"a private connector missing one of the set's groups", false, []string{"G1", "G2"}, []string{"p1"}, resources.ErrDocumentSetRule},
			{"a private connector attached to every group of the set", false, []string{"G1", "G2"}, []string{"p12"}, nil},
			{"a private connector in a set of other groups", false, []string{"G2"}, []string{"p1"}, resources.ErrDocumentSetRule},
			{"a private connector attached to no group", false, []string{"G1"}, []string{"orphan"}, resources.ErrDocumentSetRule},
			{"one bad connector among good ones", false, []string{"G1", "G2"}, []string{"p12", "pub", "p1"}, resources.ErrDocumentSetRule},
			{"a public connector is always fine", false, []string{"G1", "G2"}, []string{"pub"}, nil},
			{"a public document set is always fine", true, []string{"G2"}, []string{"p1", "orphan"}, nil},
			{"an unknown connector", false, []string{"G1"}, []string{"nope"}, resources.ErrResourceNotFound},
			{"a document set is not a connector", false, []string{"G1"}, []string{"not-a-connector"}, resources.ErrResourceNotFound},
		}
		for i, c := range cases {
			for _, actor := range []string{"admin", "cur"} {
				r := docSet(fmt.Sprintf("d%d-%s", i, actor))
				e.watch(r)
				before := e.State()
				_, err := e.rs.Register(e.Ctx, e.As(actor), r, resources.Facts{Public: c.public, Groups: e.gids(c.groups...), Connectors: c.connectors})
				call := fmt.Sprintf("%s (%s registers)", c.rule, actor)
				if c.want == nil {
					if err != nil {
						t.Errorf("%s: %v, want allowed", call, err)
					}
					continue
				}
				rostertest.WantErr(t, call, err, c.want)
				e.Unchanged(call, before)
			}
		}
		// Update checks the rule against the new facts.
		d := e.Register(docSet("d"), resources.Facts{Groups: e.gids("G1"), Connectors: []string{"p1"}})
		before := e.State()
		_, err := e.rs.Update(e.Ctx, e.As("cur"), d, resources.Facts{Groups: e.gids("G1", "G2"), Connectors: []string{"p1"}})
		rostertest.WantErr(t, "Update adding a group p1 lacks", err, resources.ErrDocumentSetRule)
		e.Unchanged("a refused Update", before)
		_, err = e.rs.Update(e.Ctx, e.As("cur"), d, resources.Facts{Groups: e.gids("G1", "G2"), Connectors: []string{"p12"}})
		e.Must("Update with p12", err)
	})
}

func TestBadInputIsATypedErrorAndWritesNothing(t *testing.T) {
	forEachStore(t, func(e *env) {
		e.User("m", users.RoleBasic)
		g1 := e.Group("G1", "m")
		c := e.Register(rostertest.Connector("c"), resources.Facts{Groups: []string{g1}})
		loose := e.Register(rostertest.Connector("loose"), resources.Facts{})
		other, err := e.D.CreateWorkspace(e.Ctx, roster.System, "other", "Other")
		e.Must("CreateWorkspace", err)
		foreigner, err := other.Users().Register(e.Ctx, users.Registration{Email: "f@example.com", Actor: roster.System})
		e.Must("Register in other", err)
		foreignGroup, err := other.CreateGroup(e.Ctx, roster.System, "Theirs", roster.GroupContents{})
		e.Must("Create in other", err)
		_, err = other.Resources().Register(e.Ctx, roster.System, rostertest.Connector("theirs"), resources.Facts{})
		e.Must("Register in other", err)
		newC := rostertest.Connector("new")
		e.watch(newC)
		sys, ac := roster.System, e.W.Access()
		long := strings.Repeat("x", access.MaxResourceIDLen+1)

		before := e.State()
		calls := []struct {
			call string
			err  error
			want error
		}{
			{"Register(unknown kind)", second(e.rs.Register(e.Ctx, sys, access.Resource{Kind: "widget", ID: "w"}, resources.Facts{})), roster.ErrInvalid},
			{"Register(empty id)", second(e.rs.Register(e.Ctx, sys, rostertest.Connector(""), resources.Facts{})), roster.ErrInvalid},
			{"Register(id too long)", second(e.rs.Register(e.Ctx, sys, rostertest.Connector(long), resources.Facts{})), roster.ErrInvalid},
			{"Register(id with a comma)", second(e.rs.Register(e.Ctx, sys, rostertest.Connector("a,b"), resources.Facts{})), roster.ErrInvalid},
			{"Register(id with a space)", second(e.rs.Register(e.Ctx, sys, rostertest.Connector("a b"), resources.Facts{})), roster.ErrInvalid},
			{"Register(id with a control character)", second(e.rs.Register(e.Ctx, sys, rostertest.Connector("a\x00"), resources.Facts{})), roster.ErrInvalid},
			{"Register(connector shared with a user)", second(e.rs.Register(e.Ctx, sys, newC, resources.Facts{SharedWith: e.IDs("m")})), roster.ErrInvalid},
			{"Register(agent holding connectors)", second(e.rs.Register(e.Ctx, sys, agent("a"), resources.Facts{Connectors: []string{"c"}})), roster.ErrInvalid},
			{"Register(existing)", second(e.rs.Register(e.Ctx, sys, c, resources.Facts{})), resources.ErrExists},
			{"Register(unknown group)", second(e.rs.Register(e.Ctx, sys, newC, resources.Facts{Groups: []string{g1, nobody}})), groups.ErrGroupNotFound},
			{"Register(another workspace's group)", second(e.rs.Register(e.Ctx, sys, newC, resources.Facts{Groups: []string{foreignGroup.ID}})), groups.ErrGroupNotFound},
			{"Register(unknown owner)", second(e.rs.Register(e.Ctx, sys, newC, resources.Facts{Owner: nobody})), users.ErrUserNotFound},
			{"Register(another workspace's owner)", second(e.rs.Register(e.Ctx, sys, newC, resources.Facts{Owner: foreigner.ID})), users.ErrUserNotFound},
			{"Register(unknown shared user)", second(e.rs.Register(e.Ctx, sys, agent("a"), resources.Facts{SharedWith: []string{nobody}})), users.ErrUserNotFound},
			{"Update(unknown)", second(e.rs.Update(e.Ctx, sys, newC, resources.Facts{})), resources.ErrResourceNotFound},
			{"Update(another workspace's)", second(e.rs.Update(e.Ctx, sys, rostertest.Connector("theirs"), resources.Facts{})), resources.ErrResourceNotFound},
			{"Update(unknown kind)", second(e.rs.Update(e.Ctx, sys, access.Resource{Kind: "widget", ID: "c"}, resources.Facts{})), roster.ErrInvalid},
			{"Update(unknown group)", second(e.rs.Update(e.Ctx, sys, c, resources.Facts{Groups: []string{nobody}})), groups.ErrGroupNotFound},
			{"Unregister(unknown)", second(e.rs.Unregister(e.Ctx, sys, newC)), resources.ErrResourceNotFound},
			{"Unregister(unknown kind)", second(e.rs.Unregister(e.Ctx, sys, access.Resource{Kind: "widget", ID: "c"})), roster.ErrInvalid},
			{"Attach(unknown resource)", second(e.rs.Attach(e.Ctx, sys, g1, newC)), resources.ErrResourceNotFound},
			{"Attach(unknown group)", second(e.rs.Attach(e.Ctx, sys, nobody, loose)), groups.ErrGroupNotFound},
			{"Attach(unknown kind)", second(e.rs.Attach(e.Ctx, sys, g1, access.Resource{Kind: "widget", ID: "c"})), roster.ErrInvalid},
			{"Detach(unknown resource)", second(e.rs.Detach(e.Ctx, sys, g1, newC)), resources.ErrResourceNotFound},
			{"SetAttached(unknown kind)", second(e.rs.SetAttached(e.Ctx, sys, g1, "widget", nil)), roster.ErrInvalid},
			{"SetAttached(unknown group)", second(e.rs.SetAttached(e.Ctx, sys, nobody, access.Connector, []string{"loose"})), groups.ErrGroupNotFound},
			{"SetAttached(one unknown id)", second(e.rs.SetAttached(e.Ctx, sys, g1, access.Connector, []string{"c", "loose", "new"})), resources.ErrResourceNotFound},
			{"SetAttached(bad id)", second(e.rs.SetAttached(e.Ctx, sys, g1, access.Connector, []string{"c", "a,b"})), roster.ErrInvalid},
			{"Facts(unknown)", second(e.rs.Facts(e.Ctx, newC)), resources.ErrResourceNotFound},
			{"Facts(unknown kind)", second(e.rs.Facts(e.Ctx, access.Resource{Kind: "widget", ID: "c"})), roster.ErrInvalid},
			{"Can(unknown action)", second(ac.Can(e.Ctx, e.Users["m"], "delete", c)), roster.ErrInvalid},
			{"Can(unknown kind)", second(ac.Can(e.Ctx, e.Users["m"], access.View, access.Resource{Kind: "widget", ID: "c"})), roster.ErrInvalid},
			{"Can(unknown user)", second(ac.Can(e.Ctx, nobody, access.View, c)), roster.ErrNotFound},
			{"Can(unknown resource)", second(ac.Can(e.Ctx, e.Users["m"], access.View, newC)), roster.ErrNotFound},
			{"WhoCan(unknown action)", second(ac.WhoCan(e.Ctx, c, "delete")), roster.ErrInvalid},
			{"Visible(unknown kind)", func() error { _, _, err := ac.Visible(e.Ctx, e.Users["m"], "widget", roster.Page{}); return err }(), roster.ErrInvalid},
			{"Visible(negative limit)", func() error {
				_, _, err := ac.Visible(e.Ctx, e.Users["m"], access.Connector, roster.Page{Limit: -1})
				return err
			}(), roster.ErrInvalid},
			{"ACLOf(unknown kind)", second(ac.ACLOf(e.Ctx, access.Resource{Kind: "widget", ID: "c"})), roster.ErrInvalid},
		}
		for _, c := range calls {
			rostertest.WantErr(t, c.call, c.err, c.want)
		}
		e.Unchanged("refused calls", before)
		if f, err := e.rs.Facts(e.Ctx, loose); err != nil || len(f.Groups) != 0 {
			t.Errorf("Facts(loose) = %+v, %v; want unattached (no partial SetAttached)", f, err)
		}
	})
}
