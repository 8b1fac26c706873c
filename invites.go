package roster

import (
	"time"

	"github.com/rosterhq/roster/internal/construct"
	"github.com/rosterhq/roster/internal/store"
	"github.com/rosterhq/roster/invites"
)

// InvitesConfig configures invitations and the invite gate. The zero value
// works: invites are stored and the gate applies, but no mail is sent (every
// invite's delivery status is not_configured).
type InvitesConfig struct {
	// Mailer sends invitation mail after the transaction that created the
	// invite commits: an *invites.SMTPMailer in production, an
	// invites.DevMailer in development. Nil: no mail is sent.
	Mailer invites.Mailer
	// Link builds the absolute http or https URL an invitation points to from
	// the workspace id and the link token, for example
	// "https://app.example.com/invite/accept?ws=" + workspace + "&token=" + token.
	// Nil: no link can be mailed, so no mail is sent.
	Link func(workspace, token string) string
	// Templates render invitation mail; the zero value uses roster's.
	Templates invites.Templates
	// TokenTTL is how long an invite link stays valid.
	// DefaultInviteTokenTTL (7 days) if not positive.
	TokenTTL time.Duration
	// Throttle limits invitation sends per workspace and invite link
	// redemptions per client (invites.WithClient) and, for failed lookups,
	// per workspace, in this process only (see invites.Throttle). Nil: Open
	// creates one on Config.Now allowing DefaultInviteSendEvents sends per
	// DefaultInviteSendPer and DefaultInviteRedeemEvents failed lookups per
	// DefaultInviteRedeemPer, tracking at most
	// DefaultInviteThrottleWorkspaces workspaces. To share one across
	// Directories, or tune it, pass your own.
	Throttle *invites.Throttle
}

// Invites returns the workspace's invite list, gate settings and invite
// links, built once with the workspace's handle.
func (w *Workspace) Invites() *invites.Service { return w.invites }

// newInvites builds the workspace's invite service and adds the invite gate
// and the invite clean-up to the users' hooks.
func (w *Workspace) newInvites(uh *userHooks) *invites.Service {
	c := w.d.cfg.Invites
	var link func(token string) string
	if c.Link != nil {
		ws := w.id
		link = func(token string) string { return c.Link(ws, token) }
	}
	newService := construct.Get[func(*store.Store, string, invites.Mailer, func(string) string, invites.Templates, time.Duration, *invites.Throttle) *invites.Service]("invites.New")
	svc := newService(w.d.st, w.id, c.Mailer, link, c.Templates, c.TokenTTL, c.Throttle)
	construct.Get[func(*invites.Service, *userHooks)]("invites.Wire")(svc, uh)
	return svc
}
