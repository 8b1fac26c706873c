package roster_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/invites"
	"github.com/rosterhq/roster/ratelimit"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// callSentence is one refused library call: the error it returned, the
// sentinel it must match and the exact sentence a person reads.
type callSentence struct {
	call     string
	err      error
	want     error
	sentence string
}

// Refusals of real calls, the ones the admin API's tables do not reach (the
// root API, checks the API's own gates answer first, the library's
// arguments), read as their exact sentence, and change nothing.
func TestCallRefusalSentences(t *testing.T) {
	rostertest.ForEachEnv(t, func(e *rostertest.Env) {
		ctx := e.Ctx
		e.User("cur", users.RoleBasic)
		e.User("bob", users.RoleBasic)
		e.User("lim", users.RoleLimited)
		e.User("dee", users.RoleBasic)
		e.Group("G1", "cur", "bob")
		e.Group("G2", "cur")
		e.Curator("G1", "cur", true)
		curConn := e.Register(rostertest.Connector("c9"), resources.Facts{Groups: []string{e.Groups["G1"]}})
		agent := e.Register(access.Resource{Kind: access.Agent, ID: "a1"}, resources.Facts{Owner: e.Users["bob"]})
		limAgent := e.Register(access.Resource{Kind: access.Agent, ID: "a2"}, resources.Facts{Owner: e.Users["lim"]})
		_, err := e.W.Users().Deactivate(ctx, roster.System, e.Users["dee"])
		e.Must("Deactivate dee", err)
		before := e.State()

		rs, us, gs, inv := e.W.Resources(), e.W.Users(), e.GS, e.W.Invites()
		second := func(_ any, err error) error { return err }
		third := func(_, _ any, err error) error { return err }
		many := make([]string, invites.MaxBulk+1)
		for i := range many {
			many[i] = fmt.Sprintf("u%d@example.com", i)
		}
		now := time.Unix(1_700_000_000, 0)
		rows := []callSentence{
			// The root API.
			{"CreateWorkspace with a bad id", second(e.D.CreateWorkspace(ctx, roster.System, "Bad Id", "x")), roster.ErrInvalid,
				"A workspace id is 1 to 40 lowercase letters, digits, dashes and underscores, starting with a letter or digit."},
			{"CreateWorkspace with an empty name", second(e.D.CreateWorkspace(ctx, roster.System, "acme", "")), roster.ErrInvalid,
				"A workspace name is 1 to 200 bytes long."},
			{"CreateWorkspace as a user", second(e.D.CreateWorkspace(ctx, e.As("admin"), "acme", "Acme")), roster.ErrForbidden,
				"Only the application itself may create workspaces."},
			{"CreateWorkspace of one that exists", second(e.D.CreateWorkspace(ctx, roster.System, roster.DefaultWorkspace, "Again")), roster.ErrConflict,
				"A workspace with this id already exists."},
			{"Can with an unknown action", second(e.W.Access().Can(ctx, e.Users["bob"], "fly", agent)), roster.ErrInvalid,
				"That is not a known action."},
			{"WhoCan with an unknown action", second(e.W.Access().WhoCan(ctx, agent, "fly")), roster.ErrInvalid,
				"That is not a known action."},
			{"Visible with an unknown kind", third(e.W.Access().Visible(ctx, e.Users["bob"], "robot", roster.Page{})), roster.ErrInvalid,
				"The kind of resource or the page limit is not valid."},
			{"Audit with a negative offset", second(e.W.Audit(ctx, roster.System, roster.AuditFilter{Offset: -1})), roster.ErrInvalid,
				"The offset and limit cannot be negative."},

			// Users.
			{"a deactivated actor", second(us.SetRole(ctx, e.As("dee"), e.Users["bob"], users.RoleBasic)), roster.ErrForbidden,
				"Your account is deactivated."},
			{"an actor of no workspace user", second(us.SetRole(ctx, access.UserActor("nobody"), e.Users["bob"], users.RoleBasic)), roster.ErrForbidden,
				"You are not a user of this workspace."},
			{"List with a negative offset", second(us.List(ctx, users.Filter{Offset: -1})), roster.ErrInvalid,
				"The offset and limit cannot be negative."},
			{"TransferOwnership to the same user", second(us.TransferOwnership(ctx, roster.System, e.Users["bob"], e.Users["bob"])), roster.ErrInvalid,
				"Ownership can move only to a different user."},
			{"Register with an unknown source", second(us.Register(ctx, users.Registration{Email: "new@example.com", Source: "fax", Actor: roster.System})),
				roster.ErrInvalid, "The sign-up source is not known."},

			// Groups.
			{"List as a basic user", third(gs.List(ctx, e.As("bob"), 0, 10)), roster.ErrForbidden, "Only curators and admins may list groups."},
			{"List with a negative offset", third(gs.List(ctx, roster.System, -1, 10)), roster.ErrInvalid, "The offset and limit cannot be negative."},
			{"Minimal as a limited user", second(gs.Minimal(ctx, e.As("lim"))), roster.ErrForbidden, "Limited users cannot list groups."},
			{"Members with a negative offset", third(gs.Members(ctx, roster.System, e.Groups["G1"], -1, 10)), roster.ErrInvalid,
				"The offset and limit cannot be negative."},
			{"a basic member adds a member", second(gs.AddMembers(ctx, e.As("bob"), e.Groups["G1"], e.IDs("lim"))), roster.ErrForbidden,
				"Only admins and curators may change groups."},
			{"a curator adds a member to a group they only belong to", second(gs.AddMembers(ctx, e.As("cur"), e.Groups["G2"], e.IDs("bob"))), groups.ErrOutOfScope,
				`You do not curate the group "G2"; curators may change only the groups they curate.`},

			// Resources.
			{"a limited owner updates their agent", second(rs.Update(ctx, e.As("lim"), limAgent, resources.Facts{Owner: e.Users["lim"]})), roster.ErrForbidden,
				"Limited users cannot change resources."},
			{"a limited user registers an agent", second(rs.Register(ctx, e.As("lim"), access.Resource{Kind: access.Agent, ID: "a3"},
				resources.Facts{Owner: e.Users["lim"]})), roster.ErrForbidden, "Limited users cannot register resources."},
			{"a user registers for another owner", second(rs.Register(ctx, e.As("bob"), access.Resource{Kind: access.Agent, ID: "a3"},
				resources.Facts{Owner: e.Users["cur"]})), roster.ErrForbidden, "Only an admin may register a resource for another owner."},
			{"an agent without owner", second(rs.Register(ctx, e.As("bob"), access.Resource{Kind: access.Agent, ID: "a3"}, resources.Facts{})),
				roster.ErrInvalid, "An agent needs an owner."},
			{"the owner gives the agent away", second(rs.Update(ctx, e.As("bob"), agent, resources.Facts{Owner: e.Users["cur"]})), roster.ErrForbidden,
				"Only an admin may change who owns a resource."},
			{"an agent attached to a group its owner is not in", second(rs.Register(ctx, e.As("bob"), access.Resource{Kind: access.Agent, ID: "a3"},
				resources.Facts{Owner: e.Users["bob"], Groups: []string{e.Groups["G2"]}})), groups.ErrGroupNotFound,
				"Agents can be attached only to groups you belong to."},
			{"a basic user registers a connector", second(rs.Register(ctx, e.As("bob"), rostertest.Connector("c1"), resources.Facts{Owner: e.Users["bob"]})),
				roster.ErrForbidden, "Basic users cannot register connectors or document sets."},
			{"a curator makes public a connector they do not own", second(rs.Update(ctx, e.As("cur"), curConn,
				resources.Facts{Public: true, Groups: []string{e.Groups["G1"]}})), roster.ErrForbidden,
				"Curators may make public only the resources they create or own."},
			{"a connector shared with a user", second(rs.Register(ctx, roster.System, rostertest.Connector("c1"), resources.Facts{SharedWith: e.IDs("bob")})),
				roster.ErrInvalid, "Only agents are shared with users directly."},
			{"an agent holding connectors", second(rs.Register(ctx, roster.System, access.Resource{Kind: access.Agent, ID: "a3"},
				resources.Facts{Owner: e.Users["bob"], Connectors: []string{"c1"}})), roster.ErrInvalid, "Only document sets hold connectors."},
			{"SetAttached with an unknown kind", second(rs.SetAttached(ctx, roster.System, e.Groups["G1"], "robot", nil)), roster.ErrInvalid,
				"That is not a kind of resource."},

			// Invites.
			{"Invite no one", second(inv.Invite(ctx, roster.System, nil)), invites.ErrInvalidRequest, "Give at least one email address."},
			{"Invite too many", second(inv.Invite(ctx, roster.System, many)), invites.ErrInvalidRequest,
				fmt.Sprintf("Invite at most %d addresses at a time.", invites.MaxBulk)},
			{"an unknown invite mode", second(invites.ParseMode("closed")), invites.ErrInvalidSettings,
				"The invite mode must be auto, invite_only or open."},
			{"an allowed domain not normalized", invites.Settings{AllowedDomains: []string{"Example.COM"}}.Validate(),
				invites.ErrInvalidSettings, `Write the allowed domain "Example.COM" as "example.com".`},
			{"an allowed domain that is no domain", second(inv.SetSettings(ctx, roster.System, invites.Settings{AllowedDomains: []string{"example"}})),
				invites.ErrInvalidSettings, `The allowed domain "example" is not valid (it needs a dot, no empty labels and only characters a domain name may hold).`},

			// Rate limits: the end of a usage report's range before its start.
			{"WorkspaceUsage ending before it starts", second(e.W.Limits().WorkspaceUsage(ctx, roster.System, now, now.Add(-time.Hour))), ratelimit.ErrInvalid,
				"The end of the usage report's time range is not valid."},
		}
		for _, r := range rows {
			rostertest.WantErr(e.T, r.call, r.err, r.want)
			if got := access.Sentence(r.err, nil); got != r.sentence {
				e.T.Errorf("%s: sentence %q, want %q", r.call, got, r.sentence)
			}
			checkSentence(e.T, r.call, access.Sentence(r.err, nil))
		}
		e.Unchanged("the refused calls", before)
		if _, err := e.D.Workspace(ctx, "acme"); err == nil {
			e.T.Error("a refused CreateWorkspace created acme")
		}
	})
}

// The sentences of errors that are not refusals, which the admin API answers
// as 500 with a generic detail: an application showing a delivery status
// reads these.
func TestStatusSentences(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{invites.ErrMailNotConfigured, "Invitation mail is not configured."},
		{invites.ErrMailDisabled, "Invitation mail is switched off."},
	} {
		if got := access.Sentence(c.err, nil); got != c.want {
			t.Errorf("Sentence(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}
