package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/invites"
	"github.com/rosterhq/roster/ratelimit"
	"github.com/rosterhq/roster/users"
)

// scrape reads GET /metrics and parses it with the Prometheus text parser.
func (ts *testServer) scrape() map[string]*dto.MetricFamily {
	ts.t.Helper()
	r := ts.client().do(http.MethodGet, "/metrics", nil)
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
		ts.t.Fatalf("GET /metrics: %d %q", r.status, r.header.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(r.body))
	if err != nil {
		ts.t.Fatalf("parse /metrics: %v\n%s", err, r.body)
	}
	return fams
}

// value returns the value of the sample of family name whose labels include
// labels (name=value pairs), 0 if there is none; it fails the test if
// several samples match.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		return 0
	}
	var found []float64
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		match := true
		for i := 0; i+1 < len(labels); i += 2 {
			if have[labels[i]] != labels[i+1] {
				match = false
			}
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			found = append(found, m.GetCounter().GetValue())
		case m.Gauge != nil:
			found = append(found, m.GetGauge().GetValue())
		case m.Histogram != nil:
			found = append(found, float64(m.GetHistogram().GetSampleCount()))
		}
	}
	if len(found) > 1 {
		t.Fatalf("%s%q: %d samples match", name, labels, len(found))
	}
	if len(found) == 0 {
		return 0
	}
	return found[0]
}

// The metrics count what happened, each by its labels: requests by route
// pattern and status, access checks by result, refusals by kind, mail by
// status, and the index's version and lag; route labels are patterns, never
// the ids in a path.
func TestMetrics(t *testing.T) {
	ts := newTestServer(t, func(c *config) { c.SignInBurst = 1 })
	admin := ts.register("admin@example.com", "")
	ac := ts.login("admin@example.com")
	bob := ts.register("bob@example.com", "")
	bc := ts.login("bob@example.com")

	// A second sign-in attempt within the burst of 1 is throttled.
	want(t, "second login", ts.client().do(http.MethodPost, "/auth/login", loginRequest{Email: "admin@example.com", Password: "wrong"}), http.StatusTooManyRequests, "THROTTLED")

	// A token limit of 1,000 a day: a long message overdraws it, the next is refused.
	want(t, "user limit", ac.do(http.MethodPost, "/admin/token-rate-limits/users", map[string]any{"enabled": true, "token_budget": 1, "period_hours": 24}), http.StatusCreated, "")
	want(t, "long message", bc.do(http.MethodPost, "/chat/send-message", map[string]string{"message": strings.Repeat("word ", 1000)}), http.StatusOK, "")
	want(t, "refused message", bc.do(http.MethodPost, "/chat/send-message", map[string]string{"message": "hello"}), http.StatusTooManyRequests, "RATE_LIMITED")

	// An invitation is mailed.
	ts.invite(ac, "newbie@example.com")

	agent := decodeAs[map[string]any](t, ac.do(http.MethodPost, "/persona", map[string]string{"name": "Helper"}))["id"].(string)
	before := ts.scrape()
	want(t, "owner reads the agent", ac.do(http.MethodGet, "/persona/"+agent, nil), http.StatusOK, "")
	want(t, "bob reads the private agent", bc.do(http.MethodGet, "/persona/"+agent, nil), http.StatusNotFound, "")
	want(t, "unknown path", ac.do(http.MethodGet, "/no/such/path", nil), http.StatusNotFound, "")
	want(t, "me", ac.do(http.MethodGet, "/me", nil), http.StatusOK, "")
	m := ts.scrape()

	checks := func(fams map[string]*dto.MetricFamily, result string) float64 {
		return value(t, fams, "roster_access_checks_total", "action", "view", "kind", "agent", "result", result)
	}
	if d := checks(m, "allowed") - checks(before, "allowed"); d != 1 {
		t.Errorf("allowed view checks of agents rose by %v, want 1", d)
	}
	if d := checks(m, "denied") - checks(before, "denied"); d != 1 {
		t.Errorf("denied view checks of agents rose by %v, want 1", d)
	}
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"roster_http_requests_total", []string{"method", "POST", "route", "POST /auth/login", "code", "429"}, 1},
		{"roster_http_requests_total", []string{"method", "POST", "route", "POST /auth/login", "code", "200"}, 2},
		{"roster_http_requests_total", []string{"method", "GET", "route", "GET /persona/{id}", "code", "200"}, 1},
		{"roster_http_requests_total", []string{"method", "GET", "route", "GET /persona/{id}", "code", "404"}, 1},
		{"roster_http_requests_total", []string{"method", "GET", "route", "GET /me", "code", "200"}, 1}, // httpapi's own pattern
		{"roster_http_requests_total", []string{"method", "GET", "route", "/", "code", "404"}, 1},       // httpapi's catch-all
		{"roster_http_request_duration_seconds", []string{"route", "GET /me"}, 1},
		{"roster_rate_limit_refusals_total", []string{"kind", "throttle"}, 1},
		{"roster_rate_limit_refusals_total", []string{"kind", "tokens"}, 1},
		{"roster_rate_limit_refusals_total", []string{"kind", "invites"}, 0},
		{"roster_mail_total", []string{"status", "sent"}, 1},
		{"roster_index_version", nil, float64(ts.s.dir.Version())},
		{"roster_changelog_version", nil, float64(ts.s.dir.Version())},
		{"roster_changelog_lag", nil, 0},
		{"roster_database_up", nil, 1},
	} {
		if got := value(t, m, c.name, c.labels...); got != c.want {
			t.Errorf("%s%q = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	// Labels are patterns: no id of a path, no email.
	for _, f := range m {
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				if v := l.GetValue(); strings.Contains(v, agent) || strings.Contains(v, "@") || strings.Contains(v, admin.ID) || strings.Contains(v, bob.ID) {
					t.Errorf("%s has label %s=%q", f.GetName(), l.GetName(), v)
				}
			}
		}
	}
	// A registry of the server's own: a second server counts from zero.
	other := newTestServer(t)
	if got := value(t, other.scrape(), "roster_http_requests_total", "route", "POST /auth/login"); got != 0 {
		t.Errorf("a second server's registry counts the first's logins: %v", got)
	}
}

