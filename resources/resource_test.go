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
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

func TestRegisterUpdateUnregister(t *testing.T) {
	forEachStore(t, func(e *env) {
		e.user("owner", users.RoleBasic)
		e.user("friend", users.RoleBasic)
		e.user("m", users.RoleBasic)
		g1, g2 := e.group("G1", "m"), e.group("G2")
		ws := e.w.ID()
		a := agent("a")
		_, err := e.rs.Register(e.ctx, roster.System, a, resources.Facts{
			Owner: e.users["owner"], Groups: []string{g2, g1, g2}, SharedWith: e.ids("friend", "friend"),
		})
		e.must("Register", err)
		wantGroups := []string{g1, g2}
		slices.Sort(wantGroups)
		wantFacts(t, e, a, resources.Facts{Owner: e.users["owner"], Groups: wantGroups, SharedWith: e.ids("friend")})
		wantACL(t, e, a, "admin:"+ws, "group:"+g1, "group:"+g2, "user:"+e.users["friend"], "user:"+e.users["owner"])
		for user, want := range map[string]bool{"owner": true, "friend": true, "m": true, "admin": true} {
			if got := e.can(user, access.View, a); got != want {
				t.Errorf("Can(%s, view, %s) = %v, want %v", user, a, got, want)
			}
		}

		// Update replaces the facts: G1 and the share go, public comes.
		_, err = e.rs.Update(e.ctx, roster.System, a, resources.Facts{Owner: e.users["owner"], Groups: []string{g2}, Public: true})
		e.must("Update", err)
		wantFacts(t, e, a, resources.Facts{Owner: e.users["owner"], Groups: []string{g2}, Public: true})
		wantACL(t, e, a, "admin:"+ws, "group:"+g2, "public:"+ws, "user:"+e.users["owner"])
		if g, _ := e.gs.Describe(e.ctx, roster.System, g1); len(g.Resources) != 0 {
			t.Errorf("G1 still lists %v after the update detached it", g.Resources)
		}

		// Unregister removes every fact; the id may be registered again.
		_, err = e.rs.Unregister(e.ctx, roster.System, a)
		e.must("Unregister", err)
		wantErr(t, "Facts(unregistered)", second(e.rs.Facts(e.ctx, a)), resources.ErrResourceNotFound)
		if ok, err := e.w.Access().Can(e.ctx, e.users["owner"], access.View, a); ok || !errors.Is(err, roster.ErrNotFound) {
			t.Errorf("Can(owner, unregistered) = %v, %v; want false, ErrNotFound", ok, err)
		}
		wantACL(t, e, a)
		if owned, err := e.w.Users().Owned(e.ctx, e.users["owner"]); err != nil || len(owned) != 0 {
			t.Errorf("Owned(owner) = %v, %v; want nothing", owned, err)
		}
		_, err = e.rs.Register(e.ctx, roster.System, a, resources.Facts{})
		e.must("Register again", err)
		wantFacts(t, e, a, resources.Facts{})
		wantACL(t, e, a, "admin:"+ws)
	})
}

func wantFacts(t *testing.T, e *env, r access.Resource, want resources.Facts) {
	t.Helper()
	got, err := e.rs.Facts(e.ctx, r)
	if err != nil || got.Owner != want.Owner || got.Public != want.Public ||
		!slices.Equal(got.Groups, want.Groups) || !slices.Equal(got.SharedWith, want.SharedWith) || !slices.Equal(got.Connectors, want.Connectors) {
		t.Errorf("Facts(%s) = %+v, %v; want %+v", r, got, err, want)
	}
}

func wantACL(t *testing.T, e *env, r access.Resource, want ...string) {
	t.Helper()
	slices.Sort(want)
	got, err := e.w.Access().ACLOf(e.ctx, r)
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("ACLOf(%s) = %q, %v; want %q", r, got, err, want)
	}
}

