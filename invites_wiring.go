package roster

import (
	"time"

	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/invites"
	"github.com/rosterhq/roster/users"
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
	// invites.DefaultTokenTTL (7 days) if zero.
	TokenTTL time.Duration
	// Throttle limits invitation sends and invite link redemptions per
	// workspace, in this process only (see invites.Throttle). Nil: Open
	// creates one with invites.ThrottleConfig's defaults on Config.Now. To
	// share one across Directories, or tune it, pass your own.
	Throttle *invites.Throttle
}

// withDefaults fills the throttle. The zero ThrottleConfig cannot fail.
func (c InvitesConfig) withDefaults(now func() time.Time) InvitesConfig {
	if c.Throttle == nil {
		t, err := invites.NewThrottle(invites.ThrottleConfig{Now: now})
		if err == nil {
			c.Throttle = t
		}
	}
	return c
}

// Invites returns the workspace's invite list, gate settings and invite
// links. The service holds no state of its own, so each call returns a fresh
// handle on the same stored list.
func (w *Workspace) Invites() *invites.Service {
	c := w.d.cfg.Invites
	cfg := invites.Config{Mailer: c.Mailer, Templates: c.Templates, TokenTTL: c.TokenTTL, Throttle: c.Throttle}
	if c.Link != nil {
		ws := w.id
		cfg.Link = func(token string) string { return c.Link(ws, token) }
	}
	return invites.New(w.d.st, w.id, cfg)
}

// wireInvites adds the invite gate and the invite clean-up to the
// workspace's hooks.
func (w *Workspace) wireInvites(uh *users.Hooks, gh *groups.Hooks) {
	w.Invites().Wire(uh)
}
