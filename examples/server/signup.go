package main

import (
	"context"
	"net/http"
	"net/netip"

	"github.com/rosterhq/roster/httpapi"
	"github.com/rosterhq/roster/invites"
	"github.com/rosterhq/roster/users"
)

func (s *server) signupRoutes(mux *http.ServeMux) {
	s.handleAnyone(mux, "POST /auth/register", s.register)
	s.handleAnyone(mux, "GET /invite/accept", s.acceptPage)
	s.handleAnyone(mux, "POST /invite/accept", s.acceptForm)
}

type registerRequest struct {
	Email       string `json:"email"`
	Password    string `json:"password"`
	InviteToken string `json:"invite_token"`
}

// register answers POST /auth/register: 201 with the new user, who signs in
// next with POST /auth/login.
func (s *server) register(w http.ResponseWriter, r *http.Request) error {
	var req registerRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	u, err := s.signUp(withClient(r), r, req.Email, req.Password, req.InviteToken)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, userOut(u))
	return nil
}

// signUp registers a password user through roster's invite gate and stores
// the password hash. Roster decides who may join: the allowed domains, then
// the gate, which, while it requires an invite, admits a password sign-up
// only with the email's invite link token (redeemed in the registration's
// transaction, so a refused sign-up leaves the link usable). The first person
// of the workspace becomes admin.
//
// The password is checked and hashed first, so a refused password writes
// nothing. Once roster has registered the user, the hash is stored without
// the request's cancellation: a client that gives up then still gets its
// password. If storing the hash fails all the same (the database fails), the
// request fails, the user exists without a password, a new registration is
// 409 DUPLICATE, and the user sets a password through forgot-password (POST
// /auth/forgot-password), which works for a user without one.
func (s *server) signUp(ctx context.Context, r *http.Request, email, password, token string) (users.User, error) {
	if err := checkPassword("password", password); err != nil {
		return users.User{}, err
	}
	if err := s.throttle.allow("register", email, r); err != nil {
		return users.User{}, err
	}
	if token != "" {
		if err := s.allowRedemption(r); err != nil {
			return users.User{}, err
		}
	}
	hash, err := s.hash(password)
	if err != nil {
		return users.User{}, err
	}
	u, err := s.ws.Users().Register(ctx, users.Registration{Email: email, Source: users.SourcePassword, InviteToken: token})
	if err != nil {
		return users.User{}, err
	}
	if s.afterRegister != nil {
		s.afterRegister()
	}
	// The user is committed and the invite link used up: the hash is stored
	// even if the client has gone away meanwhile, or the user could neither
	// sign in nor register again.
	if err := setPassword(s.db.WithContext(context.WithoutCancel(ctx)), u.ID, hash, s.cfg.Now(), ""); err != nil {
		s.cfg.Logger.Error("server: storing the password of a new user failed", "user", u.ID, "error", err)
		return users.User{}, err
	}
	return u, nil
}

// allowRedemption throttles invite link attempts per client IP, before
// roster's throttle of the whole workspace's redemptions (100 a minute by
// default), so that one client alone cannot use that budget up and lock
// every invitee out.
// withClient is r's context carrying the client's address for roster's
// per-client throttle of invite link redemptions (invites.WithClient).
func withClient(r *http.Request) context.Context {
	addr, err := netip.ParseAddr(clientIP(r))
	if err != nil {
		return r.Context() // no address: roster's per-workspace budget of failures only
	}
	return invites.WithClient(r.Context(), addr)
}

func (s *server) allowRedemption(r *http.Request) error {
	return s.throttle.allow("redeem", "", r)
}

// acceptPage answers GET /invite/accept?token=…, the page an invitation
// links to: a sign-up form for the invited email. A link that cannot be used
// gets 403 and says so, whatever the reason.
func (s *server) acceptPage(w http.ResponseWriter, r *http.Request) error {
	p := page{Title: "Join roster"}
	tok := r.URL.Query().Get("token")
	if err := s.allowRedemption(r); err != nil {
		s.renderError(w, r, "accept", p, err)
		return nil
	}
	email, err := s.ws.Invites().CheckToken(withClient(r), tok)
	if err != nil {
		s.renderError(w, r, "accept", p, err)
		return nil
	}
	p.Email, p.Token = email, tok
	s.render(w, http.StatusOK, "accept", p)
	return nil
}

// acceptForm answers the invitation page's form: it signs the invited email
// up with the link token, starts a session and goes to /ui/.
func (s *server) acceptForm(w http.ResponseWriter, r *http.Request) error {
	p := page{Title: "Join roster"}
	if err := s.parseForm(w, r); err != nil {
		s.renderError(w, r, "accept", p, err)
		return nil
	}
	tok := r.PostForm.Get("token")
	if err := s.allowRedemption(r); err != nil {
		s.renderError(w, r, "accept", p, err)
		return nil
	}
	email, err := s.ws.Invites().CheckToken(withClient(r), tok)
	if err != nil {
		s.renderError(w, r, "accept", p, err)
		return nil
	}
	p.Email, p.Token = email, tok
	u, err := s.signUp(withClient(r), r, email, r.PostForm.Get("password"), tok)
	if err == nil {
		err = s.startSession(r.Context(), w, r, u.ID)
	}
	if err != nil {
		if _, code, _ := httpapi.Classify(err); code == httpapi.CodeInviteInvalid || code == httpapi.CodeDuplicate {
			p.Token = "" // the form cannot succeed again
		}
		s.renderError(w, r, "accept", p, err)
		return nil
	}
	http.Redirect(w, r, "/ui/", http.StatusSeeOther)
	return nil
}
