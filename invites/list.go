package invites

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/authz"
	"github.com/rosterhq/roster/internal/errs"
	"github.com/rosterhq/roster/internal/store"
	"github.com/rosterhq/roster/users"
)

// Invite is one pending invitation. It never carries the link token.
type Invite struct {
	// Email is the invitee's normalized address.
	Email string
	// InvitedBy is the actor who made the invite, as the audit trail records
	// it: a user actor (InvitedBy.UserID returns the inviter's user id),
	// access.System, or a SCIM actor.
	InvitedBy access.Actor
	// InvitedAt is when the invite was made.
	InvitedAt time.Time
	// ExpiresAt is when the invite itself expires; zero: never.
	ExpiresAt time.Time
	// LinkExpiresAt is when the current link token expires.
	LinkExpiresAt time.Time
	// Delivery is the status of the last invitation mail.
	Delivery Status
}

// pendingQuery selects the workspace's invites whose email is not a user.
func pendingQuery(tx *store.Tx) *gorm.DB {
	return tx.DB.Model(&inviteRow{}).Where("roster_invites.workspace_id = ?", tx.Workspace).
		Where("NOT EXISTS (SELECT 1 FROM roster_users u WHERE u.workspace_id = roster_invites.workspace_id AND u.email = roster_invites.email)")
}

func countPending(tx *store.Tx) (int64, error) {
	var n int64
	err := pendingQuery(tx).Count(&n).Error
	return n, err
}

// List returns the workspace's pending invites, ordered by email, leaving out
// emails that already belong to users. Admin only.
func (s *Service) List(ctx context.Context, actor access.Actor) ([]Invite, error) {
	var rows []inviteRow
	err := s.st.View(ctx, s.ws, actor, func(tx *store.Tx) error {
		if err := authz.RequireAdmin(tx); err != nil {
			return err
		}
		return pendingQuery(tx).Order("roster_invites.email").Find(&rows).Error
	})
	if err != nil {
		return nil, err
	}
	out := make([]Invite, len(rows))
	for i, r := range rows {
		out[i] = r.invite()
	}
	return out, nil
}

func (r inviteRow) invite() Invite {
	inv := Invite{Email: r.Email, InvitedBy: access.Actor(r.InvitedBy), InvitedAt: r.InvitedAt.UTC(), Delivery: Status(r.EmailStatus)}
	if r.ExpiresAt != nil {
		inv.ExpiresAt = r.ExpiresAt.UTC()
	}
	if r.TokenExpiresAt != nil {
		inv.LinkExpiresAt = r.TokenExpiresAt.UTC()
	}
	return inv
}

// Revoke removes the pending invite of email; its link stops working. Admin
// only. An email without a pending invite is [ErrInviteNotFound]. Revoking
// does not clear the "first invite made" flag: in [ModeAuto] the gate stays
// closed.
func (s *Service) Revoke(ctx context.Context, actor access.Actor, email string) error {
	e, err := users.NormalizeEmail(email)
	if err != nil {
		return errs.New(ErrInvalidRequest.Error()+": "+errs.Cause(err), "That is not a valid email address.", ErrInvalidRequest, err)
	}
	_, err = s.st.Mutate(ctx, s.ws, actor, func(tx *store.Tx) error {
		if err := authz.RequireAdmin(tx); err != nil {
			return err
		}
		if err := mustBePending(tx, e); err != nil {
			return err
		}
		if err := tx.DB.Where("workspace_id = ? AND email = ?", tx.Workspace, e).Delete(&inviteRow{}).Error; err != nil {
			return err
		}
		tx.Audit("invite.revoke", e, nil)
		return nil
	})
	return err
}
