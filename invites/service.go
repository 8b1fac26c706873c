package invites

import (
	"context"
	"log/slog"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/store"
)

// DefaultTokenTTL is how long an invite link stays valid when
// roster.InvitesConfig.TokenTTL is zero.
const DefaultTokenTTL = 7 * 24 * time.Hour

// MaxBulk is the most addresses one [Service.Invite] call takes.
const MaxBulk = 1000

// Errors of the stored invite list. They wrap roster's broad sentinels
// (access.ErrForbidden, access.ErrInvalid, access.ErrNotFound), so callers may
// branch on either.
var (
	// ErrInviteInvalid is the one error for an invite link that cannot be
	// used: malformed, forged, expired, already used, revoked, or issued to
	// another email. It never says which, so it reveals nothing about whether
	// an email is a user or invited. It matches access.ErrForbidden.
	ErrInviteInvalid = newError("invites: invite link is invalid or expired", "This invitation link is invalid or has expired; ask an admin for a new one.", access.ErrForbidden)

	// ErrInviteNotFound reports that the workspace holds no pending invite for
	// the email given to [Service.Revoke] or [Service.Resend]. It matches
	// access.ErrNotFound.
	ErrInviteNotFound = newError("invites: no pending invite for this email", "There is no pending invitation for this email address.", access.ErrNotFound)

	// ErrInvalidRequest reports a bulk invite that cannot be applied: an empty
	// list, more than [MaxBulk] addresses, or a malformed address. Nothing is
	// written. It matches access.ErrInvalid.
	ErrInvalidRequest = newError("invites: invalid invitation request", "The invitation request is not valid.", access.ErrInvalid)
)

// config is what package roster gives a workspace's [Service], from
// roster.InvitesConfig with its defaults applied.
type config struct {
	// Mailer sends invitation mail after the transaction commits. Nil: nothing
	// is sent and invites are recorded as not_configured.
	Mailer Mailer
	// Link builds the absolute http or https URL of an invitation from its
	// link token, e.g. "https://app.example.com/invite/accept?token=" + token.
	// Nil: no link can be mailed, so nothing is sent (not_configured).
	Link func(token string) string
	// Templates render the invitation; the zero Templates use roster's.
	Templates Templates
	// WorkspaceName is shown in the invitation. Optional.
	WorkspaceName string
	// TokenTTL is how long an invite link is valid.
	TokenTTL time.Duration
	// Throttle limits invitation sends and link redemptions per workspace.
	// Nil: no throttling.
	Throttle *Throttle
}

// Service is the stored invite list and invite gate of one workspace. It holds
// no mutable state of its own and is safe for concurrent use; every mutating
// method takes the actor and runs as one audited transaction, and mail goes
// out after the commit. Applications get it from roster's Workspace.Invites;
// most callers want [Service.Invite].
type Service struct {
	st  *store.Store
	ws  string
	cfg config
}

// newService returns the invite service of workspace ws. Package roster
// calls it through package construct, which passes config's fields one by
// one (roster cannot name config), with roster's defaults applied;
// applications get a Service from roster's Workspace.Invites.
func newService(st *store.Store, ws string, m Mailer, link func(token string) string, t Templates, tokenTTL time.Duration, th *Throttle) *Service {
	return &Service{st: st, ws: ws, cfg: config{Mailer: m, Link: link, Templates: t, TokenTTL: tokenTTL, Throttle: th}}
}

func (s *Service) log() *slog.Logger { return s.st.Log }

// allowSends takes n sends from the throttle, if there is one and mail is
// configured (nothing is sent otherwise).
func (s *Service) allowSends(n int) error {
	if s.cfg.Throttle == nil || s.initialStatus() == StatusNotConfigured {
		return nil
	}
	return s.cfg.Throttle.AllowSends(s.ws, n)
}

// allowRedemption takes one redemption attempt of ctx's client (WithClient)
// from the throttle, if there is one. Callers take it before looking a token
// up, so every attempt counts.
func (s *Service) allowRedemption(ctx context.Context) error {
	if s.cfg.Throttle == nil {
		return nil
	}
	return s.cfg.Throttle.AllowRedemption(s.ws, clientOf(ctx))
}

// failedRedemption is the answer to a token that names no usable invitation:
// ErrInviteInvalid, counted against the workspace's budget of failures, or
// the throttle's refusal once that budget is spent.
func (s *Service) failedRedemption() error {
	if s.cfg.Throttle != nil {
		if err := s.cfg.Throttle.FailedRedemption(s.ws); err != nil {
			return err
		}
	}
	return ErrInviteInvalid
}

// inviteRow is the roster_invites table.
type inviteRow struct {
	WorkspaceID    string `gorm:"primaryKey"`
	Email          string `gorm:"primaryKey"`
	InvitedBy      string
	InvitedAt      time.Time
	ExpiresAt      *time.Time
	TokenHash      *string
	TokenExpiresAt *time.Time
	EmailStatus    string
}

func (inviteRow) TableName() string { return "roster_invites" }

// settingsRow is the roster_invite_settings table.
type settingsRow struct {
	WorkspaceID         string `gorm:"primaryKey"`
	InviteMode          string
	AllowedDomains      string
	SSOBypassesInvites  bool `gorm:"column:sso_bypasses_invites"`
	SCIMBypassesInvites bool `gorm:"column:scim_bypasses_invites"`
	InvitesStarted      bool
}

func (settingsRow) TableName() string { return "roster_invite_settings" }

// usable reports whether the invite itself (not its link) is unexpired.
func (r inviteRow) usable(now time.Time) bool {
	return r.ExpiresAt == nil || now.Before(*r.ExpiresAt)
}

// linkValid reports whether tok is this invite's unexpired link token,
// comparing in constant time.
func (r inviteRow) linkValid(tok Token, now time.Time) bool {
	if r.TokenHash == nil || r.TokenExpiresAt == nil {
		return false
	}
	ok := tok.Matches(*r.TokenHash)
	return ok && now.Before(*r.TokenExpiresAt) && r.usable(now)
}
