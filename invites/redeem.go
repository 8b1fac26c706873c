package invites

import (
	"context"
	"errors"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/construct"
	"github.com/rosterhq/roster/internal/errs"
	"github.com/rosterhq/roster/internal/store"
	"github.com/rosterhq/roster/users"
)

// wire installs the invite gate and the invite clean-up into the hooks of the
// workspace's users. Package roster calls it, through package construct,
// when it builds a workspace handle.
//
//   - BeforeRegister runs the allowed domains and the gate ([Gate.Check]) on
//     the stored settings and flag. A registration that carries an invite link
//     token must present that email's unexpired, unused token, or it fails
//     with [ErrInviteInvalid]; a password sign-up counts as invited only with
//     it. Gate refusals wrap access.ErrForbidden and a *[SignupError].
//   - AfterRegister consumes the email's invite in the registration's
//     transaction, so a sign-up that fails leaves the link usable and two
//     concurrent sign-ups with one link cannot both succeed.
//   - A registration with a link token is a redemption attempt of its
//     context's client (WithClient) for roster.InvitesConfig.Throttle,
//     taken before the token is looked up; a token that fails counts
//     against the workspace's budget of failures.
//   - BeforeDelete removes the pending invites of the deleted user's email.
func (s *Service) wire(uh *construct.UserHooks[users.User, users.Registration]) {
	prevBefore, prevAfter := uh.BeforeRegister, uh.AfterRegister
	uh.BeforeRegister = func(tx *store.Tx, email string, reg users.Registration) error {
		if prevBefore != nil {
			if err := prevBefore(tx, email, reg); err != nil {
				return err
			}
		}
		return s.checkSignup(tx, email, reg)
	}
	uh.AfterRegister = func(tx *store.Tx, u users.User, reg users.Registration) error {
		if prevAfter != nil {
			if err := prevAfter(tx, u, reg); err != nil {
				return err
			}
		}
		return consumeInvite(tx, u.Email, reg.InviteToken)
	}
	uh.BeforeDelete = append(uh.BeforeDelete, deleteInvitesOf)
}

// checkSignup is the gate inside the registration transaction. Users runs it
// before its duplicate check, so an existing user's email is judged as a
// newcomer's: a refusal never tells whether the email is taken.
func (s *Service) checkSignup(tx *store.Tx, email string, reg users.Registration) error {
	if reg.InviteToken != "" {
		if err := s.allowRedemption(tx.DB.Statement.Context); err != nil {
			return err
		}
	}
	g, err := loadGate(tx)
	if err != nil {
		return err
	}
	row, found, err := loadInvite(tx, email)
	if err != nil {
		return err
	}
	src := Source(reg.Source)
	invited := false
	if reg.InviteToken != "" {
		tok, perr := ParseToken(reg.InviteToken)
		if perr != nil || !found || !row.linkValid(tok, tx.Now) {
			return s.failedRedemption()
		}
		invited = true
	} else if src != SourcePassword {
		// SSO and SCIM vouch for the mailbox themselves.
		invited = found && row.usable(tx.Now)
	}
	err = g.Check(Signup{Email: email, Source: src, Invited: invited})
	if err != nil && !errors.Is(err, access.ErrForbidden) {
		// Unusable stored settings refuse too (fail closed).
		return errs.New("invites: sign-up refused: "+errs.Cause(err), access.Sentence(err, nil), access.ErrForbidden, err)
	}
	return err
}

// consumeInvite deletes the new user's invite. With a link token it deletes
// only the row that still holds that token and fails with ErrInviteInvalid if
// there is none, which rolls the sign-up back.
func consumeInvite(tx *store.Tx, email, token string) error {
	q := tx.DB.Where("workspace_id = ? AND email = ?", tx.Workspace, email)
	if token == "" {
		return q.Delete(&inviteRow{}).Error
	}
	tok, err := ParseToken(token)
	if err != nil {
		return ErrInviteInvalid
	}
	res := q.Where("token_hash = ?", tok.Hash()).Delete(&inviteRow{})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return ErrInviteInvalid
	}
	return nil
}

// deleteInvitesOf removes the pending invites of a user being deleted.
func deleteInvitesOf(tx *store.Tx, userID string) error {
	var emails []string
	err := tx.DB.Table("roster_users").Where("workspace_id = ? AND id = ?", tx.Workspace, userID).Pluck("email", &emails).Error
	if err != nil || len(emails) == 0 {
		return err
	}
	return tx.DB.Where("workspace_id = ? AND email IN ?", tx.Workspace, emails).Delete(&inviteRow{}).Error
}

func loadInvite(tx *store.Tx, email string) (inviteRow, bool, error) {
	var rows []inviteRow
	err := tx.DB.Where("workspace_id = ? AND email = ?", tx.Workspace, email).Limit(1).Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return inviteRow{}, false, err
	}
	return rows[0], true, nil
}

// CheckToken validates an invite link without consuming it, for the page a
// link opens, and returns the email the link was issued to. The link is
// consumed later, when Register gets it. A malformed, forged, expired, used
// or revoked link is [ErrInviteInvalid], whatever the reason. Every call is
// a redemption attempt of ctx's client ([WithClient]) for
// roster.InvitesConfig.Throttle, taken before the lookup; a failed lookup
// also counts against the workspace's budget of failures. Either may refuse
// with a *[ThrottledError]; a valid link is never refused for what other
// clients did.
func (s *Service) CheckToken(ctx context.Context, token string) (string, error) {
	if err := s.allowRedemption(ctx); err != nil {
		return "", err
	}
	tok, err := ParseToken(token)
	if err != nil {
		return "", s.failedRedemption()
	}
	var email string
	err = s.st.View(ctx, s.ws, access.System, func(tx *store.Tx) error {
		var rows []inviteRow
		// Looking up by hash is safe: its timing reveals bits of the hash only.
		if err := pendingQuery(tx).Where("roster_invites.token_hash = ?", tok.Hash()).Limit(1).Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 || !rows[0].linkValid(tok, tx.Now) {
			return s.failedRedemption()
		}
		email = rows[0].Email
		return nil
	})
	return email, err
}
