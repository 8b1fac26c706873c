package main

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"gorm.io/gorm"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/invites"
	"github.com/rosterhq/roster/users"
)

// errResetInvalid is the one answer for a reset link that cannot be used:
// malformed, unknown, expired, used, or of a user deactivated or deleted
// since (400 INVALID_INPUT naming the token).
var errResetInvalid = &refusal{"server: invalid token: the reset link is invalid or expired",
	"This password-reset link is invalid or has expired; ask for a new one.", access.ErrInvalid}

type forgotRequest struct {
	Email string `json:"email"`
}

// forgotPassword answers POST /auth/forgot-password: 204 for every
// well-formed request, whether or not the email is a user, and mails an
// active user a one-time reset link in the background.
func (s *server) forgotPassword(w http.ResponseWriter, r *http.Request) error {
	var req forgotRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	email, err := users.NormalizeEmail(req.Email)
	if err != nil {
		return invalid("email", "is not a valid email address")
	}
	if err := s.throttle.allow("forgot", email, r); err != nil {
		return err
	}
	s.sendAfter(r.Context(), func(ctx context.Context) (invites.Message, bool) {
		link, ok := s.newResetLink(ctx, email)
		return resetMessage(email, link, s.cfg.ResetTTL), ok
	})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// newResetLink stores a reset token for the active person email and returns
// its link; false if email is no active person (or the write failed).
func (s *server) newResetLink(ctx context.Context, email string) (string, bool) {
	u, err := s.ws.Users().ByEmail(ctx, email)
	if err != nil || !u.Active || u.Kind != users.KindPerson {
		return "", false // a service user (API key) never has a password
	}
	tok, now := newToken(), s.cfg.Now()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("expires_unix <= ?", now.Unix()).Delete(&resetRow{}).Error; err != nil {
			return err
		}
		return tx.Create(&resetRow{TokenHash: hashToken(tok), UserID: u.ID, ExpiresUnix: now.Add(s.cfg.ResetTTL).Unix()}).Error
	})
	if err != nil {
		s.cfg.Logger.Error("server: storing a reset link failed", "user", u.ID, "error", err)
		return "", false
	}
	return s.cfg.PublicURL + "/password/reset?token=" + url.QueryEscape(tok), true
}

type resetRequest struct {
	Token       string `json:"token"`
	NewPassword string `json:"new_password"`
}

// resetPasswordJSON answers POST /auth/reset-password.
func (s *server) resetPasswordJSON(w http.ResponseWriter, r *http.Request) error {
	var req resetRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if err := s.resetPassword(r, req.Token, req.NewPassword); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// resetPassword sets the password of the reset token's user, uses the token
// up, and ends every session of the user.
func (s *server) resetPassword(r *http.Request, tok, pw string) error {
	if err := checkPassword("new_password", pw); err != nil {
		return err
	}
	if err := s.throttle.allow("reset", "", r); err != nil {
		return err
	}
	ctx := r.Context()
	row, err := s.resetRow(ctx, tok)
	if err != nil {
		return err
	}
	hash, err := s.hash(pw)
	if err != nil {
		return err
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Only the request that deletes the row may use it.
		res := tx.Delete(&resetRow{}, "token_hash = ?", row.TokenHash)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return errResetInvalid
		}
		if err := tx.Delete(&resetRow{}, "user_id = ?", row.UserID).Error; err != nil {
			return err
		}
		return setPassword(tx, row.UserID, hash, s.cfg.Now(), "")
	})
}

// resetRow returns the unexpired reset row of tok whose user is an active
// person, or errResetInvalid.
func (s *server) resetRow(ctx context.Context, tok string) (resetRow, error) {
	if !wellFormed(tok) {
		return resetRow{}, errResetInvalid
	}
	var rows []resetRow
	if err := s.db.WithContext(ctx).Where("token_hash = ?", hashToken(tok)).Limit(1).Find(&rows).Error; err != nil {
		return resetRow{}, err
	}
	if len(rows) == 0 || s.cfg.Now().Unix() >= rows[0].ExpiresUnix {
		return resetRow{}, errResetInvalid
	}
	u, err := s.ws.Users().Get(ctx, rows[0].UserID)
	if errors.Is(err, users.ErrUserNotFound) || (err == nil && (!u.Active || u.Kind != users.KindPerson)) {
		return resetRow{}, errResetInvalid
	}
	return rows[0], err
}

// resetPage answers GET /password/reset?token=…, the page the reset mail
// links to: a form for the new password. Looking a token up is an attempt
// like the form's and the JSON route's, throttled in the same per-client
// bucket, so the page is no oracle for guessing tokens.
func (s *server) resetPage(w http.ResponseWriter, r *http.Request) error {
	tok := r.URL.Query().Get("token")
	if err := s.throttle.allow("reset", "", r); err != nil {
		s.renderError(w, r, "reset", page{Title: "Reset your password"}, err)
		return nil
	}
	if _, err := s.resetRow(r.Context(), tok); err != nil {
		s.renderError(w, r, "reset", page{Title: "Reset your password"}, err)
		return nil
	}
	s.render(w, http.StatusOK, "reset", page{Title: "Reset your password", Token: tok})
	return nil
}

// resetForm answers the reset page's form.
func (s *server) resetForm(w http.ResponseWriter, r *http.Request) error {
	p := page{Title: "Reset your password"}
	if err := s.parseForm(w, r); err != nil {
		s.renderError(w, r, "reset", p, err)
		return nil
	}
	p.Token = r.PostForm.Get("token")
	if err := s.resetPassword(r, p.Token, r.PostForm.Get("new_password")); err != nil {
		if errors.Is(err, errResetInvalid) {
			p.Token = "" // no form for a link that cannot work
		}
		s.renderError(w, r, "reset", p, err)
		return nil
	}
	s.render(w, http.StatusOK, "reset", page{Title: "Password changed", Message: "Your password is changed. Sign in with it."})
	return nil
}
