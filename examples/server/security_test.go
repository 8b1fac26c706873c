package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/examples/server/web"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/invites"
)

// The red-team attacks of issue #11, each as a test: it failed before the fix.

// A curator changed another user's agent shares through PATCH /persona/{id}
// with users: shares are for the agent's owner and admins only, on every
// route (edit access is not enough), and a refusal writes nothing.
func TestAttackCuratorSharesAnotherUsersAgent(t *testing.T) {
	k := newCast(t)
	bot := created(t, k.c["basic"].do(http.MethodPost, "/persona", personaRequest{Name: "team-bot", Groups: []string{k.team.ID}}))
	path := "/persona/" + bot
	users := func(ids ...string) personaPatch { ids = append([]string{}, ids...); return personaPatch{Users: &ids} } // [] clears
	const sentence = "Only the owner of an agent or an admin may change whom it is shared with."
	for _, who := range []string{"cur", "gcur"} {
		r := k.run(t, []scenario{{who, http.MethodPatch, path, users(k.id["outsider"]), http.StatusForbidden, "FORBIDDEN"}})[0]
		if got := decodeAs[errorBody](t, r).Detail; got != sentence {
			t.Errorf("%s shares another user's agent: detail %q, want %q", who, got, sentence)
		}
	}
	want(t, "outsider after the refused shares", k.c["outsider"].do(http.MethodGet, path, nil), http.StatusNotFound, "NOT_FOUND")
	k.run(t, []scenario{
		{"basic", http.MethodPatch, path, users(k.id["outsider"]), http.StatusOK, ""},                                              // the owner may
		{"cur", http.MethodPatch, path, users(), http.StatusForbidden, "FORBIDDEN"},                                                // nor unshare
		{"cur", http.MethodPatch, path, personaPatch{Users: &[]string{k.id["outsider"]}, Name: new("renamed")}, http.StatusOK, ""}, // the same shares again: not a change
		{"admin", http.MethodPatch, path, users(k.id["lim"]), http.StatusOK, ""},
	})
	got := decodeAs[personaJSON](t, k.c["admin"].do(http.MethodGet, path, nil))
	if got.Name != "renamed" || !slices.Equal(got.Users, []string{k.id["lim"]}) {
		t.Errorf("agent after the edits: %+v", got)
	}
}

// Authorization before validation: a global curator changing their own role
// was answered 409 SELF_CHANGE (telling them the rule, not their role); a
// document set with no connectors was created. A caller whose role does not
// allow the change is refused (403) before the self-change rule or any input
// check; a document set needs a connector (400), once the caller may create
// or edit it.
func TestAttackValidationBeforeAuthorization(t *testing.T) {
	k := newCast(t)
	role := func(email, r string) map[string]string { return map[string]string{"user_email": email, "new_role": r} }
	const docSets = "/manage/admin/document-set"
	noConnectors := func(groups ...string) documentSetRequest {
		return documentSetRequest{Name: "empty", Groups: groups, CCPairIDs: []string{}}
	}
	rows := k.run(t, []scenario{
		{"gcur", http.MethodPatch, "/manage/set-user-role", role("gcur@example.com", "basic"), http.StatusForbidden, "FORBIDDEN"},
		{"gcur", http.MethodPatch, "/manage/set-user-role", role("gcur@example.com", "owner"), http.StatusForbidden, "FORBIDDEN"},
		{"gcur", http.MethodPatch, "/manage/admin/deactivate-user", map[string]string{"user_email": "gcur@example.com"}, http.StatusForbidden, "FORBIDDEN"},
		{"admin", http.MethodPatch, "/manage/set-user-role", role("admin@example.com", "basic"), http.StatusConflict, "SELF_CHANGE"},
		{"cur", http.MethodPost, docSets, noConnectors(k.other.ID), http.StatusForbidden, "OUT_OF_SCOPE"}, // scope before the connectors
		{"cur", http.MethodPost, docSets, noConnectors(k.secret.ID), http.StatusNotFound, "NOT_FOUND"},
		{"basic", http.MethodPost, docSets, noConnectors(k.team.ID), http.StatusForbidden, "FORBIDDEN"},
		{"cur", http.MethodPost, docSets, noConnectors(k.team.ID), http.StatusBadRequest, "INVALID_INPUT"},
		{"admin", http.MethodPost, docSets, documentSetRequest{Name: "empty", IsPublic: true}, http.StatusBadRequest, "INVALID_INPUT"},
	})
	const sentence = "The field cc_pair_ids must name at least one connector."
	if got := decodeAs[errorBody](t, rows[len(rows)-1]).Detail; got != sentence {
		t.Errorf("a document set without connectors: detail %q, want %q", got, sentence)
	}
	cc := k.connector(t, "admin", "team-docs", "private", k.team.ID)
	set := created(t, k.run(t, []scenario{{"cur", http.MethodPost, docSets,
		documentSetRequest{Name: "team set", Groups: []string{k.team.ID}, CCPairIDs: []string{cc}}, http.StatusCreated, ""}})[0])
	empty := []string{}
	k.run(t, []scenario{
		{"basic", http.MethodPatch, docSets, documentSetPatch{ID: set, CCPairIDs: &empty}, http.StatusForbidden, "FORBIDDEN"}, // may view, not edit
		{"cur", http.MethodPatch, docSets, documentSetPatch{ID: set, CCPairIDs: &empty}, http.StatusBadRequest, "INVALID_INPUT"},
	})
}