func TestDocumentSetRule(t *testing.T) {
	forEachStore(t, func(e *env) {
		e.user("cur", users.RoleBasic)
		e.group("G1", "cur")
		e.group("G2", "cur")
		e.curator("G1", "cur", true)
		e.curator("G2", "cur", true)
		e.register(connector("p1"), resources.Facts{Groups: e.gids("G1")})
		e.register(connector("p12"), resources.Facts{Groups: e.gids("G1", "G2")})
		e.register(connector("pub"), resources.Facts{Public: true})
		e.register(connector("orphan"), resources.Facts{})
		e.register(docSet("not-a-connector"), resources.Facts{Public: true})
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
				before := e.state()
				_, err := e.rs.Register(e.ctx, e.as(actor), r, resources.Facts{Public: c.public, Groups: e.gids(c.groups...), Connectors: c.connectors})
				call := fmt.Sprintf("%s (%s registers)", c.rule, actor)
				if c.want == nil {
					if err != nil {
						t.Errorf("%s: %v, want allowed", call, err)
					}
					continue
				}
				wantErr(t, call, err, c.want)
				e.unchanged(call, before)
			}
		}
		// Update checks the rule against the new facts.
		d := e.register(docSet("d"), resources.Facts{Groups: e.gids("G1"), Connectors: []string{"p1"}})
		before := e.state()
		_, err := e.rs.Update(e.ctx, e.as("cur"), d, resources.Facts{Groups: e.gids("G1", "G2"), Connectors: []string{"p1"}})
		wantErr(t, "Update adding a group p1 lacks", err, resources.ErrDocumentSetRule)
		e.unchanged("a refused Update", before)
		_, err = e.rs.Update(e.ctx, e.as("cur"), d, resources.Facts{Groups: e.gids("G1", "G2"), Connectors: []string{"p12"}})
		e.must("Update with p12", err)
	})
}

