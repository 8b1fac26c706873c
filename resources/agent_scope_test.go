package resources_test

import (
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// A curator may edit an agent they do not own when every group it is
// attached to is theirs; Update must then hold them to the curator scope,
// as Attach does: no group they do not curate, no making it public, and no
// change to whom it is shared with (the owner's and admins' alone).
func TestCuratorEditingAnotherOwnersAgent(t *testing.T) {
	forEachStore(t, func(e *env) {
		e.User("owner", users.RoleBasic)
		e.User("cur", users.RoleBasic)
		e.User("friend", users.RoleBasic)
		e.Group("G1", "owner", "cur")
		e.Group("G2", "owner", "cur") // cur is a plain member of G2
		e.Curator("G1", "cur", true)
		a := agent("helper")
		e.Register(a, resources.Facts{Owner: e.Users["owner"], Groups: e.gids("G1")})
		e.watch(a)

		cases := []struct {
			name string
			f    resources.Facts
			want error
		}{
			{"attach to a group cur only belongs to", resources.Facts{Owner: e.Users["owner"], Groups: e.gids("G1", "G2")}, groups.ErrOutOfScope},
			{"make it public", resources.Facts{Owner: e.Users["owner"], Groups: e.gids("G1"), Public: true}, access.ErrForbidden},
			{"leave it in no group", resources.Facts{Owner: e.Users["owner"]}, resources.ErrNoGroups},
			{"share it with a user", resources.Facts{Owner: e.Users["owner"], Groups: e.gids("G1"), SharedWith: []string{e.Users["friend"]}}, access.ErrForbidden},
		}
		for _, c := range cases {
			before := e.State()
			_, err := e.rs.Update(e.Ctx, e.As("cur"), a, c.f)
			rostertest.WantErr(t, c.name, err, c.want)
			e.Unchanged(c.name, before)
		}
		// Attach refuses the same group the same way.
		_, err := e.rs.Attach(e.Ctx, e.As("cur"), e.Groups["G2"], a)
		rostertest.WantErr(t, "Attach to G2", err, groups.ErrOutOfScope)
	})
}

// Register judges who asks before it looks anything up, so a caller without
// the creation scope cannot tell which resources exist; and an agent is
// registered with its owner.
func TestRegisterRefusesBeforeRevealing(t *testing.T) {
	forEachStore(t, func(e *env) {
		e.User("bob", users.RoleBasic)
		secret := e.Register(rostertest.Connector("acme-payroll"), resources.Facts{})
		for _, actor := range []roster.Actor{e.As("bob"), access.UserActor("no-such-user"), "garbage"} {
			before := e.State()
			_, err := e.rs.Register(e.Ctx, actor, secret, resources.Facts{})
			rostertest.WantErr(t, string(actor)+" registers an existing connector", err, access.ErrForbidden)
			e.Unchanged("refused Register", before)
		}
		_, err := e.rs.Register(e.Ctx, e.As("bob"), agent("ownerless"), resources.Facts{Public: true})
		rostertest.WantErr(t, "an agent without owner", err, access.ErrInvalid)
	})
}

// Authorize answers what Register and Update would answer for who asks, and
// writes nothing: a new resource meets the creation scope, a registered one
// edit access and the creation scope of the facts it would have.
func TestAuthorize(t *testing.T) {
	forEachStore(t, func(e *env) {
		e.User("owner", users.RoleBasic)
		e.User("cur", users.RoleBasic)
		e.User("bob", users.RoleBasic)
		e.Group("G1", "owner", "cur")
		e.Group("G2", "cur")
		e.Curator("G1", "cur", true)
		a := agent("helper")
		e.Register(a, resources.Facts{Owner: e.Users["owner"], Groups: e.gids("G1")})
		fresh := rostertest.Connector("fresh")
		cases := []struct {
			name  string
			actor roster.Actor
			r     access.Resource
			f     resources.Facts
			want  error // nil: allowed
		}{
			{"cur creates a connector of G1", e.As("cur"), fresh, resources.Facts{Groups: e.gids("G1")}, nil},
			{"cur creates a connector of G2", e.As("cur"), fresh, resources.Facts{Groups: e.gids("G2")}, groups.ErrOutOfScope},
			{"cur creates a connector of no group", e.As("cur"), fresh, resources.Facts{}, resources.ErrNoGroups},
			{"bob creates a connector", e.As("bob"), fresh, resources.Facts{Groups: e.gids("G1")}, access.ErrForbidden},
			{"cur renames owner's agent", e.As("cur"), a, resources.Facts{Owner: e.Users["owner"], Groups: e.gids("G1")}, nil},
			{"cur shares owner's agent", e.As("cur"), a, resources.Facts{Owner: e.Users["owner"], Groups: e.gids("G1"), SharedWith: e.IDs("bob")}, access.ErrForbidden},
			{"owner shares their agent", e.As("owner"), a, resources.Facts{Owner: e.Users["owner"], Groups: e.gids("G1"), SharedWith: e.IDs("bob")}, nil},
			{"bob edits owner's agent", e.As("bob"), a, resources.Facts{Owner: e.Users["owner"]}, resources.ErrResourceNotFound},
		}
		for _, c := range cases {
			before := e.State()
			err := e.rs.Authorize(e.Ctx, c.actor, c.r, c.f)
			if c.want == nil {
				if err != nil {
					t.Errorf("%s: Authorize = %v, want nil", c.name, err)
				}
			} else {
				rostertest.WantErr(t, c.name, err, c.want)
			}
			e.Unchanged(c.name, before)
		}
	})
}
