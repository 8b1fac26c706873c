package invites

import (
	"context"
	"fmt"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/authz"
	"github.com/rosterhq/roster/internal/errs"
	"github.com/rosterhq/roster/internal/store"
	"github.com/rosterhq/roster/users"
)

// Outcome says what [Service.Invite] did with one address.
type Outcome string

// Outcomes of a bulk invite.
const (
	// OutcomeInvited: a new invite was stored and its mail attempted.
	OutcomeInvited Outcome = "invited"
	// OutcomeAlreadyInvited: a pending invite exists (or the address came
	// twice); nothing changed and nothing was sent. Use Resend to mail again.
	OutcomeAlreadyInvited Outcome = "already_invited"
	// OutcomeAlreadyUser: the email belongs to a user; nothing was stored or
	// sent.
	OutcomeAlreadyUser Outcome = "already_user"
)

// AddressResult is the result of one address of a bulk invite.
type AddressResult struct {
	// Email is the normalized address.
	Email string
	// Outcome says what happened.
	Outcome Outcome
	// Delivery is the invitation mail's status, set for OutcomeInvited.
	Delivery Status
}

// BulkResult is the result of [Service.Invite].
type BulkResult struct {
	// Addresses holds one result per address given, in order.
	Addresses []AddressResult
	// Invited counts the invites stored by this call.
	Invited int
	// Pending counts the workspace's pending invites after the call.
	Pending int
}

// newInvite is an invite stored by this transaction, with the secret that
// goes into its mail after the commit.
type newInvite struct {
	email   string
	token   Token
	expires time.Time
}

// Invite invites up to [MaxBulk] email addresses. Admin only (others get
// users.ErrNotAdmin, matching access.ErrForbidden). Every address is
// normalized with users.NormalizeEmail first: an empty list, more than
// MaxBulk addresses, or one malformed address fails the whole call with
// [ErrInvalidRequest] and writes nothing. An email that is a user, or already
// invited, is reported and left alone. Each new invite gets a fresh one-time
// link token valid for roster.InvitesConfig.TokenTTL; the first invite ever
// stored sets the workspace's "first invite made" flag (see [ModeAuto]).
//
// Mail goes out after the commit, through roster.InvitesConfig.Mailer; each
// new invite's delivery status is recorded on it and reported in the result.
// A failed send keeps the invite (status send_failed) for [Service.Resend].
// When roster.InvitesConfig.Throttle refuses the new invites' sends (all or
// nothing), the call fails with a *[ThrottledError] and writes nothing.
func (s *Service) Invite(ctx context.Context, actor access.Actor, emails []string) (BulkResult, error) {
	norm, err := normalizeAll(emails)
	if err != nil {
		return BulkResult{}, err
	}
	var res BulkResult
	_, err = s.st.Mutate(ctx, s.ws, actor, func(tx *store.Tx) error {
		if err := authz.RequireAdmin(tx); err != nil {
			return err
		}
		fresh, err := s.insertInvites(tx, norm, &res)
		if err != nil {
			return err
		}
		tx.AfterCommit(func() { s.mailAll(ctx, fresh, &res) })
		return nil
	})
	if err != nil {
		return BulkResult{}, err
	}
	return res, nil
}

func normalizeAll(emails []string) ([]string, error) {
	switch {
	case len(emails) == 0:
		return nil, errs.Errorf(ErrInvalidRequest, "Give at least one email address.", "%v: no addresses", ErrInvalidRequest)
	case len(emails) > MaxBulk:
		return nil, errs.Errorf(ErrInvalidRequest, fmt.Sprintf("Invite at most %d addresses at a time.", MaxBulk), "%v: %d addresses, at most %d a call", ErrInvalidRequest, len(emails), MaxBulk)
	}
	out := make([]string, len(emails))
	for i, e := range emails {
		n, err := users.NormalizeEmail(e)
		if err != nil {
			// The index, not the address: errors may end up in logs.
			return nil, errs.New(fmt.Sprintf("%v: address %d: %s", ErrInvalidRequest, i+1, errs.Cause(err)), fmt.Sprintf("Address %d is not a valid email address.", i+1), ErrInvalidRequest, err)
		}
		out[i] = n
	}
	return out, nil
}

// insertInvites classifies every address, stores the new invites, sets the
// flag and fills res; it returns the new invites to mail.
func (s *Service) insertInvites(tx *store.Tx, emails []string, res *BulkResult) ([]newInvite, error) {
	isUser, err := existingUsers(tx, emails)
	if err != nil {
		return nil, err
	}
	invited, err := existingInvites(tx, emails)
	if err != nil {
		return nil, err
	}
	var fresh []newInvite
	var rows []inviteRow
	for _, e := range emails {
		r := AddressResult{Email: e, Outcome: OutcomeInvited}
		switch {
		case isUser[e]:
			r.Outcome = OutcomeAlreadyUser
		case invited[e]:
			r.Outcome = OutcomeAlreadyInvited
		default:
			invited[e] = true
			n := newInvite{email: e, token: NewToken(), expires: tx.Now.Add(s.cfg.TokenTTL)}
			fresh = append(fresh, n)
			rows = append(rows, s.rowFor(tx, n))
			r.Delivery = s.initialStatus()
		}
		res.Addresses = append(res.Addresses, r)
	}
	if len(rows) > 0 {
		if err := s.allowSends(len(rows)); err != nil {
			return nil, err
		}
		if err := tx.DB.CreateInBatches(rows, 200).Error; err != nil {
			return nil, err
		}
		if err := markStarted(tx); err != nil {
			return nil, err
		}
		for _, n := range fresh {
			tx.Audit("invite.create", n.email, map[string]any{"token_expires_at": n.expires})
		}
	}
	res.Invited = len(rows)
	pending, err := countPending(tx)
	res.Pending = int(pending)
	return fresh, err
}

