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

// The sentences of the resource refusals name a resource the caller may see
// through the caller's function, and one they may not see by kind only.
func TestRefusalSentences(t *testing.T) {
	forEachStore(t, func(e *env) {
		e.User("ada", users.RoleAdmin)
		e.User("bob", users.RoleBasic)
		e.User("cyd", users.RoleBasic)
		e.User("cur", users.RoleBasic)
		e.Group("G1", "cur")
		e.Group("G3", "cur")
		e.Curator("G1", "cur", true)
		helper := e.Register(agent("helper"), resources.Facts{Owner: e.Users["bob"], SharedWith: e.IDs("cyd")})
		g1bot := e.Register(agent("g1bot"), resources.Facts{Owner: e.Users["bob"], Groups: e.gids("G1")})
		names := func(r access.Resource) string { return map[string]string{"helper": "Helper"}[r.ID] }
		cases := []struct {
			call string
			err  error
			want error
			text string
		}{
			// cyd may view the agent shared with her, so it is named.
			{"cyd edits helper", second(e.rs.Update(e.Ctx, e.As("cyd"), helper, resources.Facts{Owner: e.Users["bob"]})),
				roster.ErrForbidden, `You may view the agent "Helper" but not edit it.`},
			// Registering an id that exists tells nothing of the existing one.
			{"register helper again", second(e.rs.Register(e.Ctx, roster.System, helper, resources.Facts{Owner: e.Users["ada"]})),
				resources.ErrExists, "The agent is registered already."},
			// cur, a member of G3 who does not curate it, may see its name:
			// the sentence is groups' own, naming the group.
			{"cur attaches a connector to G3", second(e.rs.Register(e.Ctx, e.As("cur"), rostertest.Connector("c1"), resources.Facts{Groups: e.gids("G1", "G3")})),
				groups.ErrOutOfScope, `You do not curate the group "G3"; curators may change only the groups they curate.`},
			// cur may edit bob's agent of G1, but not whom it is shared with.
			{"cur shares bob's agent", second(e.rs.Update(e.Ctx, e.As("cur"), g1bot, resources.Facts{Owner: e.Users["bob"], Groups: e.gids("G1"), SharedWith: e.IDs("cyd")})),
				roster.ErrForbidden, "Only the owner of an agent or an admin may change whom it is shared with."},
			{"ada edits an unknown agent", second(e.rs.Update(e.Ctx, e.As("ada"), agent("nope"), resources.Facts{Owner: e.Users["ada"]})),
				resources.ErrResourceNotFound, "The agent does not exist."},
		}
		for _, c := range cases {
			rostertest.WantErr(e.T, c.call, c.err, c.want)
			if got := access.Sentence(c.err, names); got != c.text {
				e.T.Errorf("%s: sentence %q, want %q", c.call, got, c.text)
			}
		}
	})
}
