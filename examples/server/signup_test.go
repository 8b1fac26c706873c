package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/rosterhq/roster/internal/rostertest"
)

// Sign-up through the invite gate in every mode, with and without the
// invited email's link token. Roster decides; the server maps its refusals
// to docs/http.md's codes and writes nothing for them.
func TestSignUpGate(t *testing.T) {
	ts := newTestServer(t)
	if got := ts.register("ada@example.com", "").Role; got != "admin" {
		t.Fatalf("first user is %s, want admin", got)
	}
	admin := ts.login("ada@example.com")
	// auto, before any invite: open.
	ts.register("early@example.com", "")
	toks := ts.invite(admin, "bob@example.com", "carol@example.com", "dan@example.com", "erin@example.com")

	type row struct {
		mode, email, token string
		status             int
		code               string
	}
	rows := []row{
		// auto after the first invite: only invited emails, with their link.
		{"auto", "stranger@example.com", "", http.StatusForbidden, "INVITE_REQUIRED"},
		{"auto", "bob@example.com", "", http.StatusForbidden, "INVITE_REQUIRED"}, // invited, but no proof of the mailbox
		{"auto", "bob@example.com", toks["carol@example.com"], http.StatusForbidden, "INVITE_INVALID"},
		{"auto", "bob@example.com", "rinv_forged", http.StatusForbidden, "INVITE_INVALID"},
		{"auto", "Bob@Example.com", toks["bob@example.com"], http.StatusCreated, ""},
		{"auto", "bob@example.com", toks["bob@example.com"], http.StatusForbidden, "INVITE_INVALID"}, // a used link, whoever the email is
		// invite_only: the same rule, whatever the list holds.
		{"invite_only", "stranger@example.com", "", http.StatusForbidden, "INVITE_REQUIRED"},
		{"invite_only", "carol@example.com", "", http.StatusForbidden, "INVITE_REQUIRED"},
		{"invite_only", "carol@example.com", toks["carol@example.com"], http.StatusCreated, ""},
		{"invite_only", "frank@example.com", toks["carol@example.com"], http.StatusForbidden, "INVITE_INVALID"}, // a used link
		// open: anyone, invited or not, token or not.
		{"open", "stranger@example.com", "", http.StatusCreated, ""},
		{"open", "dan@example.com", "", http.StatusCreated, ""},
		{"open", "erin@example.com", toks["erin@example.com"], http.StatusCreated, ""},
	}
	for _, r := range rows {
		ts.setMode(admin, r.mode)
		before := ts.counts()
		got := ts.client().do(http.MethodPost, "/auth/register", registerRequest{Email: r.email, Password: pw(strings.ToLower(r.email)), InviteToken: r.token})
		want(t, r.mode+" "+r.email, got, r.status, r.code)
		if r.status != http.StatusCreated {
			if d := before.diff(ts.counts()); d != "" {
				t.Errorf("%s %s: refused, yet %s", r.mode, r.email, d)
			}
			continue
		}
		u := decodeAs[userJSON](t, got)
		if u.Role != "basic" || u.Email != strings.ToLower(r.email) {
			t.Errorf("%s %s: got %+v, want a basic user", r.mode, r.email, u)
		}
		ts.login(u.Email) // the password was stored
	}

	ts.setMode(admin, "open", "example.com")
	want(t, "allowed domains", ts.client().do(http.MethodPost, "/auth/register",
		registerRequest{Email: "x@other.org", Password: pw("x@other.org")}), http.StatusForbidden, "DOMAIN_NOT_ALLOWED")
}

// The invitation link opens a sign-up form for the invited email; the form
// signs up, signs in and goes to /ui/. A refused form keeps the link usable.
func TestInviteAcceptPage(t *testing.T) {
	ts := newTestServer(t)
	ts.register("ada@example.com", "")
	admin := ts.login("ada@example.com")
	toks := ts.invite(admin, "bob@example.com")
	tok := toks["bob@example.com"]

	c := ts.client()
	page := c.do(http.MethodGet, "/invite/accept?token="+url.QueryEscape(tok), nil)
	if page.status != http.StatusOK || !strings.Contains(string(page.body), `value="bob@example.com"`) {
		t.Fatalf("accept page: %d\n%s", page.status, page.body)
	}
	if csp := page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("accept page CSP %q", csp)
	}
	want(t, "forged link page", c.do(http.MethodGet, "/invite/accept?token=rinv_nope", nil), http.StatusForbidden, "")

	short := c.form("/invite/accept", url.Values{"token": {tok}, "password": {"short"}})
	if short.status != http.StatusBadRequest || !strings.Contains(string(short.body), "at least 8 characters") {
		t.Errorf("short password: %d\n%s", short.status, short.body)
	}
	if _, ok := ts.user("bob@example.com"); ok {
		t.Fatal("a refused form registered bob")
	}
	done := c.form("/invite/accept", url.Values{"token": {tok}, "password": {pw("bob@example.com")}})
	if done.status != http.StatusSeeOther || done.header.Get("Location") != "/ui/" {
		t.Fatalf("accept form: %d %v\n%s", done.status, done.header, done.body)
	}
	me := decodeAs[userJSON](t, c.do(http.MethodGet, "/me", nil))
	if me.Email != "bob@example.com" || me.Role != "basic" {
		t.Errorf("signed in after accepting as %+v", me)
	}
	want(t, "used link page", ts.client().do(http.MethodGet, "/invite/accept?token="+url.QueryEscape(tok), nil), http.StatusForbidden, "")
}