// The mail counter counts by delivery status: a failing mailer is
// send_failed.
func TestMetricsCountFailedMail(t *testing.T) {
	ts := newTestServer(t, func(c *config) { c.Mailer = failingMailer{} })
	ts.register("admin@example.com", "")
	ac := ts.login("admin@example.com")
	ac.do(http.MethodPut, "/manage/admin/users", map[string][]string{"emails": {"newbie@example.com"}})
	m := ts.scrape()
	if got := value(t, m, "roster_mail_total", "status", "send_failed"); got != 1 {
		t.Errorf("send_failed mail = %v, want 1", got)
	}
	if got := value(t, m, "roster_mail_total", "status", "sent"); got != 0 {
		t.Errorf("sent mail = %v, want 0", got)
	}
}

// With the development mailer, mail it printed is counted as printed, as
// the pages say, not as sent.
func TestMetricsCountPrintedMail(t *testing.T) {
	var out bytes.Buffer
	ts := newTestServer(t, func(c *config) { c.Mailer, c.Out = nil, &out })
	ts.register("admin@example.com", "")
	ac := ts.login("admin@example.com")
	want(t, "invite", ac.do(http.MethodPut, "/manage/admin/users", map[string][]string{"emails": {"newbie@example.com"}}), http.StatusOK, "")
	m := ts.scrape()
	if got := value(t, m, "roster_mail_total", "status", "printed"); got != 1 {
		t.Errorf("printed mail = %v, want 1", got)
	}
	if got := value(t, m, "roster_mail_total", "status", "sent"); got != 0 {
		t.Errorf("sent mail = %v, want 0", got)
	}
	if !strings.Contains(out.String(), "newbie@example.com") {
		t.Errorf("the invitation was not printed:\n%s", out.String())
	}
}