// An oversized body was answered 400, or not looked at: every route the
// server serves (its own and httpapi's) but SCIM's answers 413
// PAYLOAD_TOO_LARGE with the limit in the detail, and writes nothing. The HTML forms answer with
// their page, status 413 and the same sentence.
func TestAttackOversizedBody(t *testing.T) {
	const limit = 4096
	ts := newTestServer(t, func(c *config) { c.MaxBodyBytes = limit })
	ts.register("admin@example.com", "")
	admin := ts.login("admin@example.com")
	const sentence = "The request body is larger than the limit of 4096 bytes."
	param := regexp.MustCompile(`\{[^}$]+\}`)
	forms := map[string]bool{"POST /invite/accept": true, "POST /password/reset": true}
	routes := servedRoutes(ts.s)
	if len(routes) < 30 {
		t.Fatalf("only %d routes", len(routes))
	}
	for _, pattern := range routes {
		method, path, ok := strings.Cut(pattern, " ")
		if !ok {
			method, path = http.MethodPost, pattern
		}
		path = strings.ReplaceAll(param.ReplaceAllString(path, "x"), "{$}", "")
		if path == "/" && pattern == "/" {
			path = "/no-such-path"
		}
		for _, c := range []*client{admin, ts.client()} {
			before := ts.counts()
			body := strings.Repeat(" ", limit+1)
			var r reply
			if strings.HasPrefix(path, scimPrefix) {
				// SCIM is not behind the JSON API's limit: it reads up to
				// scim.DefaultMaxBodyBytes and answers its own 413
				// (TestSCIMBodyLimit); a body over the JSON API's limit
				// gets SCIM's answer, never PAYLOAD_TOO_LARGE.
				r = c.do(method, path, body, "Content-Type", "application/scim+json")
				if r.status == http.StatusRequestEntityTooLarge || strings.Contains(string(r.body), "PAYLOAD_TOO_LARGE") {
					t.Errorf("%s: %d %.300s, want SCIM's answer, not the JSON API's 413", pattern, r.status, r.body)
				}
			} else if forms[pattern] {
				r = c.do(method, path, body, "Content-Type", "application/x-www-form-urlencoded")
				if r.status != http.StatusRequestEntityTooLarge || !strings.Contains(string(r.body), sentence) {
					t.Errorf("%s: %d, want 413 and a page saying %q\n%.300s", pattern, r.status, sentence, r.body)
				}
			} else {
				r = c.do(method, path, body, "Content-Type", "application/json")
				if d := decodeAs[errorBody](t, r); r.status != http.StatusRequestEntityTooLarge || d.Code != "PAYLOAD_TOO_LARGE" || d.Detail != sentence {
					t.Errorf("%s: %d %s, want 413 PAYLOAD_TOO_LARGE %q", pattern, r.status, r.body, sentence)
				}
			}
			if d := before.diff(ts.counts()); d != "" {
				t.Errorf("%s refused, yet %s", pattern, d)
			}
		}
	}
}

