package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/httpapi"
	"github.com/rosterhq/roster/users"
)

// Password rules: at least minPassword characters, and at most bcrypt's 72
// bytes (bcrypt ignores what follows, so longer passwords are refused rather
// than silently cut).
const (
	minPassword      = 8
	maxPasswordBytes = 72
)

// sessionCookie names the session cookie. It holds a random token; the
// database keeps only its SHA-256, so a copy of the database opens no session.
const sessionCookie = "roster_session"

// tokenLen is the length of a session or reset token: 32 random bytes in
// unpadded URL-safe base64.
var tokenLen = base64.RawURLEncoding.EncodedLen(32)

// errBadCredentials answers every failed login alike (unknown email, wrong
// password, deactivated user, no password set): 401 NOT_SIGNED_IN.
var errBadCredentials = &refusal{"server: wrong email or password", "The email or password is wrong.", httpapi.ErrNotSignedIn}

func (s *server) authRoutes(mux *http.ServeMux) {
	s.handleAnyone(mux, "POST /auth/login", s.login)
	s.handleAnyone(mux, "POST /auth/logout", s.logout)
	s.handle(mux, "POST /auth/password", signedIn, s.changePassword)
	s.handleAnyone(mux, "POST /auth/forgot-password", s.forgotPassword)
	s.handleAnyone(mux, "POST /auth/reset-password", s.resetPasswordJSON)
	s.handleAnyone(mux, "GET /password/reset", s.resetPage)
	s.handleAnyone(mux, "POST /password/reset", s.resetForm)
}

// checkPassword enforces the password rules on the named field.
func checkPassword(field, pw string) error {
	switch {
	case !utf8.ValidString(pw):
		return invalid(field, "must be valid UTF-8")
	case utf8.RuneCountInString(pw) < minPassword:
		return invalid(field, "must be at least %d characters", minPassword)
	case len(pw) > maxPasswordBytes:
		return invalid(field, "must be at most %d bytes", maxPasswordBytes)
	}
	return nil
}

func (s *server) hash(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), s.cfg.BcryptCost)
	return string(h), err
}

// passwordMatches reports whether pw is the password of user id. A user
// without a password row costs a bcrypt comparison all the same, so the time
// a login takes does not tell whether the email is a user.
func (s *server) passwordMatches(ctx context.Context, userID, pw string) (bool, error) {
	var rows []passwordRow
	if userID != "" {
		if err := s.db.WithContext(ctx).Where("user_id = ?", userID).Limit(1).Find(&rows).Error; err != nil {
			return false, err
		}
	}
	hash := s.dummyHash()
	if len(rows) == 1 {
		hash = rows[0].Hash
	}
	ok := bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
	return ok && len(rows) == 1, nil
}

// dummyHash is a hash of no one's password at the configured cost.
func (s *server) dummyHash() string {
	s.dummyOnce.Do(func() {
		h, err := bcrypt.GenerateFromPassword([]byte(newToken()), s.cfg.BcryptCost)
		if err == nil {
			s.dummy = string(h)
		}
	})
	return s.dummy
}

// setPassword stores user id's password hash, bumps its generation (which
// ends the user's device cookies) and ends their sessions except keep (a
// token hash, or "").
func setPassword(tx *gorm.DB, userID, hash string, now time.Time, keep string) error {
	row := passwordRow{UserID: userID, Hash: hash, ChangedUnix: now.Unix()}
	err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "user_id"}}, DoUpdates: clause.Assignments(map[string]any{
		"hash": hash, "changed_unix": row.ChangedUnix, "generation": gorm.Expr("app_passwords.generation + 1")})}).
		Create(&row).Error
	if err != nil {
		return err
	}
	return tx.Where("user_id = ? AND token_hash <> ?", userID, keep).Delete(&sessionRow{}).Error
}

// newToken returns 256 random bits, URL-safe.
func newToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails: crypto/rand.Read crashes the program instead
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is what the database keeps of a session or reset token.
func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// wellFormed reports whether tok could be a token this server issued, so a
// forged cookie costs no query.
func wellFormed(tok string) bool {
	if len(tok) != tokenLen {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(tok)
	return err == nil
}

// startSession creates a session for the user and sets its cookie.
func (s *server) startSession(ctx context.Context, w http.ResponseWriter, r *http.Request, userID string) error {
	tok, now := newToken(), s.cfg.Now()
	row := sessionRow{TokenHash: hashToken(tok), UserID: userID, StartedUnix: now.Unix(), ExpiresUnix: now.Add(s.cfg.SessionTTL).Unix()}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return err
	}
	http.SetCookie(w, s.cookie(r, tok, int(s.cfg.SessionTTL.Seconds())))
	noteUser(r, userID) // the access log names who signed in
	return nil
}

// cookie is the session cookie: HttpOnly, SameSite=Lax, Secure when served
// over TLS or when the public URL is https (a TLS-terminating proxy).
func (s *server) cookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return s.cookieNamed(r, sessionCookie, value, maxAge)
}

// cookieNamed is a cookie of this server's (session or device): HttpOnly,
// SameSite=Lax, Secure when served over TLS or when the public URL is https
// (a TLS-terminating proxy).
func (s *server) cookieNamed(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil || strings.HasPrefix(s.cfg.PublicURL, "https://")}
}

