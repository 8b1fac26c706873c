package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/invites"
	"github.com/rosterhq/roster/users"
)

// testServer is the example server on a real loopback listener, with a fake
// clock and a mailbox that captures mail.
type testServer struct {
	t     *testing.T
	s     *server
	url   string
	clock *rostertest.Clock
	mail  *mailbox
}

// newTestServer starts the server on SQLite in a temporary directory (or
// on the PostgreSQL DSN given by a config change) and stops it at the end
// of the test.
func newTestServer(t *testing.T, change ...func(*config)) *testServer {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	clock := rostertest.NewClock()
	mb := &mailbox{ch: make(chan invites.Message, 100)}
	cfg := config{Data: t.TempDir(), PublicURL: "http://" + ts.Listener.Addr().String(), Mailer: mb,
		Now: clock.Now, BcryptCost: bcrypt.MinCost, SignInBurst: 1000}
	for _, ch := range change {
		ch(&cfg)
	}
	s, err := newServer(context.Background(), cfg)
	if err != nil {
		ts.Close()
		t.Fatal(err)
	}
	ts.Config.Handler = s.Handler
	ts.Start()
	t.Cleanup(func() {
		ts.Close()
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return &testServer{t: t, s: s, url: ts.URL, clock: clock, mail: mb}
}

// mailbox is a Mailer that keeps every message.
type mailbox struct{ ch chan invites.Message }

func (m *mailbox) Send(ctx context.Context, msg invites.Message) error {
	m.ch <- msg
	return nil
}

// next returns the next message, waiting for mail sent in the background.
func (m *mailbox) next(t *testing.T) invites.Message {
	t.Helper()
	select {
	case msg := <-m.ch:
		return msg
	case <-time.After(10 * time.Second):
		t.Fatal("no mail arrived")
		return invites.Message{}
	}
}

// empty fails the test if a message is waiting.
func (m *mailbox) empty(t *testing.T) {
	t.Helper()
	select {
	case msg := <-m.ch:
		t.Fatalf("unexpected mail to %s: %q", msg.To, msg.Subject)
	default:
	}
}

// token returns the query parameter token of a mailed link.
func token(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

// client is one browser: a cookie jar and the server's URL.
type client struct {
	ts *testServer
	hc *http.Client
	// bearer, if set, is sent as "Authorization: Bearer <bearer>" (an API
	// key or a SCIM token) by apiCheck.call.
	bearer string
}

func (ts *testServer) client() *client {
	c, err := ts.newClient()
	if err != nil {
		ts.t.Fatal(err)
	}
	return c
}

// newClient is client for goroutines other than the test's: it returns the
// error instead of ending the test (t.Fatal must run on the test's goroutine).
func (ts *testServer) newClient() (*client, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &client{ts: ts, hc: hc}, nil
}

// reply is a response with its body read.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a fresh value of T.
func decodeAs[T any](t *testing.T, r reply) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return v
}

// code returns the machine code of an error reply.
func (r reply) code() string {
	var e errorBody
	json.Unmarshal(r.body, &e)
	return e.Code
}

// do sends a request. body is sent as is when it is a string, else as JSON;
// header pairs are added.
func (c *client) do(method, path string, body any, header ...string) reply {
	c.ts.t.Helper()
	r, err := c.send(method, path, body, header...)
	if err != nil {
		c.ts.t.Fatal(err)
	}
	return r
}

// send is do for goroutines other than the test's: it returns the error
// instead of ending the test (t.Fatal must run on the test's goroutine).
func (c *client) send(method, path string, body any, header ...string) (reply, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return reply{}, err
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.ts.url+path, rd)
	if err != nil {
		return reply{}, err
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// form posts a form.
func (c *client) form(path string, values url.Values) reply {
	return c.do(http.MethodPost, path, values.Encode(), "Content-Type", "application/x-www-form-urlencoded")
}

// want fails the test unless r has the status and, if code is not empty,
// the machine code.
func want(t *testing.T, what string, r reply, status int, code string) {
	t.Helper()
	if r.status != status || (code != "" && r.code() != code) {
		t.Errorf("%s: got %d %s, want %d %s", what, r.status, r.body, status, code)
	}
}

// register signs email up with the password "password-of-<email>" and
// returns the user.
func (ts *testServer) register(email, inviteToken string) userJSON {
	ts.t.Helper()
	r := ts.client().do(http.MethodPost, "/auth/register", registerRequest{Email: email, Password: pw(email), InviteToken: inviteToken})
	want(ts.t, "register "+email, r, http.StatusCreated, "")
	return decodeAs[userJSON](ts.t, r)
}

func pw(email string) string { return "password-of-" + email }

// login returns a client signed in as email.
func (ts *testServer) login(email string) *client {
	ts.t.Helper()
	c := ts.client()
	want(ts.t, "login "+email, c.do(http.MethodPost, "/auth/login", loginRequest{Email: email, Password: pw(email)}), http.StatusOK, "")
	return c
}

// invite invites emails as the admin client and returns each one's link
// token, read from the mail.
func (ts *testServer) invite(admin *client, emails ...string) map[string]string {
	ts.t.Helper()
	want(ts.t, "invite", admin.do(http.MethodPut, "/manage/admin/users", map[string][]string{"emails": emails}), http.StatusOK, "")
	toks := map[string]string{}
	for range emails {
		m := ts.mail.next(ts.t)
		toks[m.To] = token(ts.t, m.Link)
	}
	return toks
}

// setMode sets the invite gate mode and allowed domains as the admin client.
func (ts *testServer) setMode(admin *client, mode string, domains ...string) {
	ts.t.Helper()
	body := map[string]any{"invite_mode": mode, "allowed_domains": append([]string{}, domains...),
		"sso_bypasses_invites": false, "scim_bypasses_invites": true}
	want(ts.t, "settings", admin.do(http.MethodPut, "/manage/admin/settings", body), http.StatusOK, "")
}

// user returns the roster user with email, or false.
func (ts *testServer) user(email string) (users.User, bool) {
	u, err := ts.s.ws.Users().ByEmail(context.Background(), email)
	return u, err == nil
}

// counts is what a request may have written: rows of roster's users and
// audit trail, and of every application table.
type counts map[string]int64

func (ts *testServer) counts() counts {
	ts.t.Helper()
	ctx := context.Background()
	out := counts{}
	page, err := ts.s.ws.Users().List(ctx, users.Filter{Limit: 1})
	if err != nil {
		ts.t.Fatal(err)
	}
	out["roster users"] = page.Total
	audit, err := ts.s.ws.Audit(ctx, roster.System, roster.AuditFilter{Limit: 1})
	if err != nil {
		ts.t.Fatal(err)
	}
	out["audit events"] = audit.Total
	for _, table := range []string{"app_passwords", "app_sessions", "app_password_resets", "app_connectors",
		"app_document_sets", "app_document_set_connectors", "app_personas"} {
		var n int64
		if err := ts.s.db.Table(table).Count(&n).Error; err != nil {
			ts.t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

func (c counts) diff(other counts) string {
	var b strings.Builder
	for k, v := range c {
		if other[k] != v {
			b.WriteString(k + " changed; ")
		}
	}
	return b.String()
}
