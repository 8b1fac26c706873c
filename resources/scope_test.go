package resources_test

import (
	"fmt"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// watch adds a valid resource to what e.state records, so that a refused
// call is also checked not to have registered it.
func (e *env) watch(r access.Resource) {
	if r.Validate() == nil {
		e.Res = append(e.Res, r)
	}
}

// scopeEnv: cur curates G1 and is a plain member of G3; gc is a global
// curator in G1; member belongs to G1; outsider to no group.
func scopeEnv(e *env) {
	e.User("cur", users.RoleBasic)
	e.User("gc", users.RoleGlobalCurator)
	e.User("member", users.RoleBasic)
	e.User("outsider", users.RoleBasic)
	e.Group("G1", "cur", "gc", "member")
	e.Group("G2")
	e.Group("G3", "cur")
	e.Curator("G1", "cur", true)
}

// scopeCase is one call of the creation scope: who registers (or updates)
// which facts, and the error wanted (nil: allowed).
type scopeCase struct {
	rule   string // the docs/contract.md rule the row shows
	actor  string
	r      access.Resource
	public bool
	groups []string
	owner  string // a user name, "" for none
	want   error
}

func (e *env) facts(c scopeCase) resources.Facts {
	return resources.Facts{Public: c.public, Groups: e.gids(c.groups...), Owner: e.Users[c.owner]}
}

func TestCreationScope(t *testing.T) {
	forEachStore(t, func(e *env) {
		scopeEnv(e)
		cases := []scopeCase{
			{"a curator registers into a group they curate", "cur", rostertest.Connector("c1"), false, []string{"G1"}, "", nil},
			{"a curator must name at least one group", "cur", rostertest.Connector("c2"), false, nil, "", resources.ErrNoGroups},
			{"only groups they may curate: a non-member's group is not found", "cur", rostertest.Connector("c3"), false, []string{"G1", "G2"}, "", groups.ErrGroupNotFound},
			{"only groups they may curate: a member without the flag is out of scope", "cur", rostertest.Connector("c4"), false, []string{"G1", "G3"}, "", groups.ErrOutOfScope},
			{"a global curator curates the groups they belong to", "gc", docSet("d1"), false, []string{"G1"}, "", nil},
			{"a global curator curates no other group", "gc", docSet("d2"), false, []string{"G2"}, "", groups.ErrGroupNotFound},
			{"public when new: no group needed", "cur", rostertest.Connector("c5"), true, nil, "", nil},
			{"public when new: the groups named are still checked", "cur", rostertest.Connector("c6"), true, []string{"G2"}, "", groups.ErrGroupNotFound},
			{"a curator may own what they register", "cur", rostertest.Connector("c7"), false, []string{"G1"}, "cur", nil},
			{"only an admin registers for another owner", "cur", rostertest.Connector("c8"), false, []string{"G1"}, "member", roster.ErrForbidden},
			{"a basic user cannot register connectors", "member", rostertest.Connector("c9"), false, []string{"G1"}, "", roster.ErrForbidden},
			{"a basic user cannot create public document sets", "member", docSet("d3"), true, nil, "", roster.ErrForbidden},
			{"a basic user registers their own agent", "outsider", agent("a1"), false, nil, "outsider", nil},
			{"a basic user may make their agent public", "outsider", agent("a2"), true, nil, "outsider", nil},
			{"a basic user's agent goes into their own groups", "member", agent("a3"), false, []string{"G1"}, "member", nil},
			{"and into no other group", "member", agent("a4"), false, []string{"G2"}, "member", groups.ErrGroupNotFound},
			{"an admin registers anything", "admin", rostertest.Connector("c10"), false, []string{"G2", "G3"}, "member", nil},
		}
		for _, c := range cases {
			e.watch(c.r)
			before := e.State()
			_, err := e.rs.Register(e.Ctx, e.As(c.actor), c.r, e.facts(c))
			call := fmt.Sprintf("%s: %s registers %s", c.rule, c.actor, c.r)
			if c.want == nil {
				if err != nil {
					t.Errorf("%s: %v, want allowed", call, err)
				}
				continue
			}
			rostertest.WantErr(t, call, err, c.want)
			e.Unchanged(call, before)
		}
	})
}

func TestUpdateScope(t *testing.T) {
	forEachStore(t, func(e *env) {
		scopeEnv(e)
		g1 := e.gids("G1")
		e.Register(rostertest.Connector("theirs"), resources.Facts{Groups: g1})
		e.Register(rostertest.Connector("mine"), resources.Facts{Groups: g1, Owner: e.Users["cur"]})
		e.Register(rostertest.Connector("open"), resources.Facts{Groups: g1, Public: true})
		e.Register(agent("a"), resources.Facts{Owner: e.Users["member"]})
		cases := []scopeCase{
			{"public only when new or owned", "cur", rostertest.Connector("theirs"), true, []string{"G1"}, "", roster.ErrForbidden},
			{"what they own they may make public", "cur", rostertest.Connector("mine"), true, []string{"G1"}, "cur", nil},
			{"a public resource may stay public", "cur", rostertest.Connector("open"), true, []string{"G1"}, "", nil},
			{"a curator must keep a group on a private resource", "cur", rostertest.Connector("theirs"), false, nil, "", resources.ErrNoGroups},
			{"only an admin changes the owner", "cur", rostertest.Connector("theirs"), false, []string{"G1"}, "cur", roster.ErrForbidden},
			{"edit access to the resource first", "outsider", rostertest.Connector("theirs"), false, []string{"G1"}, "", resources.ErrResourceNotFound},
			{"viewing is not editing", "member", rostertest.Connector("theirs"), false, []string{"G1"}, "", roster.ErrForbidden},
			{"a curator does not edit an agent they cannot see", "cur", agent("a"), false, []string{"G1"}, "member", resources.ErrResourceNotFound},
			{"the owner edits their agent", "member", agent("a"), true, []string{"G1"}, "member", nil},
			{"into their own groups only", "member", agent("a"), false, []string{"G2"}, "member", groups.ErrGroupNotFound},
			{"a curator edits an agent in a group they curate", "cur", agent("a"), false, []string{"G1"}, "member", nil},
		}
		for _, c := range cases {
			before := e.State()
			_, err := e.rs.Update(e.Ctx, e.As(c.actor), c.r, e.facts(c))
			call := fmt.Sprintf("%s: %s updates %s", c.rule, c.actor, c.r)
			if c.want == nil {
				if err != nil {
					t.Errorf("%s: %v, want allowed", call, err)
				}
				continue
			}
			rostertest.WantErr(t, call, err, c.want)
			e.Unchanged(call, before)
		}
	})
}

func TestAttachNeedsGroupScopeAndEditAccess(t *testing.T) {
	forEachStore(t, func(e *env) {
		scopeEnv(e)
		e.User("other", users.RoleBasic)
		_, err := e.GS.AddMembers(e.Ctx, roster.System, e.Groups["G1"], e.IDs("other"))
		e.Must("AddMembers", err)
		e.Register(rostertest.Connector("public"), resources.Facts{Public: true})
		e.Register(rostertest.Connector("mine"), resources.Facts{Owner: e.Users["cur"]})
		e.Register(rostertest.Connector("g1g2"), resources.Facts{Groups: e.gids("G1", "G2")})
		e.Register(agent("members"), resources.Facts{Owner: e.Users["member"]})
		e.Register(agent("others"), resources.Facts{Owner: e.Users["other"]})
		cases := []struct {
			rule, actor string
			r           access.Resource
			group       string
			want        error
		}{
			{"edit access to the resource too: a public connector", "cur", rostertest.Connector("public"), "G1", roster.ErrForbidden},
			{"a curator attaches what they own to a group they curate", "cur", rostertest.Connector("mine"), "G1", nil},
			{"but not to a group they only belong to", "cur", rostertest.Connector("mine"), "G3", groups.ErrOutOfScope},
			{"nor to a group they do not belong to", "cur", rostertest.Connector("mine"), "G2", groups.ErrGroupNotFound},
			{"a resource in a group they do not curate is not theirs to attach", "gc", rostertest.Connector("g1g2"), "G1", roster.ErrForbidden},
			{"a basic user attaches their own agent to their group", "member", agent("members"), "G1", nil},
			{"and to no other group", "member", agent("members"), "G2", groups.ErrGroupNotFound},
			{"nor someone else's agent", "member", agent("others"), "G1", roster.ErrForbidden},
			{"an admin attaches anything anywhere", "admin", agent("others"), "G2", nil},
		}
		for _, c := range cases {
			before := e.State()
			_, err := e.rs.Attach(e.Ctx, e.As(c.actor), e.Groups[c.group], c.r)
			call := fmt.Sprintf("%s: %s attaches %s to %s", c.rule, c.actor, c.r, c.group)
			if c.want == nil {
				if err != nil {
					t.Errorf("%s: %v, want allowed", call, err)
				}
				continue
			}
			rostertest.WantErr(t, call, err, c.want)
			e.Unchanged(call, before)
		}
		if !e.Can("other", access.View, agent("members")) {
			t.Errorf("after member attached their agent to G1, other (in G1) cannot view it")
		}
		// SetAttached checks each change; one refused change writes nothing.
		e.Register(rostertest.Connector("mine2"), resources.Facts{Owner: e.Users["cur"]})
		before := e.State()
		_, err = e.rs.SetAttached(e.Ctx, e.As("cur"), e.Groups["G1"], access.Connector, []string{"mine", "g1g2", "mine2", "public"})
		rostertest.WantErr(t, "SetAttached with one change the curator may not make", err, roster.ErrForbidden)
		e.Unchanged("a refused SetAttached", before)
		_, err = e.rs.SetAttached(e.Ctx, e.As("cur"), e.Groups["G1"], access.Connector, []string{"mine", "g1g2", "mine2"})
		e.Must("SetAttached", err)
		if f, err := e.rs.Facts(e.Ctx, rostertest.Connector("mine2")); err != nil || len(f.Groups) != 1 {
			t.Errorf("Facts(mine2) = %+v, %v; want attached to G1", f, err)
		}
	})
}