// Pages could be framed (clickjacking) and the CSV download sniffed: every
// HTML page sends X-Frame-Options DENY, the CSV nosniff.
func TestAttackFramingAndSniffing(t *testing.T) {
	ts := newTestServer(t, func(c *config) {
		c.UI = func(opts web.Options) http.Handler { return web.New(opts) }
	})
	ts.register("admin@example.com", "")
	admin := ts.login("admin@example.com")
	for _, p := range []struct {
		c    *client
		path string
	}{
		{admin, "/ui/"},
		{admin, "/ui/users"},
		{ts.client(), "/invite/accept?token=x"},
		{ts.client(), "/password/reset?token=x"},
	} {
		r := p.c.do(http.MethodGet, p.path, nil)
		if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || r.header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("GET %s: %d %s, X-Frame-Options %q, want an HTML page with DENY",
				p.path, r.status, r.header.Get("Content-Type"), r.header.Get("X-Frame-Options"))
		}
	}
	r := admin.do(http.MethodGet, "/manage/users/download", nil)
	if r.status != http.StatusOK || r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("GET /manage/users/download: %d, X-Content-Type-Options %q, want 200 nosniff", r.status, r.header.Get("X-Content-Type-Options"))
	}
}

// GET /password/reset?token= answered 40 probes without a 429, while its
// POST was throttled: the page is throttled like the form and the JSON
// route, in the same per-client bucket, and its refusal is the page with
// 429 and Retry-After.
func TestAttackResetPageProbes(t *testing.T) {
	ts := newTestServer(t, func(c *config) { c.SignInBurst = 5 })
	prober := ts.client()
	var throttled int
	for i := range 40 {
		r := prober.do(http.MethodGet, fmt.Sprintf("/password/reset?token=%043d", i), nil)
		switch r.status {
		case http.StatusBadRequest:
			if throttled > 0 {
				t.Fatalf("probe %d: 400 after a 429: the throttle let it through", i)
			}
		case http.StatusTooManyRequests:
			throttled++
			if r.header.Get("Retry-After") == "" || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
				t.Fatalf("probe %d: 429 without Retry-After or page: %v", i, r.header)
			}
		default:
			t.Fatalf("probe %d: %d %.200s", i, r.status, r.body)
		}
	}
	if throttled < 30 {
		t.Fatalf("%d of 40 probes throttled, want all but the first few", throttled)
	}
	// The page and the JSON route share the bucket: the JSON route is
	// refused too.
	r := prober.do(http.MethodPost, "/auth/reset-password", resetRequest{Token: strings.Repeat("A", 43), NewPassword: "long enough password"})
	want(t, "reset-password after the probes", r, http.StatusTooManyRequests, "THROTTLED")
}

// Creating a connector named like another group's private connector
// answered 409 "exists", revealing it: connector, document-set and agent
// names are labels, and two resources may share one, whoever can see them.
func TestAttackNamesRevealPrivateResources(t *testing.T) {
	k := newCast(t)
	secretCC := k.connector(t, "admin", "payroll", "private", k.secret.ID)
	secretSet := created(t, k.c["admin"].do(http.MethodPost, "/manage/admin/document-set",
		documentSetRequest{Name: "payroll set", Groups: []string{k.secret.ID}, CCPairIDs: []string{secretCC}}))
	k.c["admin"].do(http.MethodPost, "/persona", personaRequest{Name: "payroll bot"})
	teamCC := k.connector(t, "cur", "payroll", "private", k.team.ID) // the same name: 201
	k.run(t, []scenario{
		{"cur", http.MethodPost, "/manage/admin/document-set",
			documentSetRequest{Name: "payroll set", Groups: []string{k.team.ID}, CCPairIDs: []string{teamCC}}, http.StatusCreated, ""},
		{"basic", http.MethodPost, "/persona", personaRequest{Name: "payroll bot"}, http.StatusCreated, ""},
		{"cur", http.MethodPost, "/manage/admin/connector", connectorRequest{Name: "team docs", AccessType: "private", Groups: []string{k.team.ID}}, http.StatusCreated, ""},
	})
	other := created(t, k.c["cur"].do(http.MethodPost, "/manage/admin/connector", connectorRequest{Name: "wiki", AccessType: "private", Groups: []string{k.team.ID}}))
	rename := "payroll"
	k.run(t, []scenario{{"cur", http.MethodPatch, "/manage/admin/connector/" + other, connectorPatch{Name: &rename}, http.StatusOK, ""}})
	got := names(t, k.c["cur"].do(http.MethodGet, "/manage/connector", nil), connectorName)
	if !slices.Equal(got, []string{"payroll", "payroll", "team docs"}) {
		t.Errorf("cur lists connectors %v", got)
	}
	if got := names(t, k.c["admin"].do(http.MethodGet, "/manage/document-set", nil), documentSetName); !slices.Equal(got, []string{"payroll set", "payroll set"}) {
		t.Errorf("admin lists document sets %v (secret set %s)", got, secretSet)
	}
}