// The whole sign-in flow and the application's tables on PostgreSQL too.
func TestSignUpPostgres(t *testing.T) {
	dsn := rostertest.PostgresDSN(t)
	ts := newTestServer(t, func(c *config) { c.Postgres = dsn })
	ts.register("ada@example.com", "")
	admin := ts.login("ada@example.com")
	toks := ts.invite(admin, "bob@example.com")
	want(t, "uninvited", ts.client().do(http.MethodPost, "/auth/register",
		registerRequest{Email: "eve@example.com", Password: pw("eve@example.com")}), http.StatusForbidden, "INVITE_REQUIRED")
	ts.register("bob@example.com", toks["bob@example.com"])
	bob := ts.login("bob@example.com")
	r := bob.do(http.MethodPost, "/persona", personaRequest{Name: "helper"})
	want(t, "persona", r, http.StatusCreated, "")
	list := decodeAs[[]personaJSON](t, bob.do(http.MethodGet, "/persona", nil))
	if len(list) != 1 || list[0].Name != "helper" {
		t.Errorf("personas %+v", list)
	}
	want(t, "chat", bob.do(http.MethodPost, "/chat/send-message", messageRequest{Message: "hi"}), http.StatusOK, "")
}

// A request cancelled after roster registered the user (and redeemed the
// invite link) still stores the password: the user can sign in, not left
// without a password and with the link used up.
func TestSignUpCancelledAfterRegister(t *testing.T) {
	ts := newTestServer(t)
	ts.register("ada@example.com", "")
	admin := ts.login("ada@example.com")
	tok := ts.invite(admin, "bob@example.com")["bob@example.com"]

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ts.s.afterRegister = cancel
	r := httptest.NewRequest(http.MethodPost, "/auth/register", nil).WithContext(ctx)
	u, err := ts.s.signUp(ctx, r, "bob@example.com", pw("bob@example.com"), tok)
	ts.s.afterRegister = nil
	if err != nil {
		t.Fatalf("signUp with the request cancelled after Register: %v", err)
	}
	if ctx.Err() == nil {
		t.Fatal("the hook did not cancel the request")
	}
	me := decodeAs[userJSON](t, ts.login("bob@example.com").do(http.MethodGet, "/me", nil))
	if me.ID != u.ID || me.Email != "bob@example.com" {
		t.Errorf("signed in as %+v, want %s", me, u.ID)
	}
}

// While the gate requires an invite, a sign-up without a valid link is
// refused the same whether or not the email belongs to a user, so sign-up
// does not enumerate accounts; only open sign-up says DUPLICATE.
func TestSignUpDoesNotRevealUsers(t *testing.T) {
	ts := newTestServer(t)
	ts.register("ada@example.com", "")
	admin := ts.login("ada@example.com")
	ts.register("early@example.com", "") // auto, before any invite: open
	toks := ts.invite(admin, "bob@example.com")

	rows := []struct {
		mode, token string
		status      int
		code        string
	}{
		{"invite_only", "", http.StatusForbidden, "INVITE_REQUIRED"},
		{"auto", "", http.StatusForbidden, "INVITE_REQUIRED"},
		{"invite_only", "rinv_forged", http.StatusForbidden, "INVITE_INVALID"},
		{"invite_only", toks["bob@example.com"], http.StatusForbidden, "INVITE_INVALID"}, // another email's link
	}
	for _, r := range rows {
		ts.setMode(admin, r.mode)
		for _, email := range []string{"early@example.com", "nobody@example.com"} {
			got := ts.client().do(http.MethodPost, "/auth/register", registerRequest{Email: email, Password: pw(email), InviteToken: r.token})
			want(t, r.mode+" "+email+" token "+r.token, got, r.status, r.code)
		}
	}
	ts.setMode(admin, "open")
	want(t, "open, existing email", ts.client().do(http.MethodPost, "/auth/register",
		registerRequest{Email: "early@example.com", Password: pw("early@example.com")}), http.StatusConflict, "DUPLICATE")
}
