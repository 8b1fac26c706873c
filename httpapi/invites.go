package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/invites"
)

func (h *Handler) inviteRoutes() {
	h.handle("PUT /manage/admin/users", adminOnly, h.inviteUsers)
	h.handle("POST /manage/admin/resend-invite", adminOnly, h.resendInvite)
	h.handle("PATCH /manage/admin/remove-invited-user", adminOnly, h.removeInvite)
	h.handle("GET /manage/admin/settings", adminOnly, h.getSettings)
	h.handle("PUT /manage/admin/settings", adminOnly, h.putSettings)
	h.handle("GET /manage/admin/audit", adminOnly, h.audit)
}

// inviteJSON is a pending invite. expires_at is when its current link
// expires (a resend issues a new one).
type inviteJSON struct {
	Email       string     `json:"email"`
	InvitedAt   time.Time  `json:"invited_at"`
	ExpiresAt   *time.Time `json:"expires_at"`
	EmailStatus string     `json:"email_status"`
}

// invites returns the pending invites whose email contains q.
func (h *Handler) invites(ctx context.Context, c Caller, q string) ([]inviteJSON, error) {
	list, err := c.Workspace.Invites().List(ctx, c.Actor())
	if err != nil {
		return nil, err
	}
	out := []inviteJSON{}
	q = strings.ToLower(q)
	for _, inv := range list {
		if !strings.Contains(inv.Email, q) {
			continue
		}
		j := inviteJSON{Email: inv.Email, InvitedAt: inv.InvitedAt, EmailStatus: string(inv.Delivery)}
		if !inv.LinkExpiresAt.IsZero() {
			j.ExpiresAt = &inv.LinkExpiresAt
		}
		out = append(out, j)
	}
	return out, nil
}

// invitedUsers answers GET /manage/users/invited.
func (h *Handler) invitedUsers(w http.ResponseWriter, r *http.Request, c Caller) error {
	out, err := h.invites(r.Context(), c, "")
	if err != nil {
		return err
	}
	return ok(w, out)
}

type inviteRequest struct {
	Emails []string `json:"emails"`
}

type inviteResultJSON struct {
	Email  string `json:"email"`
	Status string `json:"status"`
}

type bulkInviteJSON struct {
	InvitedCount      int                `json:"invited_count"`
	EmailInviteStatus *string            `json:"email_invite_status"`
	Results           []inviteResultJSON `json:"results"`
}

// deliveryRank orders delivery statuses from best to worst, so that a bulk
// invite reports the worst of its new invites' mail.
var deliveryRank = map[invites.Status]int{invites.StatusSent: 0, invites.StatusDisabled: 1,
	invites.StatusNotConfigured: 2, invites.StatusSendFailed: 3}