// A database the server created before names were labels (app_connectors
// and app_document_sets with UNIQUE names) is migrated at start: the
// constraints go, every row stays (a document set keeps its connectors),
// and the migration runs once.
func TestNamesMigration(t *testing.T) {
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			cfg := config{Data: t.TempDir()}
			if store == "postgres" {
				cfg.Postgres = rostertest.PostgresDSN(t)
			}
			db, err := openDB(cfg)
			if err != nil {
				t.Fatal(err)
			}
			for _, stmt := range append(slices.Clone(schema),
				`INSERT INTO app_connectors (id, name, created_unix) VALUES ('c1', 'wiki', 1)`,
				`INSERT INTO app_document_sets (id, name, description, created_unix) VALUES ('d1', 'docs', '', 1)`,
				`INSERT INTO app_document_set_connectors (document_set_id, connector_id) VALUES ('d1', 'c1')`) {
				if err := db.Exec(stmt).Error; err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
			}
			if err := db.Exec(`INSERT INTO app_connectors (id, name, created_unix) VALUES ('c2', 'wiki', 1)`).Error; err == nil {
				t.Fatal("the old schema took a second connector named wiki: the test does not start from UNIQUE names")
			}
			closeDB(db)
			for range 2 { // the second start finds the migration done
				ts := newTestServer(t, func(c *config) { c.Data, c.Postgres = cfg.Data, cfg.Postgres })
				var n int64
				ts.s.db.Model(&documentSetConnectorRow{}).Where("document_set_id = ? AND connector_id = ?", "d1", "c1").Count(&n)
				if n != 1 {
					t.Fatalf("after the migration d1 holds c1 %d times, want 1", n)
				}
			}
			ts := newTestServer(t, func(c *config) { c.Data, c.Postgres = cfg.Data, cfg.Postgres })
			for _, stmt := range []string{
				`INSERT INTO app_connectors (id, name, created_unix) VALUES ('c2', 'wiki', 2)`,
				`INSERT INTO app_document_sets (id, name, description, created_unix) VALUES ('d2', 'docs', '', 2)`,
				`INSERT INTO app_document_set_connectors (document_set_id, connector_id) VALUES ('d2', 'c2')`,
			} {
				if err := ts.s.db.Exec(stmt).Error; err != nil {
					t.Fatalf("after the migration %s: %v", stmt, err)
				}
			}
			// The foreign keys still hold after the tables were rebuilt.
			if err := ts.s.db.Exec(`INSERT INTO app_document_set_connectors (document_set_id, connector_id) VALUES ('d2', 'nope')`).Error; err == nil {
				t.Error("a document set took a connector that does not exist: the foreign key is gone")
			}
			var applied int64
			ts.s.db.Table("app_schema_migrations").Count(&applied)
			if want := int64(len(steps())); applied != want {
				t.Errorf("app_schema_migrations holds %d rows, want %d", applied, want)
			}
		})
	}
}