func (s *Service) rowFor(tx *store.Tx, n newInvite) inviteRow {
	hash, exp := n.token.Hash(), n.expires
	return inviteRow{WorkspaceID: tx.Workspace, Email: n.email, InvitedBy: string(tx.Actor), InvitedAt: tx.Now,
		TokenHash: &hash, TokenExpiresAt: &exp, EmailStatus: string(s.initialStatus())}
}

// initialStatus is what a new invite records before its mail goes out. With a
// mailer it is send_failed until the mailer accepts the message, so that a
// crash between the commit and the send leaves a status that asks for a
// retry.
func (s *Service) initialStatus() Status {
	if s.cfg.Mailer == nil || s.cfg.Link == nil {
		return StatusNotConfigured
	}
	return StatusSendFailed
}

func existingUsers(tx *store.Tx, emails []string) (map[string]bool, error) {
	var found []string
	err := tx.DB.Table("roster_users").Where("workspace_id = ? AND email IN ?", tx.Workspace, emails).Pluck("email", &found).Error
	return setOf(found), err
}

func existingInvites(tx *store.Tx, emails []string) (map[string]bool, error) {
	var found []string
	err := tx.DB.Model(&inviteRow{}).Where("workspace_id = ? AND email IN ?", tx.Workspace, emails).Pluck("email", &found).Error
	return setOf(found), err
}

func setOf(ss []string) map[string]bool {
	m := make(map[string]bool, len(ss))
	for _, s := range ss {
		m[s] = true
	}
	return m
}

// Resend mails the pending invite of email again with a new link token: the
// old link stops working. Admin only. An email without a pending invite (or
// that is a user) is [ErrInviteNotFound]; a malformed one [ErrInvalidRequest].
// It returns the delivery status, also recorded on the invite. A throttled
// resend is a *[ThrottledError] and changes nothing.
func (s *Service) Resend(ctx context.Context, actor access.Actor, email string) (Status, error) {
	e, err := users.NormalizeEmail(email)
	if err != nil {
		return "", errs.New(ErrInvalidRequest.Error()+": "+errs.Cause(err), "That is not a valid email address.", ErrInvalidRequest, err)
	}
	var res BulkResult
	_, err = s.st.Mutate(ctx, s.ws, actor, func(tx *store.Tx) error {
		if err := authz.RequireAdmin(tx); err != nil {
			return err
		}
		if err := mustBePending(tx, e); err != nil {
			return err
		}
		if err := s.allowSends(1); err != nil {
			return err
		}
		n := newInvite{email: e, token: NewToken(), expires: tx.Now.Add(s.cfg.TokenTTL)}
		hash := n.token.Hash()
		err := tx.DB.Model(&inviteRow{}).Where("workspace_id = ? AND email = ?", tx.Workspace, e).
			Updates(map[string]any{"token_hash": hash, "token_expires_at": n.expires, "email_status": string(s.initialStatus())}).Error
		if err != nil {
			return err
		}
		tx.Audit("invite.resend", e, map[string]any{"token_expires_at": n.expires})
		res.Addresses = []AddressResult{{Email: e, Outcome: OutcomeInvited, Delivery: s.initialStatus()}}
		tx.AfterCommit(func() { s.mailAll(ctx, []newInvite{n}, &res) })
		return nil
	})
	if err != nil {
		return "", err
	}
	return res.Addresses[0].Delivery, nil
}

// mustBePending returns ErrInviteNotFound unless email has an invite row and
// is not a user.
func mustBePending(tx *store.Tx, email string) error {
	var n int64
	err := pendingQuery(tx).Where("roster_invites.email = ?", email).Count(&n).Error
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrInviteNotFound
	}
	return nil
}

// mailAll sends each new invite's mail and records the outcome on the invite
// and in res. It runs after the commit, outside every lock.
func (s *Service) mailAll(ctx context.Context, fresh []newInvite, res *BulkResult) {
	status := map[string]Status{}
	for _, n := range fresh {
		status[n.email] = s.mail(ctx, n)
	}
	for i, a := range res.Addresses {
		if st, ok := status[a.Email]; ok && a.Outcome == OutcomeInvited {
			res.Addresses[i].Delivery = st
		}
	}
}

// mail sends one invitation and records its status. The update is
// bookkeeping outside the audited transaction; it matches the token hash, so
// a resend that rotated the token meanwhile is never overwritten.
func (s *Service) mail(ctx context.Context, n newInvite) Status {
	st, err := s.send(ctx, n)
	if err != nil {
		// No error text: a mail server's error may quote the address.
		s.log().Warn("invites: invitation mail not sent", "workspace", s.ws, "status", st)
	}
	if st == s.initialStatus() {
		return st
	}
	err = s.st.DB.WithContext(context.WithoutCancel(ctx)).Model(&inviteRow{}).
		Where("workspace_id = ? AND email = ? AND token_hash = ?", s.ws, n.email, n.token.Hash()).
		Update("email_status", string(st)).Error
	if err != nil {
		s.log().Error("invites: recording the delivery status failed", "workspace", s.ws, "error", err)
	}
	return st
}

func (s *Service) send(ctx context.Context, n newInvite) (Status, error) {
	if s.cfg.Mailer == nil || s.cfg.Link == nil {
		return StatusNotConfigured, ErrMailNotConfigured
	}
	m, err := s.cfg.Templates.Render(Invitation{Email: n.email, Link: s.cfg.Link(n.token.Secret()),
		Workspace: s.cfg.WorkspaceName, ExpiresAt: n.expires})
	if err != nil {
		return StatusSendFailed, err
	}
	return Deliver(ctx, s.cfg.Mailer, m)
}
