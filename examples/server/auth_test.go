package main

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Login sets an HttpOnly, SameSite=Lax session cookie (not Secure over
// plain HTTP); logout ends the session.
func TestLoginLogout(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.register("ada@example.com", "")
	c := ts.client()
	want(t, "wrong password", c.do(http.MethodPost, "/auth/login", loginRequest{Email: "ada@example.com", Password: "wrong password"}),
		http.StatusUnauthorized, "NOT_SIGNED_IN")
	want(t, "unknown email", c.do(http.MethodPost, "/auth/login", loginRequest{Email: "nobody@example.com", Password: "whatever1"}),
		http.StatusUnauthorized, "NOT_SIGNED_IN")
	want(t, "me before login", c.do(http.MethodGet, "/me", nil), http.StatusUnauthorized, "NOT_SIGNED_IN")

	r := c.do(http.MethodPost, "/auth/login", loginRequest{Email: "ADA@example.com", Password: pw("ada@example.com")})
	want(t, "login", r, http.StatusOK, "")
	if got := decodeAs[userJSON](t, r); got != ada {
		t.Errorf("login answered %+v, want %+v", got, ada)
	}
	// The session cookie and the device cookie (device_test.go), no other.
	cookies := (&http.Response{Header: r.header}).Cookies()
	if len(cookies) != 2 || cookies[0].Name != sessionCookie || !cookies[0].HttpOnly ||
		cookies[0].SameSite != http.SameSiteLaxMode || cookies[0].Secure || cookies[0].Path != "/" || cookies[1].Name != deviceCookie {
		t.Errorf("cookies %+v, want the session cookie then the device cookie", cookies)
	}
	want(t, "me", c.do(http.MethodGet, "/me", nil), http.StatusOK, "")
	want(t, "logout", c.do(http.MethodPost, "/auth/logout", nil), http.StatusNoContent, "")
	want(t, "me after logout", c.do(http.MethodGet, "/me", nil), http.StatusUnauthorized, "NOT_SIGNED_IN")
	want(t, "logout again", c.do(http.MethodPost, "/auth/logout", nil), http.StatusUnauthorized, "NOT_SIGNED_IN")
}

// A session lasts SessionTTL.
func TestSessionExpires(t *testing.T) {
	ts := newTestServer(t)
	ts.register("ada@example.com", "")
	c := ts.login("ada@example.com")
	ts.clock.Advance(defaultSessionTTL - time.Second)
	want(t, "before expiry", c.do(http.MethodGet, "/me", nil), http.StatusOK, "")
	ts.clock.Advance(time.Second)
	want(t, "at expiry", c.do(http.MethodGet, "/me", nil), http.StatusUnauthorized, "NOT_SIGNED_IN")
}

// Changing the password needs the current one, keeps the session that
// changed it and ends the others.
func TestPasswordChange(t *testing.T) {
	ts := newTestServer(t)
	ts.register("ada@example.com", "")
	c, other := ts.login("ada@example.com"), ts.login("ada@example.com")
	const next = "a new password"
	want(t, "signed out", ts.client().do(http.MethodPost, "/auth/password", passwordChange{CurrentPassword: pw("ada@example.com"), NewPassword: next}),
		http.StatusUnauthorized, "NOT_SIGNED_IN")
	want(t, "wrong current", c.do(http.MethodPost, "/auth/password", passwordChange{CurrentPassword: "not it at all", NewPassword: next}),
		http.StatusBadRequest, "INVALID_INPUT")
	want(t, "short new", c.do(http.MethodPost, "/auth/password", passwordChange{CurrentPassword: pw("ada@example.com"), NewPassword: "short"}),
		http.StatusBadRequest, "INVALID_INPUT")
	want(t, "too long new", c.do(http.MethodPost, "/auth/password", passwordChange{CurrentPassword: pw("ada@example.com"), NewPassword: strings.Repeat("x", 73)}),
		http.StatusBadRequest, "INVALID_INPUT")
	want(t, "change", c.do(http.MethodPost, "/auth/password", passwordChange{CurrentPassword: pw("ada@example.com"), NewPassword: next}),
		http.StatusNoContent, "")
	want(t, "this session", c.do(http.MethodGet, "/me", nil), http.StatusOK, "")
	want(t, "other session", other.do(http.MethodGet, "/me", nil), http.StatusUnauthorized, "NOT_SIGNED_IN")
	want(t, "old password", ts.client().do(http.MethodPost, "/auth/login", loginRequest{Email: "ada@example.com", Password: pw("ada@example.com")}),
		http.StatusUnauthorized, "NOT_SIGNED_IN")
	want(t, "new password", ts.client().do(http.MethodPost, "/auth/login", loginRequest{Email: "ada@example.com", Password: next}),
		http.StatusOK, "")
}

// Forgot-password answers 204 for anyone and mails a one-time, expiring
// reset link to active users only; resetting ends every session.
func TestPasswordReset(t *testing.T) {
	ts := newTestServer(t)
	ts.register("ada@example.com", "")
	admin := ts.login("ada@example.com")
	ts.setMode(admin, "open")
	ts.register("bob@example.com", "")
	bob := ts.login("bob@example.com")

	for _, email := range []string{"nobody@example.com", "bob@example.com"} {
		want(t, "forgot "+email, ts.client().do(http.MethodPost, "/auth/forgot-password", forgotRequest{Email: email}), http.StatusNoContent, "")
	}
	m := ts.mail.next(t)
	if m.To != "bob@example.com" || !strings.HasPrefix(m.Link, ts.url+"/password/reset?token=") || !strings.Contains(m.Text, m.Link) {
		t.Fatalf("reset mail %+v", m)
	}
	ts.s.mail.Wait()
	ts.mail.empty(t) // none for the unknown email
	tok := token(t, m.Link)

	page := ts.client().do(http.MethodGet, "/password/reset?token="+url.QueryEscape(tok), nil)
	if page.status != http.StatusOK || !strings.Contains(string(page.body), `name="new_password"`) {
		t.Errorf("reset page: %d\n%s", page.status, page.body)
	}
	want(t, "short", ts.client().do(http.MethodPost, "/auth/reset-password", resetRequest{Token: tok, NewPassword: "short"}), http.StatusBadRequest, "INVALID_INPUT")
	want(t, "forged", ts.client().do(http.MethodPost, "/auth/reset-password", resetRequest{Token: strings.Repeat("A", tokenLen), NewPassword: "brand new pw"}),
		http.StatusBadRequest, "INVALID_INPUT")
	want(t, "reset", ts.client().do(http.MethodPost, "/auth/reset-password", resetRequest{Token: tok, NewPassword: "brand new pw"}), http.StatusNoContent, "")
	want(t, "reused", ts.client().do(http.MethodPost, "/auth/reset-password", resetRequest{Token: tok, NewPassword: "another new pw"}),
		http.StatusBadRequest, "INVALID_INPUT")
	want(t, "old session", bob.do(http.MethodGet, "/me", nil), http.StatusUnauthorized, "NOT_SIGNED_IN")
	want(t, "new password", ts.client().do(http.MethodPost, "/auth/login", loginRequest{Email: "bob@example.com", Password: "brand new pw"}), http.StatusOK, "")

	// The page's form, and an expired link.
	want(t, "forgot", ts.client().do(http.MethodPost, "/auth/forgot-password", forgotRequest{Email: "bob@example.com"}), http.StatusNoContent, "")
	tok = token(t, ts.mail.next(t).Link)
	done := ts.client().form("/password/reset", url.Values{"token": {tok}, "new_password": {"third new pw"}})
	if done.status != http.StatusOK || !strings.Contains(string(done.body), "Your password is changed") {
		t.Errorf("reset form: %d\n%s", done.status, done.body)
	}
	want(t, "third password", ts.client().do(http.MethodPost, "/auth/login", loginRequest{Email: "bob@example.com", Password: "third new pw"}), http.StatusOK, "")
	want(t, "forgot", ts.client().do(http.MethodPost, "/auth/forgot-password", forgotRequest{Email: "bob@example.com"}), http.StatusNoContent, "")
	tok = token(t, ts.mail.next(t).Link)
	ts.clock.Advance(defaultResetTTL)
	want(t, "expired", ts.client().do(http.MethodPost, "/auth/reset-password", resetRequest{Token: tok, NewPassword: "fourth new pw"}),
		http.StatusBadRequest, "INVALID_INPUT")
}

// The session of a user deactivated or deleted since signing in stops at
// once, on roster's routes and the application's; reactivation needs a new
// sign-in, and a new user with the same email does not inherit it.
func TestSessionEndsOnDeactivationAndDelete(t *testing.T) {
	ts := newTestServer(t)
	ts.register("ada@example.com", "")
	admin := ts.login("ada@example.com")
	ts.setMode(admin, "open")
	ts.register("bob@example.com", "")
	bob := ts.login("bob@example.com")
	probes := []struct{ method, path string }{{"GET", "/me"}, {"GET", "/persona"}, {"POST", "/chat/send-message"}}
	for _, p := range probes {
		want(t, "active "+p.path, bob.do(p.method, p.path, messageRequest{Message: "hi"}), http.StatusOK, "")
	}
	bobEmail := map[string]string{"user_email": "bob@example.com"}
	want(t, "deactivate", admin.do(http.MethodPatch, "/manage/admin/deactivate-user", bobEmail), http.StatusOK, "")
	for _, p := range probes {
		want(t, "deactivated "+p.path, bob.do(p.method, p.path, messageRequest{Message: "hi"}), http.StatusUnauthorized, "NOT_SIGNED_IN")
	}
	want(t, "deactivated login", ts.client().do(http.MethodPost, "/auth/login", loginRequest{Email: "bob@example.com", Password: pw("bob@example.com")}),
		http.StatusUnauthorized, "NOT_SIGNED_IN")
	want(t, "activate", admin.do(http.MethodPatch, "/manage/admin/activate-user", bobEmail), http.StatusOK, "")
	want(t, "old session after activation", bob.do(http.MethodGet, "/me", nil), http.StatusUnauthorized, "NOT_SIGNED_IN")

	bob = ts.login("bob@example.com")
	want(t, "deactivate", admin.do(http.MethodPatch, "/manage/admin/deactivate-user", bobEmail), http.StatusOK, "")
	want(t, "delete", admin.do(http.MethodDelete, "/manage/admin/delete-user", bobEmail), http.StatusNoContent, "")
	ts.register("bob@example.com", "")
	want(t, "deleted user's session", bob.do(http.MethodGet, "/me", nil), http.StatusUnauthorized, "NOT_SIGNED_IN")
	want(t, "new bob", ts.login("bob@example.com").do(http.MethodGet, "/me", nil), http.StatusOK, "")
}

// Cookie-authenticated writes from another site are refused (403) before
// they reach a handler; same-origin ones and reads pass.
func TestCrossSiteRefused(t *testing.T) {
	ts := newTestServer(t)
	ts.register("ada@example.com", "")
	admin := ts.login("ada@example.com")
	before := ts.counts()
	cases := []struct {
		what, method, path string
		body               any
		header             []string
	}{
		{"Sec-Fetch-Site cross-site invite", http.MethodPut, "/manage/admin/users", map[string][]string{"emails": {"x@example.com"}}, []string{"Sec-Fetch-Site", "cross-site"}},
		{"Sec-Fetch-Site same-site persona", http.MethodPost, "/persona", personaRequest{Name: "p"}, []string{"Sec-Fetch-Site", "same-site"}},
		{"Origin of another site", http.MethodPost, "/persona", personaRequest{Name: "p"}, []string{"Origin", "https://evil.example"}},
		{"login CSRF", http.MethodPost, "/auth/login", loginRequest{Email: "ada@example.com", Password: pw("ada@example.com")}, []string{"Origin", "https://evil.example"}},
		{"accept form", http.MethodPost, "/invite/accept", "token=x&password=yyyyyyyy", []string{"Sec-Fetch-Site", "cross-site", "Content-Type", "application/x-www-form-urlencoded"}},
		{"logout", http.MethodPost, "/auth/logout", nil, []string{"Sec-Fetch-Site", "cross-site"}},
	}
	for _, c := range cases {
		r := admin.do(c.method, c.path, c.body, c.header...)
		want(t, c.what, r, http.StatusForbidden, "FORBIDDEN")
		if d := decodeAs[errorBody](t, r).Detail; d != "This cross-origin request was refused." {
			t.Errorf("%s: detail %q, want the sentence", c.what, d)
		}
	}
	if d := before.diff(ts.counts()); d != "" {
		t.Errorf("cross-site requests wrote: %s", d)
	}
	want(t, "cross-site read", admin.do(http.MethodGet, "/me", nil, "Sec-Fetch-Site", "cross-site"), http.StatusOK, "")
	want(t, "same-origin write", admin.do(http.MethodPost, "/persona", personaRequest{Name: "p"}, "Sec-Fetch-Site", "same-origin"), http.StatusCreated, "")
	want(t, "same Origin write", admin.do(http.MethodPost, "/persona", personaRequest{Name: "q"}, "Origin", ts.url), http.StatusCreated, "")
}

// Sign-in attempts are throttled per email and client IP: 429 THROTTLED with
// Retry-After, until the bucket refills.
func TestSignInThrottled(t *testing.T) {
	ts := newTestServer(t, func(c *config) { c.SignInBurst, c.SignInEvery = 3, time.Minute })
	ts.register("ada@example.com", "")
	bad := loginRequest{Email: "ada@example.com", Password: "guess guess"}
	for i := range 3 {
		want(t, "attempt "+strconv.Itoa(i), ts.client().do(http.MethodPost, "/auth/login", bad), http.StatusUnauthorized, "NOT_SIGNED_IN")
	}
	r := ts.client().do(http.MethodPost, "/auth/login", loginRequest{Email: "Ada@example.com", Password: pw("ada@example.com")})
	want(t, "throttled", r, http.StatusTooManyRequests, "THROTTLED")
	if got := r.header.Get("Retry-After"); got != "60" {
		t.Errorf("Retry-After %q, want 60", got)
	}
	if got := decodeAs[errorBody](t, r).Detail; got != "Too many attempts; try again in 60 seconds." {
		t.Errorf("detail %q, want the wait in whole seconds", got)
	}
	want(t, "other email", ts.client().do(http.MethodPost, "/auth/login", loginRequest{Email: "bob@example.com", Password: "guess guess"}),
		http.StatusUnauthorized, "NOT_SIGNED_IN")
	want(t, "forgot, own bucket", ts.client().do(http.MethodPost, "/auth/forgot-password", forgotRequest{Email: "ada@example.com"}), http.StatusNoContent, "")
	ts.clock.Advance(time.Minute)
	want(t, "after a minute", ts.client().do(http.MethodPost, "/auth/login", loginRequest{Email: "ada@example.com", Password: pw("ada@example.com")}),
		http.StatusOK, "")
}

// Invite link attempts are throttled per client IP before roster's
// per-workspace budget, so one client cannot lock every invitee out.
func TestInviteLinkAttemptsThrottled(t *testing.T) {
	ts := newTestServer(t, func(c *config) { c.SignInBurst, c.SignInEvery = 3, time.Minute })
	ts.register("ada@example.com", "")
	toks := ts.invite(ts.login("ada@example.com"), "bob@example.com")
	for i := range 3 {
		want(t, "guess "+strconv.Itoa(i), ts.client().do(http.MethodGet, "/invite/accept?token=rinv_guess", nil), http.StatusForbidden, "")
	}
	page := ts.client().do(http.MethodGet, "/invite/accept?token="+url.QueryEscape(toks["bob@example.com"]), nil)
	if page.status != http.StatusTooManyRequests || page.header.Get("Retry-After") == "" {
		t.Errorf("fourth attempt: %d %v", page.status, page.header)
	}
	r := ts.client().do(http.MethodPost, "/auth/register", registerRequest{Email: "bob@example.com", Password: pw("bob@example.com"), InviteToken: toks["bob@example.com"]})
	want(t, "register with the link", r, http.StatusTooManyRequests, "THROTTLED")
	ts.clock.Advance(time.Minute)
	ts.register("bob@example.com", toks["bob@example.com"]) // the link was not used up
}

// Deactivating a user ends their sessions and reset links at once, even if
// they make no request while deactivated: after reactivation the old cookie
// is 401 and the old reset link is refused.
func TestDeactivationEndsSessionsAndResetLinks(t *testing.T) {
	ts := newTestServer(t)
	ts.register("ada@example.com", "")
	admin := ts.login("ada@example.com")
	ts.setMode(admin, "open")
	ts.register("bob@example.com", "")
	bob := ts.login("bob@example.com")
	want(t, "forgot", ts.client().do(http.MethodPost, "/auth/forgot-password", forgotRequest{Email: "bob@example.com"}), http.StatusNoContent, "")
	tok := token(t, ts.mail.next(t).Link)
	ts.s.mail.Wait()

	bobEmail := map[string]string{"user_email": "bob@example.com"}
	want(t, "deactivate", admin.do(http.MethodPatch, "/manage/admin/deactivate-user", bobEmail), http.StatusOK, "")
	want(t, "activate", admin.do(http.MethodPatch, "/manage/admin/activate-user", bobEmail), http.StatusOK, "")
	want(t, "old session", bob.do(http.MethodGet, "/me", nil), http.StatusUnauthorized, "NOT_SIGNED_IN")
	want(t, "old reset link", ts.client().do(http.MethodPost, "/auth/reset-password", resetRequest{Token: tok, NewPassword: "brand new pw"}),
		http.StatusBadRequest, "INVALID_INPUT")
	me := decodeAs[userJSON](t, ts.login("bob@example.com").do(http.MethodGet, "/me", nil))
	if me.Email != "bob@example.com" {
		t.Errorf("new sign-in as %+v, want bob", me)
	}

	// A refused deactivation (yourself) ends nothing.
	want(t, "self deactivate", admin.do(http.MethodPatch, "/manage/admin/deactivate-user", map[string]string{"user_email": "ada@example.com"}),
		http.StatusConflict, "SELF_CHANGE")
	want(t, "admin still signed in", admin.do(http.MethodGet, "/me", nil), http.StatusOK, "")
}
