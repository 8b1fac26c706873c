package resources_test

import (
	"fmt"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// watch adds a valid resource to what e.state records, so that a refused
// call is also checked not to have registered it.
func (e *env) watch(r access.Resource) {
	if r.Validate() == nil {
		e.res = append(e.res, r)
	}
}

// scopeEnv: cur curates G1 and is a plain member of G3; gc is a global
// curator in G1; member belongs to G1; outsider to no group.
func scopeEnv(e *env) {
	e.user("cur", users.RoleBasic)
	e.user("gc", users.RoleGlobalCurator)
	e.user("member", users.RoleBasic)
	e.user("outsider", users.RoleBasic)
	e.group("G1", "cur", "gc", "member")
	e.group("G2")
	e.group("G3", "cur")
	e.curator("G1", "cur", true)
}

// scopeCase is one call of the creation scope: who registers (or updates)
// which facts, and the error wanted (nil: allowed).
type scopeCase struct {
	rule   string // the SEMANTICS.md rule the row shows
	actor  string
	r      access.Resource
	public bool
	groups []string
	owner  string // a user name, "" for none
	want   error
}

func (e *env) facts(c scopeCase) resources.Facts {
	return resources.Facts{Public: c.public, Groups: e.gids(c.groups...), Owner: e.users[c.owner]}
}

func TestCreationScope(t *testing.T) {
	forEachStore(t, func(e *env) {
		scopeEnv(e)
		cases := []scopeCase{
			{"a curator registers into a group they curate", "cur", connector("c1"), false, []string{"G1"}, "", nil},
			{"a curator must name at least one group", "cur", connector("c2"), false, nil, "", resources.ErrNoGroups},
			{"only groups they may curate: a non-member's group is not found", "cur", connector("c3"), false, []string{"G1", "G2"}, "", groups.ErrGroupNotFound},
			{"only groups they may curate: a member without the flag is out of scope", "cur", connector("c4"), false, []string{"G1", "G3"}, "", groups.ErrOutOfScope},
			{"a global curator curates the groups they belong to", "gc", docSet("d1"), false, []string{"G1"}, "", nil},
			{"a global curator curates no other group", "gc", docSet("d2"), false, []string{"G2"}, "", groups.ErrGroupNotFound},
			{"public when new: no group needed", "cur", connector("c5"), true, nil, "", nil},
			{"public when new: the groups named are still checked", "cur", connector("c6"), true, []string{"G2"}, "", groups.ErrGroupNotFound},
			{"a curator may own what they register", "cur", connector("c7"), false, []string{"G1"}, "cur", nil},
			{"only an admin registers for another owner", "cur", connector("c8"), false, []string{"G1"}, "member", roster.ErrForbidden},
			{"a basic user cannot register connectors", "member", connector("c9"), false, []string{"G1"}, "", roster.ErrForbidden},
			{"a basic user cannot create public document sets", "member", docSet("d3"), true, nil, "", roster.ErrForbidden},
			{"a basic user registers their own agent", "outsider", agent("a1"), false, nil, "outsider", nil},
			{"a basic user may make their agent public", "outsider", agent("a2"), true, nil, "outsider", nil},
			{"a basic user's agent goes into their own groups", "member", agent("a3"), false, []string{"G1"}, "member", nil},
			{"and into no other group", "member", agent("a4"), false, []string{"G2"}, "member", groups.ErrGroupNotFound},
			{"an admin registers anything", "admin", connector("c10"), false, []string{"G2", "G3"}, "member", nil},
		}
		for _, c := range cases {
			e.watch(c.r)
			before := e.state()
			_, err := e.rs.Register(e.ctx, e.as(c.actor), c.r, e.facts(c))
			call := fmt.Sprintf("%s: %s registers %s", c.rule, c.actor, c.r)
			if c.want == nil {
				if err != nil {
					t.Errorf("%s: %v, want allowed", call, err)
				}
				continue
			}
			wantErr(t, call, err, c.want)
			e.unchanged(call, before)
		}
	})
}

func TestUpdateScope(t *testing.T) {
	forEachStore(t, func(e *env) {
		scopeEnv(e)
		g1 := e.gids("G1")
		e.register(connector("theirs"), resources.Facts{Groups: g1})
		e.register(connector("mine"), resources.Facts{Groups: g1, Owner: e.users["cur"]})
		e.register(connector("open"), resources.Facts{Groups: g1, Public: true})
		e.register(agent("a"), resources.Facts{Owner: e.users["member"]})
		cases := []scopeCase{
			{"public only when new or owned", "cur", connector("theirs"), true, []string{"G1"}, "", roster.ErrForbidden},
			{"what they own they may make public", "cur", connector("mine"), true, []string{"G1"}, "cur", nil},
			{"a public resource may stay public", "cur", connector("open"), true, []string{"G1"}, "", nil},
			{"a curator must keep a group on a private resource", "cur", connector("theirs"), false, nil, "", resources.ErrNoGroups},
			{"only an admin changes the owner", "cur", connector("theirs"), false, []string{"G1"}, "cur", roster.ErrForbidden},
			{"edit access to the resource first", "outsider", connector("theirs"), false, []string{"G1"}, "", resources.ErrResourceNotFound},
			{"viewing is not editing", "member", connector("theirs"), false, []string{"G1"}, "", roster.ErrForbidden},
			{"a curator does not edit an agent they cannot see", "cur", agent("a"), false, []string{"G1"}, "member", resources.ErrResourceNotFound},
			{"the owner edits their agent", "member", agent("a"), true, []string{"G1"}, "member", nil},
			{"into their own groups only", "member", agent("a"), false, []string{"G2"}, "member", groups.ErrGroupNotFound},
			{"a curator edits an agent in a group they curate", "cur", agent("a"), false, []string{"G1"}, "member", nil},
		}
		for _, c := range cases {
			before := e.state()
			_, err := e.rs.Update(e.ctx, e.as(c.actor), c.r, e.facts(c))
			call := fmt.Sprintf("%s: %s updates %s", c.rule, c.actor, c.r)
			if c.want == nil {
				if err != nil {
					t.Errorf("%s: %v, want allowed", call, err)
				}
				continue
			}
			wantErr(t, call, err, c.want)
			e.unchanged(call, before)
		}
	})
}

func TestAttachNeedsGroupScopeAndEditAccess(t *testing.T) {
	forEachStore(t, func(e *env) {
		scopeEnv(e)
		e.user("other", users.RoleBasic)
		_, err := e.gs.AddMembers(e.ctx, roster.System, e.groups["G1"], e.ids("other"))
		e.must("AddMembers", err)
		e.register(connector("public"), resources.Facts{Public: true})
		e.register(connector("mine"), resources.Facts{Owner: e.users["cur"]})
		e.register(connector("g1g2"), resources.Facts{Groups: e.gids("G1", "G2")})
		e.register(agent("members"), resources.Facts{Owner: e.users["member"]})
		e.register(agent("others"), resources.Facts{Owner: e.users["other"]})
		cases := []struct {
			rule, actor string
			r           access.Resource
			group       string
			want        error
		}{
			{"edit access to the resource too: a public connector", "cur", connector("public"), "G1", roster.ErrForbidden},
			{"a curator attaches what they own to a group they curate", "cur", connector("mine"), "G1", nil},
			{"but not to a group they only belong to", "cur", connector("mine"), "G3", groups.ErrOutOfScope},
			{"nor to a group they do not belong to", "cur", connector("mine"), "G2", groups.ErrGroupNotFound},
			{"a resource in a group they do not curate is not theirs to attach", "gc", connector("g1g2"), "G1", roster.ErrForbidden},
			{"a basic user attaches their own agent to their group", "member", agent("members"), "G1", nil},
			{"and to no other group", "member", agent("members"), "G2", groups.ErrGroupNotFound},
			{"nor someone else's agent", "member", agent("others"), "G1", roster.ErrForbidden},
			{"an admin attaches anything anywhere", "admin", agent("others"), "G2", nil},
		}
		for _, c := range cases {
			before := e.state()
			_, err := e.rs.Attach(e.ctx, e.as(c.actor), e.groups[c.group], c.r)
			call := fmt.Sprintf("%s: %s attaches %s to %s", c.rule, c.actor, c.r, c.group)
			if c.want == nil {
				if err != nil {
					t.Errorf("%s: %v, want allowed", call, err)
				}
				continue
			}
			wantErr(t, call, err, c.want)
			e.unchanged(call, before)
		}
		if !e.can("other", access.View, agent("members")) {
			t.Errorf("after member attached their agent to G1, other (in G1) cannot view it")
		}
		// SetAttached checks each change; one refused change writes nothing.
		e.register(connector("mine2"), resources.Facts{Owner: e.users["cur"]})
		before := e.state()
		_, err = e.rs.SetAttached(e.ctx, e.as("cur"), e.groups["G1"], access.Connector, []string{"mine", "g1g2", "mine2", "public"})
		wantErr(t, "SetAttached with one change the curator may not make", err, roster.ErrForbidden)
		e.unchanged("a refused SetAttached", before)
		_, err = e.rs.SetAttached(e.ctx, e.as("cur"), e.groups["G1"], access.Connector, []string{"mine", "g1g2", "mine2"})
		e.must("SetAttached", err)
		if f, err := e.rs.Facts(e.ctx, connector("mine2")); err != nil || len(f.Groups) != 1 {
			t.Errorf("Facts(mine2) = %+v, %v; want attached to G1", f, err)
		}
	})
}