func TestBadInputIsATypedErrorAndWritesNothing(t *testing.T) {
	forEachStore(t, func(e *env) {
		e.user("m", users.RoleBasic)
		g1 := e.group("G1", "m")
		c := e.register(connector("c"), resources.Facts{Groups: []string{g1}})
		loose := e.register(connector("loose"), resources.Facts{})
		other, err := e.d.CreateWorkspace(e.ctx, roster.System, "other", "Other")
		e.must("CreateWorkspace", err)
		foreigner, err := other.Users().Register(e.ctx, users.Registration{Email: "f@example.com", Actor: roster.System})
		e.must("Register in other", err)
		foreignGroup, err := other.Groups().Create(e.ctx, roster.System, "Theirs")
		e.must("Create in other", err)
		_, err = other.Resources().Register(e.ctx, roster.System, connector("theirs"), resources.Facts{})
		e.must("Register in other", err)
		newC := connector("new")
		e.watch(newC)
		sys, ac := roster.System, e.w.Access()
		long := strings.Repeat("x", access.MaxResourceIDLen+1)

		before := e.state()
		calls := []struct {
			call string
			err  error
			want error
		}{
			{"Register(unknown kind)", second(e.rs.Register(e.ctx, sys, access.Resource{Kind: "widget", ID: "w"}, resources.Facts{})), roster.ErrInvalid},
			{"Register(empty id)", second(e.rs.Register(e.ctx, sys, connector(""), resources.Facts{})), roster.ErrInvalid},
			{"Register(id too long)", second(e.rs.Register(e.ctx, sys, connector(long), resources.Facts{})), roster.ErrInvalid},
			{"Register(id with a comma)", second(e.rs.Register(e.ctx, sys, connector("a,b"), resources.Facts{})), roster.ErrInvalid},
			{"Register(id with a space)", second(e.rs.Register(e.ctx, sys, connector("a b"), resources.Facts{})), roster.ErrInvalid},
			{"Register(id with a control character)", second(e.rs.Register(e.ctx, sys, connector("a\x00"), resources.Facts{})), roster.ErrInvalid},
			{"Register(connector shared with a user)", second(e.rs.Register(e.ctx, sys, newC, resources.Facts{SharedWith: e.ids("m")})), roster.ErrInvalid},
			{"Register(agent holding connectors)", second(e.rs.Register(e.ctx, sys, agent("a"), resources.Facts{Connectors: []string{"c"}})), roster.ErrInvalid},
			{"Register(existing)", second(e.rs.Register(e.ctx, sys, c, resources.Facts{})), resources.ErrExists},
			{"Register(unknown group)", second(e.rs.Register(e.ctx, sys, newC, resources.Facts{Groups: []string{g1, nobody}})), groups.ErrGroupNotFound},
			{"Register(another workspace's group)", second(e.rs.Register(e.ctx, sys, newC, resources.Facts{Groups: []string{foreignGroup.ID}})), groups.ErrGroupNotFound},
			{"Register(unknown owner)", second(e.rs.Register(e.ctx, sys, newC, resources.Facts{Owner: nobody})), users.ErrUserNotFound},
			{"Register(another workspace's owner)", second(e.rs.Register(e.ctx, sys, newC, resources.Facts{Owner: foreigner.ID})), users.ErrUserNotFound},
			{"Register(unknown shared user)", second(e.rs.Register(e.ctx, sys, agent("a"), resources.Facts{SharedWith: []string{nobody}})), users.ErrUserNotFound},
			{"Update(unknown)", second(e.rs.Update(e.ctx, sys, newC, resources.Facts{})), resources.ErrResourceNotFound},
			{"Update(another workspace's)", second(e.rs.Update(e.ctx, sys, connector("theirs"), resources.Facts{})), resources.ErrResourceNotFound},
			{"Update(unknown kind)", second(e.rs.Update(e.ctx, sys, access.Resource{Kind: "widget", ID: "c"}, resources.Facts{})), roster.ErrInvalid},
			{"Update(unknown group)", second(e.rs.Update(e.ctx, sys, c, resources.Facts{Groups: []string{nobody}})), groups.ErrGroupNotFound},
			{"Unregister(unknown)", second(e.rs.Unregister(e.ctx, sys, newC)), resources.ErrResourceNotFound},
			{"Unregister(unknown kind)", second(e.rs.Unregister(e.ctx, sys, access.Resource{Kind: "widget", ID: "c"})), roster.ErrInvalid},
			{"Attach(unknown resource)", second(e.rs.Attach(e.ctx, sys, g1, newC)), resources.ErrResourceNotFound},
			{"Attach(unknown group)", second(e.rs.Attach(e.ctx, sys, nobody, loose)), groups.ErrGroupNotFound},
			{"Attach(unknown kind)", second(e.rs.Attach(e.ctx, sys, g1, access.Resource{Kind: "widget", ID: "c"})), roster.ErrInvalid},
			{"Detach(unknown resource)", second(e.rs.Detach(e.ctx, sys, g1, newC)), resources.ErrResourceNotFound},
			{"SetAttached(unknown kind)", second(e.rs.SetAttached(e.ctx, sys, g1, "widget", nil)), roster.ErrInvalid},
			{"SetAttached(unknown group)", second(e.rs.SetAttached(e.ctx, sys, nobody, access.Connector, []string{"loose"})), groups.ErrGroupNotFound},
			{"SetAttached(one unknown id)", second(e.rs.SetAttached(e.ctx, sys, g1, access.Connector, []string{"c", "loose", "new"})), resources.ErrResourceNotFound},
			{"SetAttached(bad id)", second(e.rs.SetAttached(e.ctx, sys, g1, access.Connector, []string{"c", "a,b"})), roster.ErrInvalid},
			{"Facts(unknown)", second(e.rs.Facts(e.ctx, newC)), resources.ErrResourceNotFound},
			{"Facts(unknown kind)", second(e.rs.Facts(e.ctx, access.Resource{Kind: "widget", ID: "c"})), roster.ErrInvalid},
			{"Can(unknown action)", second(ac.Can(e.ctx, e.users["m"], "delete", c)), roster.ErrInvalid},
			{"Can(unknown kind)", second(ac.Can(e.ctx, e.users["m"], access.View, access.Resource{Kind: "widget", ID: "c"})), roster.ErrInvalid},
			{"Can(unknown user)", second(ac.Can(e.ctx, nobody, access.View, c)), roster.ErrNotFound},
			{"Can(unknown resource)", second(ac.Can(e.ctx, e.users["m"], access.View, newC)), roster.ErrNotFound},
			{"WhoCan(unknown action)", second(ac.WhoCan(e.ctx, c, "delete")), roster.ErrInvalid},
			{"Visible(unknown kind)", func() error { _, _, err := ac.Visible(e.ctx, e.users["m"], "widget", roster.Page{}); return err }(), roster.ErrInvalid},
			{"Visible(negative limit)", func() error {
				_, _, err := ac.Visible(e.ctx, e.users["m"], access.Connector, roster.Page{Limit: -1})
				return err
			}(), roster.ErrInvalid},
			{"ACLOf(unknown kind)", second(ac.ACLOf(e.ctx, access.Resource{Kind: "widget", ID: "c"})), roster.ErrInvalid},
		}
		for _, c := range calls {
			wantErr(t, c.call, c.err, c.want)
		}
		e.unchanged("refused calls", before)
		if f, err := e.rs.Facts(e.ctx, loose); err != nil || len(f.Groups) != 0 {
			t.Errorf("Facts(loose) = %+v, %v; want unattached (no partial SetAttached)", f, err)
		}
	})
}