// inviteUsers answers PUT /manage/admin/users: invited_count is the pending
// invites after the call; email_invite_status the worst delivery status of
// the invitations sent, null when none was.
func (h *Handler) inviteUsers(w http.ResponseWriter, r *http.Request, c Caller) error {
	var req inviteRequest
	if err := decode(w, r, h.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	if req.Emails == nil {
		return invalid("emails", "is required")
	}
	res, err := c.Workspace.Invites().Invite(r.Context(), c.Actor(), req.Emails)
	if err != nil {
		return err
	}
	out := bulkInviteJSON{InvitedCount: res.Pending, Results: make([]inviteResultJSON, len(res.Addresses))}
	for i, a := range res.Addresses {
		out.Results[i] = inviteResultJSON{Email: a.Email, Status: string(a.Outcome)}
		if a.Outcome != invites.OutcomeInvited {
			continue
		}
		if out.EmailInviteStatus == nil || deliveryRank[a.Delivery] > deliveryRank[invites.Status(*out.EmailInviteStatus)] {
			s := string(a.Delivery)
			out.EmailInviteStatus = &s
		}
	}
	return ok(w, out)
}

// resendInvite answers POST /manage/admin/resend-invite with the delivery
// status of the new invitation.
func (h *Handler) resendInvite(w http.ResponseWriter, r *http.Request, c Caller) error {
	var req userEmail
	if err := decode(w, r, h.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	email, err := emailField("user_email", req.UserEmail)
	if err != nil {
		return err
	}
	st, err := c.Workspace.Invites().Resend(r.Context(), c.Actor(), email)
	if err != nil {
		return err
	}
	return ok(w, map[string]string{"email_invite_status": string(st)})
}

// removeInvite answers PATCH /manage/admin/remove-invited-user with the
// number of pending invites left, a bare JSON number as in Onyx.
func (h *Handler) removeInvite(w http.ResponseWriter, r *http.Request, c Caller) error {
	var req userEmail
	if err := decode(w, r, h.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	email, err := emailField("user_email", req.UserEmail)
	if err != nil {
		return err
	}
	svc := c.Workspace.Invites()
	if err := svc.Revoke(r.Context(), c.Actor(), email); err != nil {
		return err
	}
	left, err := svc.List(r.Context(), c.Actor())
	if err != nil {
		return err
	}
	return ok(w, len(left))
}

// settingsJSON are the invite gate settings. Every field is required in a
// PUT, which replaces them all.
type settingsJSON struct {
	InviteMode          *string   `json:"invite_mode"`
	AllowedDomains      *[]string `json:"allowed_domains"`
	SSOBypassesInvites  *bool     `json:"sso_bypasses_invites"`
	SCIMBypassesInvites *bool     `json:"scim_bypasses_invites"`
}

func settingsOut(s invites.Settings) settingsJSON {
	mode, domains := s.Mode.String(), s.AllowedDomains
	if domains == nil {
		domains = []string{}
	}
	sso, scim := s.SSOBypassesInvite, !s.SCIMRequiresInvite
	return settingsJSON{InviteMode: &mode, AllowedDomains: &domains, SSOBypassesInvites: &sso, SCIMBypassesInvites: &scim}
}

// getSettings answers GET /manage/admin/settings.
func (h *Handler) getSettings(w http.ResponseWriter, r *http.Request, c Caller) error {
	s, err := c.Workspace.Invites().Settings(r.Context(), c.Actor())
	if err != nil {
		return err
	}
	return ok(w, settingsOut(s))
}

// putSettings answers PUT /manage/admin/settings with the settings as stored.
func (h *Handler) putSettings(w http.ResponseWriter, r *http.Request, c Caller) error {
	var req settingsJSON
	if err := decode(w, r, h.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	switch {
	case req.InviteMode == nil:
		return invalid("invite_mode", "is required")
	case req.AllowedDomains == nil:
		return invalid("allowed_domains", "is required")
	case req.SSOBypassesInvites == nil:
		return invalid("sso_bypasses_invites", "is required")
	case req.SCIMBypassesInvites == nil:
		return invalid("scim_bypasses_invites", "is required")
	}
	mode, err := invites.ParseMode(*req.InviteMode)
	if err != nil {
		return invalid("invite_mode", "must be auto, invite_only or open")
	}
	in := invites.Settings{Mode: mode, AllowedDomains: *req.AllowedDomains,
		SSOBypassesInvite: *req.SSOBypassesInvites, SCIMRequiresInvite: !*req.SCIMBypassesInvites}
	s, err := c.Workspace.Invites().SetSettings(r.Context(), c.Actor(), in)
	if err != nil {
		return err
	}
	return ok(w, settingsOut(s))
}

type auditJSON struct {
	ID      int64          `json:"id"`
	Version int64          `json:"version"`
	Actor   string         `json:"actor"`
	Action  string         `json:"action"`
	Target  string         `json:"target"`
	Details map[string]any `json:"details"`
	At      time.Time      `json:"at"`
}

// audit answers GET /manage/admin/audit: a page of the audit trail, newest
// first. actor filters by the actor as the items show it ("system",
// "u:<id>").
func (h *Handler) audit(w http.ResponseWriter, r *http.Request, c Caller) error {
	q := r.URL.Query()
	p, err := pageQuery(q)
	if err != nil {
		return err
	}
	f := roster.AuditFilter{Actor: roster.Actor(q.Get("actor")), Target: q.Get("target"), Action: q.Get("action"),
		Offset: p.offset, Limit: p.limit}
	page, err := c.Workspace.Audit(r.Context(), c.Actor(), f)
	if err != nil {
		return err
	}
	items := make([]auditJSON, len(page.Events))
	for i, e := range page.Events {
		items[i] = auditJSON{ID: e.ID, Version: e.Version, Actor: string(e.Actor), Action: e.Action,
			Target: e.Target, Details: e.Details, At: e.At}
	}
	return ok(w, map[string]any{"items": items, "total_items": page.Total})
}