// Bogus invite-link redemptions from a dozen addresses stopped a real
// invitee (429): attempts are throttled per client, failed lookups spend
// the workspace's budget, and a valid link is redeemed whatever other
// clients did.
func TestAttackBogusRedemptionsStarveInvitee(t *testing.T) {
	ts := newTestServer(t)
	ts.register("ada@example.com", "")
	tok := ts.invite(ts.login("ada@example.com"), "bob@example.com")["bob@example.com"]
	from := func(addr, path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.RemoteAddr = addr
		rec := httptest.NewRecorder()
		ts.s.Handler.ServeHTTP(rec, req)
		return rec
	}
	// A client rotating addresses inside one IPv6 /64 meets one bucket of
	// 10 attempts (the workspace's budget of 100 failures is not spent yet).
	for i := range 20 {
		got, want := from(fmt.Sprintf("[2001:db8::%x]:4000", i+1), "/invite/accept?token=rinv_bogus6").Code, http.StatusForbidden
		if i >= invites.DefaultClientRedeemEvents {
			want = http.StatusTooManyRequests
		}
		if got != want {
			t.Fatalf("attempt %d from the /64: %d, want %d", i, got, want)
		}
	}
	refused := 0
	for i := range 12 {
		addr := fmt.Sprintf("198.51.100.%d:4000", i+1)
		for j := range 12 {
			rec := from(addr, fmt.Sprintf("/invite/accept?token=rinv_bogus%d_%d", i, j))
			switch rec.Code {
			case http.StatusForbidden:
			case http.StatusTooManyRequests:
				refused++
			default:
				t.Fatalf("bogus attempt %d from %s: %d", j, addr, rec.Code)
			}
		}
	}
	if refused < 20 {
		t.Fatalf("only %d of 144 bogus attempts throttled", refused)
	}
	page := from("203.0.113.7:5000", "/invite/accept?token="+url.QueryEscape(tok))
	if page.Code != http.StatusOK || !strings.Contains(page.Body.String(), "bob@example.com") {
		t.Fatalf("the invitee's link after the attack: %d\n%.300s", page.Code, page.Body)
	}
	body := strings.NewReader(url.Values{"token": {tok}, "password": {pw("bob@example.com")}}.Encode())
	req := httptest.NewRequest(http.MethodPost, "/invite/accept", body)
	req.RemoteAddr = "203.0.113.7:5000"
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	ts.s.Handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("the invitee's sign-up after the attack: %d\n%.300s", rec.Code, rec.Body)
	}
	if _, ok := ts.user("bob@example.com"); !ok {
		t.Fatal("bob was not signed up")
	}
}

// A client rotating addresses inside one IPv6 /64 got a fresh throttle
// bucket with each address, on sign-in and on password reset: the server's
// throttles key IPv6 clients by /64 (invites.ClientKey), IPv4 by address.
func TestAttackRotatingIPv6AddressesInOne64(t *testing.T) {
	ts := newTestServer(t, func(c *config) { c.SignInBurst, c.SignInEvery = 3, time.Minute })
	ts.register("ada@example.com", "")
	from := func(addr, method, path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.RemoteAddr = addr
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		ts.s.Handler.ServeHTTP(rec, req)
		return rec
	}
	check := func(what string, rec *httptest.ResponseRecorder, status int) {
		t.Helper()
		if rec.Code != status {
			t.Errorf("%s: %d %s, want %d", what, rec.Code, rec.Body, status)
		}
	}
	const login = `{"email":"ada@example.com","password":"wrong"}`
	// Sign-in: the (email, client) bucket holds 3 attempts whatever the
	// address inside the /64 (the per-email bucket alone would allow 6).
	for i := range 6 {
		status := http.StatusUnauthorized
		if i >= 3 {
			status = http.StatusTooManyRequests
		}
		check(fmt.Sprintf("sign-in %d from the /64", i), from(fmt.Sprintf("[2001:db8:1::%x]:4000", i+1), http.MethodPost, "/auth/login", login), status)
	}
	// Another /64 and an IPv4 address are other clients.
	check("sign-in from another /64", from("[2001:db8:2::1]:4000", http.MethodPost, "/auth/login", login), http.StatusUnauthorized)
	check("sign-in from an IPv4 address", from("198.51.100.7:4000", http.MethodPost, "/auth/login", login), http.StatusUnauthorized)

	// Reset: the route and the page share one per-client bucket of 3.
	forged := `{"token":"` + strings.Repeat("A", tokenLen) + `","new_password":"brand new pw"}`
	for i := range 3 {
		check(fmt.Sprintf("reset %d from the /64", i), from(fmt.Sprintf("[2001:db8:3::%x]:4000", i+1), http.MethodPost, "/auth/reset-password", forged), http.StatusBadRequest)
	}
	check("reset from a fourth address in the /64", from("[2001:db8:3::ff]:4000", http.MethodPost, "/auth/reset-password", forged), http.StatusTooManyRequests)
	check("reset page from a fifth address in the /64", from("[2001:db8:3::1:1]:4000", http.MethodGet, "/password/reset?token="+strings.Repeat("A", tokenLen), ""), http.StatusTooManyRequests)
	check("reset from another /64", from("[2001:db8:4::1]:4000", http.MethodPost, "/auth/reset-password", forged), http.StatusBadRequest)
}