// /healthz answers 200 while serving; /readyz answers 200 with the index's
// version and catches up with changes another instance committed before
// answering; with the index closed it answers 503 UNAVAILABLE.
func TestHealthAndReadiness(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client()
	want(t, "healthz", c.do(http.MethodGet, "/healthz", nil), http.StatusOK, "")

	// Another instance on the same database commits a change.
	other, err := roster.Open(t.Context(), roster.Config{DSN: ts.s.cfg.Data + "/roster.db", PollInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Default().Users().Register(t.Context(), users.Registration{Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	committed := other.Version()
	r := c.do(http.MethodGet, "/readyz", nil)
	want(t, "readyz", r, http.StatusOK, "")
	got := decodeAs[readiness](t, r)
	if got.Status != "ready" || got.Version != committed || got.CommittedVersion != committed || got.Lag != 0 {
		t.Errorf("readyz = %+v, want ready at version %d", got, committed)
	}
	if ts.s.dir.Version() != committed {
		t.Errorf("the index is at %d after readyz, want %d", ts.s.dir.Version(), committed)
	}

	if err := ts.s.dir.Close(); err != nil {
		t.Fatal(err)
	}
	r = c.do(http.MethodGet, "/readyz", nil)
	want(t, "readyz, index closed", r, http.StatusServiceUnavailable, "UNAVAILABLE")
	if e := decodeAs[errorBody](t, r); e.Detail != "The access index is closed." {
		t.Errorf("detail %q", e.Detail)
	}
	want(t, "healthz, index closed", c.do(http.MethodGet, "/healthz", nil), http.StatusOK, "")
}

// An index that cannot catch up with the changelog is not ready: another
// instance commits a change whose changelog row is then damaged (it no
// longer parses), so the database's version runs one ahead of anything the
// index can apply. /readyz answers 503 with the lag, the metrics show it
// and how stale the index is, and nothing else breaks. (A row that is lost
// outright is a gap, which reloads: see TestReadyzAfterAChangelogGap.)
func TestReadyzWhenTheIndexLags(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client()
	other, err := roster.Open(t.Context(), roster.Config{DSN: ts.s.cfg.Data + "/roster.db", PollInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	before := ts.s.dir.Version()
	if _, err := other.Default().Users().Register(t.Context(), users.Registration{Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := ts.s.db.Exec("UPDATE roster_changes SET added = 'damaged' WHERE version > ?", before).Error; err != nil {
		t.Fatal(err)
	}
	lag := other.Version() - before
	if lag != 1 {
		t.Fatalf("the registration committed %d changes, want 1", lag)
	}
	r := c.do(http.MethodGet, "/readyz", nil)
	want(t, "readyz, index behind", r, http.StatusServiceUnavailable, "UNAVAILABLE")
	if e := decodeAs[errorBody](t, r); e.Detail != "The access index is 1 change behind the database." {
		t.Errorf("detail %q", e.Detail)
	}
	m := ts.scrape()
	if got := value(t, m, "roster_changelog_lag"); got != 1 {
		t.Errorf("roster_changelog_lag = %v, want 1", got)
	}
	if got, want := value(t, m, "roster_index_version"), float64(before); got != want {
		t.Errorf("roster_index_version = %v, want %v", got, want)
	}
	if got := value(t, m, "roster_index_stale_seconds"); got < 0 {
		t.Errorf("roster_index_stale_seconds = %v while the index lags, want 0 or more", got)
	}
	if st := ts.s.dir.Status(t.Context()); st.Err == nil || st.Lag() != 1 {
		t.Errorf("Status() = %+v while the changelog row cannot be read, want lag 1 and the error", st)
	}
	want(t, "healthz", c.do(http.MethodGet, "/healthz", nil), http.StatusOK, "")
}

// A changelog row lost outright (a pruned changelog) is a gap: the index
// reloads from the database instead of replaying, /readyz is ready at the
// committed version and reports the reload, and so do the metrics.
func TestReadyzAfterAChangelogGap(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client()
	other, err := roster.Open(t.Context(), roster.Config{DSN: ts.s.cfg.Data + "/roster.db", PollInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	before := ts.s.dir.Version()
	if _, err := other.Default().Users().Register(t.Context(), users.Registration{Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := ts.s.db.Exec("DELETE FROM roster_changes WHERE version > ?", before).Error; err != nil {
		t.Fatal(err)
	}
	r := c.do(http.MethodGet, "/readyz", nil)
	want(t, "readyz after a gap", r, http.StatusOK, "")
	got := decodeAs[readiness](t, r)
	if got.Version != other.Version() || got.Lag != 0 || got.Reloads != 1 || got.Listening {
		t.Errorf("readyz = %+v, want version %d, lag 0, one reload, not listening (SQLite)", got, other.Version())
	}
	m := ts.scrape()
	if got := value(t, m, "roster_index_reloads_total"); got != 1 {
		t.Errorf("roster_index_reloads_total = %v, want 1", got)
	}
	if got := value(t, m, "roster_index_stale_seconds"); got != 0 {
		t.Errorf("roster_index_stale_seconds = %v once caught up, want 0", got)
	}
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Each request writes one access-log line: method, route pattern, status,
// duration and the signed-in user's id; never an email, a password, a
// session cookie or a path's ids.
func TestAccessLog(t *testing.T) {
	var out syncBuffer
	ts := newTestServer(t, func(c *config) { c.Logger = newLogger("json", &out) })
	admin := ts.register("admin@example.com", "")
	ac := ts.login("admin@example.com")
	agent := decodeAs[map[string]any](t, ac.do(http.MethodPost, "/persona", map[string]string{"name": "Helper"}))["id"].(string)
	want(t, "get agent", ac.do(http.MethodGet, "/persona/"+agent+"?secret=hunter2", nil), http.StatusOK, "")
	want(t, "anonymous me", ts.client().do(http.MethodGet, "/me", nil), http.StatusUnauthorized, "")

	type line struct {
		Msg      string  `json:"msg"`
		Method   string  `json:"method"`
		Route    string  `json:"route"`
		Status   int     `json:"status"`
		Duration float64 `json:"duration"`
		UserID   string  `json:"user_id"`
	}
	var lines []line
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("not a JSON line: %s", sc.Text())
		}
		if l.Msg == "request" {
			lines = append(lines, l)
		}
	}
	wantLines := []line{
		{Method: "POST", Route: "POST /auth/register", Status: 201},
		{Method: "POST", Route: "POST /auth/login", Status: 200, UserID: admin.ID},
		{Method: "POST", Route: "POST /persona", Status: 201, UserID: admin.ID},
		{Method: "GET", Route: "GET /persona/{id}", Status: 200, UserID: admin.ID},
		{Method: "GET", Route: "GET /me", Status: 401},
	}
	if len(lines) != len(wantLines) {
		t.Fatalf("%d access-log lines, want %d:\n%s", len(lines), len(wantLines), out.String())
	}
	for i, w := range wantLines {
		l := lines[i]
		if l.Method != w.Method || l.Route != w.Route || l.Status != w.Status || l.UserID != w.UserID || l.Duration <= 0 {
			t.Errorf("line %d = %+v, want %+v with a duration", i, l, w)
		}
	}
	for _, secret := range []string{"admin@example.com", pw("admin@example.com"), agent, "hunter2", sessionCookie} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("the log holds %q:\n%s", secret, out.String())
		}
	}
}

// clientAddr believes X-Forwarded-For only from trusted proxies, reading it
// from the right: what a client wrote in front of the proxy's own entry is
// never the client's address.
func TestClientAddr(t *testing.T) {
	proxies, err := parseProxies("10.0.0.0/8, 192.168.1.1,2001:db8::/32")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{cfg: config{TrustedProxies: proxies}}
	for _, c := range []struct {
		peer string
		xff  []string
		want string
	}{
		{"203.0.113.5:1234", nil, "203.0.113.5"},
		{"203.0.113.5:1234", []string{"198.51.100.7"}, "203.0.113.5"},            // untrusted peer: header ignored
		{"10.1.2.3:80", []string{"198.51.100.7"}, "198.51.100.7"},                // trusted proxy
		{"10.1.2.3:80", []string{"1.1.1.1, 198.51.100.7"}, "198.51.100.7"},       // a forged left entry is not believed
		{"10.1.2.3:80", []string{"198.51.100.7, 10.9.9.9"}, "198.51.100.7"},      // two trusted hops
		{"10.1.2.3:80", []string{"198.51.100.7", "192.168.1.1"}, "198.51.100.7"}, // header lines join
		{"10.1.2.3:80", []string{"10.4.4.4, 192.168.1.1"}, "10.4.4.4"},           // every hop trusted: the leftmost
		{"10.1.2.3:80", []string{"garbage, 10.4.4.4"}, "10.4.4.4"},               // unparsable: stop at the last believed
		{"10.1.2.3:80", nil, "10.1.2.3"},                                         // trusted, no header
		{"[2001:db8::1]:443", []string{"2001:db8:ffff::1, 2a00::9"}, "2a00::9"},  // IPv6
		{"[::ffff:10.1.2.3]:80", []string{"198.51.100.7"}, "198.51.100.7"},       // IPv4-mapped peer
		{"192.168.1.2:80", []string{"198.51.100.7"}, "192.168.1.2"},              // a single address is a /32
	} {
		r := &http.Request{RemoteAddr: c.peer, Header: http.Header{}}
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := s.clientAddr(r); got != c.want {
			t.Errorf("peer %s, X-Forwarded-For %q: client %q, want %q", c.peer, c.xff, got, c.want)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "example.com", "10.0.0.0/8,nope"} {
		if _, err := parseProxies(bad); err == nil {
			t.Errorf("parseProxies(%q) accepted", bad)
		}
	}
	if got, err := parseProxies("10.0.0.1/8"); err != nil || len(got) != 1 || got[0] != netip.MustParsePrefix("10.0.0.0/8") {
		t.Errorf("parseProxies(10.0.0.1/8) = %v, %v; want the masked prefix", got, err)
	}
}

// The sign-in throttle keys on the client behind a trusted proxy: two
// clients behind it have a budget each; without -trusted-proxies the header
// is ignored and they share the proxy's address, so the second is refused.
func TestThrottleBehindTrustedProxy(t *testing.T) {
	for _, trusted := range []bool{true, false} {
		ts := newTestServer(t, func(c *config) {
			c.SignInBurst = 1
			if trusted {
				c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
			}
		})
		ts.register("admin@example.com", "")
		login := func(client string) reply {
			return ts.client().do(http.MethodPost, "/auth/login", loginRequest{Email: "admin@example.com", Password: "wrong"},
				"X-Forwarded-For", client)
		}
		want(t, "first client", login("198.51.100.1"), http.StatusUnauthorized, "")
		want(t, "first client again", login("198.51.100.1"), http.StatusTooManyRequests, "THROTTLED")
		second := login("198.51.100.2")
		if trusted {
			want(t, "second client behind a trusted proxy", second, http.StatusUnauthorized, "")
		} else {
			want(t, "second client, header not believed", second, http.StatusTooManyRequests, "THROTTLED")
		}
	}
}

// failingMailer fails every message.
type failingMailer struct{}

func (failingMailer) Send(context.Context, invites.Message) error {
	return errors.New("mail server down")
}

// tcpProxy stands between the server and PostgreSQL so that a test can take
// the database away and bring it back: forwarding, down (the port refuses
// connections and open ones are cut) or hanging (connections are accepted
// and never answered).
type tcpProxy struct {
	t      *testing.T
	target string
	addr   string // the proxy's address, fixed across restarts

	mu    sync.Mutex
	ln    net.Listener
	conns []net.Conn
	wg    sync.WaitGroup
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	p := &tcpProxy{t: t, target: target, addr: "127.0.0.1:0"}
	p.listen(true)
	t.Cleanup(p.down)
	return p
}

// listen opens the proxy's port again: forwarding, or hanging if !forward.
func (p *tcpProxy) listen(forward bool) {
	p.t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			var up net.Conn
			if forward {
				if up, err = net.Dial("tcp", p.target); err != nil {
					c.Close()
					continue
				}
			}
			p.mu.Lock()
			if p.ln != ln { // down ran meanwhile
				p.mu.Unlock()
				c.Close()
				if up != nil {
					up.Close()
				}
				continue
			}
			p.conns = append(p.conns, c)
			if up == nil {
				p.mu.Unlock()
				continue // hold it, answer nothing
			}
			p.conns = append(p.conns, up)
			p.wg.Add(2)
			p.mu.Unlock()
			go func() { defer p.wg.Done(); io.Copy(up, c); up.Close() }()
			go func() { defer p.wg.Done(); io.Copy(c, up); c.Close() }()
		}
	}()
}

// down closes the port and cuts every connection.
func (p *tcpProxy) down() {
	p.mu.Lock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
}

// /readyz on PostgreSQL that went away answers 503 within a second, whether
// the port refuses connections or the database hangs, and answers 200 again
// once it is back; /healthz answers 200 throughout.
func TestReadyzWhenTheDatabaseGoesAway(t *testing.T) {
	u, err := url.Parse(rostertest.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	px := newTCPProxy(t, u.Host)
	u.Host = px.addr
	ts := newTestServer(t, func(c *config) { c.Postgres = u.String() })
	c := ts.client()
	want(t, "readyz, database up", c.do(http.MethodGet, "/readyz", nil), http.StatusOK, "")

	notReady := func(what string) {
		t.Helper()
		start := time.Now()
		r := c.do(http.MethodGet, "/readyz", nil)
		if took := time.Since(start); took >= time.Second {
			t.Errorf("%s: readyz took %v, want under a second", what, took)
		}
		want(t, "readyz, "+what, r, http.StatusServiceUnavailable, "UNAVAILABLE")
		if e := decodeAs[errorBody](t, r); e.Detail != "The database does not answer." {
			t.Errorf("%s: detail %q", what, e.Detail)
		}
		want(t, "healthz, "+what, c.do(http.MethodGet, "/healthz", nil), http.StatusOK, "")
	}
	version := ts.s.dir.Version()
	px.down()
	notReady("database refusing connections")
	if got := value(t, ts.scrape(), "roster_database_up"); got != 0 {
		t.Errorf("roster_database_up = %v with the database down, want 0", got)
	}
	// The index keeps its last good state and says it may be stale.
	if st := ts.s.dir.Status(t.Context()); st.Err == nil || st.Version != version || st.CaughtUp.IsZero() {
		t.Errorf("Status() with the database down = %+v, want an error, version %d and the last catch-up time", st, version)
	}
	px.listen(false)
	notReady("database hanging")
	px.down()
	px.listen(true)
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := c.do(http.MethodGet, "/readyz", nil)
		if r.status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz still %d %s 10 seconds after the database came back", r.status, r.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := value(t, ts.scrape(), "roster_database_up"); got != 1 {
		t.Errorf("roster_database_up = %v with the database back, want 1", got)
	}
	// The listener reconnects too.
	for deadline := time.Now().Add(10 * time.Second); !ts.s.dir.Status(t.Context()).Listening; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not listening 10 seconds after the database came back: %+v", ts.s.dir.Status(t.Context()))
		}
	}
	if st := ts.s.dir.Status(t.Context()); st.Err != nil {
		t.Errorf("Status() with the database back = %+v, want no error", st)
	}
}

// countRefusal labels each kind of refusal, and counts nothing else.
func TestCountRefusal(t *testing.T) {
	m := newMetrics()
	for _, err := range []error{
		&throttledError{retryAfter: time.Second},
		fmt.Errorf("wrapped: %w", &throttledError{retryAfter: time.Second}),
		fmt.Errorf("charge: %w", ratelimit.ErrRateLimited),
		fmt.Errorf("redeem: %w", invites.ErrThrottled),
		errors.New("something else"),
		nil,
	} {
		m.countRefusal(err)
	}
	for kind, want := range map[string]float64{"throttle": 2, "tokens": 1, "invites": 1} {
		if got := testutil.ToFloat64(m.refusals.WithLabelValues(kind)); got != want {
			t.Errorf("%s refusals = %v, want %v", kind, got, want)
		}
	}
	if n := testutil.CollectAndCount(m.refusals); n != 3 {
		t.Errorf("%d refusal series, want 3", n)
	}
}