// session returns the request's unexpired session, or ErrNotSignedIn.
func (s *server) session(r *http.Request) (sessionRow, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || !wellFormed(c.Value) {
		return sessionRow{}, httpapi.ErrNotSignedIn
	}
	var rows []sessionRow
	if err := s.db.WithContext(r.Context()).Where("token_hash = ?", hashToken(c.Value)).Limit(1).Find(&rows).Error; err != nil {
		return sessionRow{}, err
	}
	if len(rows) == 0 || s.cfg.Now().Unix() >= rows[0].ExpiresUnix {
		return sessionRow{}, httpapi.ErrNotSignedIn
	}
	return rows[0], nil
}

// authenticate is httpapi's Authenticator: the API key's service user or
// the session's user, in the default workspace, checked as caller checks it
// (httpapi checks again).
func (s *server) authenticate(r *http.Request) (string, string, error) {
	c, err := s.caller(r)
	if err != nil {
		return "", "", err
	}
	return roster.DefaultWorkspace, c.User.ID, nil
}

// sessionUser is the session part of keyAuth: the session's user id.
func (s *server) sessionUser(r *http.Request) (string, string, error) {
	row, err := s.session(r)
	if err != nil {
		return "", "", err
	}
	return roster.DefaultWorkspace, row.UserID, nil
}

// caller resolves the request's user, checked against roster on every
// request: an API key sent as "Authorization: Bearer <key>" acts as its
// service user (httpapi.WithAPIKeys; a bad one never falls back to the
// session), anything else needs the session cookie. The session of a user
// deactivated or deleted since signing in is ErrNotSignedIn at once, and
// every session and reset link of that user is deleted, so reactivation
// needs a new sign-in. (Deactivation and deletion through this server's
// routes end them at once: endSessionsRoutes.)
func (s *server) caller(r *http.Request) (httpapi.Caller, error) {
	ws, userID, err := s.keyAuth(r)
	if err != nil {
		return httpapi.Caller{}, err
	}
	if ws != roster.DefaultWorkspace {
		return httpapi.Caller{}, httpapi.ErrNotSignedIn // this server serves one workspace
	}
	u, err := s.ws.Users().Get(r.Context(), userID)
	if errors.Is(err, users.ErrUserNotFound) || (err == nil && !u.Active) {
		if err := s.endSessions(r.Context(), userID); err != nil {
			return httpapi.Caller{}, err
		}
		return httpapi.Caller{}, httpapi.ErrNotSignedIn
	}
	if err != nil {
		return httpapi.Caller{}, err
	}
	noteUser(r, u.ID)
	return httpapi.Caller{Workspace: s.ws, User: u}, nil
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// userJSON is the signed-in or new user: {id, email, role}.
type userJSON struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Role  string `json:"role"`
}

func userOut(u users.User) userJSON { return userJSON{ID: u.ID, Email: u.Email, Role: string(u.Role)} }

// login answers POST /auth/login: a session cookie and the user.
func (s *server) login(w http.ResponseWriter, r *http.Request) error {
	var req loginRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	email, err := users.NormalizeEmail(req.Email)
	if err != nil {
		return invalid("email", "is not a valid email address")
	}
	u, err := s.ws.Users().ByEmail(r.Context(), email)
	if err != nil && !errors.Is(err, users.ErrUserNotFound) {
		return err
	}
	// A valid device cookie for this email meets only its own bucket,
	// charged by failures; any other request meets the per-(email, IP),
	// per-IP and per-email buckets.
	nonce, err := s.deviceNonce(r, email, u.ID)
	if err != nil {
		return err
	}
	var failed func()
	if nonce != "" {
		if failed, err = s.throttle.allowDevice(nonce); err != nil {
			return err
		}
	} else if err := s.throttle.allow("login", email, r); err != nil {
		return err
	}
	ok, err := s.passwordMatches(r.Context(), u.ID, req.Password)
	if err != nil {
		return err
	}
	// A service user (an API key's) signs in with its key only, never with
	// a password, whatever the password table holds.
	if !ok || !u.Active || u.Kind != users.KindPerson {
		if failed != nil {
			failed()
		}
		return errBadCredentials
	}
	if err := s.startSession(r.Context(), w, r, u.ID); err != nil {
		return err
	}
	if err := s.setDeviceCookie(w, r, email, u.ID); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, userOut(u))
	return nil
}

// logout answers POST /auth/logout: the session ends and its cookie goes.
func (s *server) logout(w http.ResponseWriter, r *http.Request) error {
	row, err := s.session(r)
	if err != nil {
		return err
	}
	if err := s.db.WithContext(r.Context()).Delete(&sessionRow{}, "token_hash = ?", row.TokenHash).Error; err != nil {
		return err
	}
	http.SetCookie(w, s.cookie(r, "", -1))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type passwordChange struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// changePassword answers POST /auth/password. The user's other sessions end.
func (s *server) changePassword(w http.ResponseWriter, r *http.Request, c httpapi.Caller) error {
	var req passwordChange
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if err := checkPassword("new_password", req.NewPassword); err != nil {
		return err
	}
	if err := s.throttle.allow("password", c.User.ID, r); err != nil {
		return err
	}
	ok, err := s.passwordMatches(r.Context(), c.User.ID, req.CurrentPassword)
	if err != nil {
		return err
	}
	if !ok {
		return invalid("current_password", "does not match")
	}
	hash, err := s.hash(req.NewPassword)
	if err != nil {
		return err
	}
	current, err := s.session(r)
	if err != nil {
		return err
	}
	err = s.db.WithContext(r.Context()).Transaction(func(tx *gorm.DB) error {
		return setPassword(tx, c.User.ID, hash, s.cfg.Now(), current.TokenHash)
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
