package resources_test

import (
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// A curator may edit an agent they do not own when every group it is
// attached to is theirs; Update must then hold them to the curator scope,
// as Attach does: no group they do not curate, no making it public.
func TestCuratorEditingAnotherOwnersAgent(t *testing.T) {
	forEachStore(t, func(e *env) {
		e.user("owner", users.RoleBasic)
		e.user("cur", users.RoleBasic)
		e.group("G1", "owner", "cur")
		e.group("G2", "owner", "cur") // cur is a plain member of G2
		e.curator("G1", "cur", true)
		a := agent("helper")
		e.register(a, resources.Facts{Owner: e.users["owner"], Groups: e.gids("G1")})
		e.watch(a)

		cases := []struct {
			name string
			f    resources.Facts
			want error
		}{
			{"attach to a group cur only belongs to", resources.Facts{Owner: e.users["owner"], Groups: e.gids("G1", "G2")}, groups.ErrOutOfScope},
			{"make it public", resources.Facts{Owner: e.users["owner"], Groups: e.gids("G1"), Public: true}, access.ErrForbidden},
			{"leave it in no group", resources.Facts{Owner: e.users["owner"]}, resources.ErrNoGroups},
		}
		for _, c := range cases {
			before := e.state()
			_, err := e.rs.Update(e.ctx, e.as("cur"), a, c.f)
			wantErr(t, c.name, err, c.want)
			e.unchanged(c.name, before)
		}
		// Attach refuses the same group the same way.
		_, err := e.rs.Attach(e.ctx, e.as("cur"), e.groups["G2"], a)
		wantErr(t, "Attach to G2", err, groups.ErrOutOfScope)
	})
}

// Register judges who asks before it looks anything up, so a caller without
// the creation scope cannot tell which resources exist; and an agent is
// registered with its owner.
func TestRegisterRefusesBeforeRevealing(t *testing.T) {
	forEachStore(t, func(e *env) {
		e.user("bob", users.RoleBasic)
		secret := e.register(connector("acme-payroll"), resources.Facts{})
		for _, actor := range []roster.Actor{e.as("bob"), roster.AsUser("no-such-user"), "garbage"} {
			before := e.state()
			_, err := e.rs.Register(e.ctx, actor, secret, resources.Facts{})
			wantErr(t, string(actor)+" registers an existing connector", err, access.ErrForbidden)
			e.unchanged("refused Register", before)
		}
		_, err := e.rs.Register(e.ctx, e.as("bob"), agent("ownerless"), resources.Facts{Public: true})
		wantErr(t, "an agent without owner", err, access.ErrInvalid)
	})
}
