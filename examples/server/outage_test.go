package main

import (
	"database/sql"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rosterhq/roster/internal/rostertest"
)

// When the database does not answer, httpapi's routes and the server's own
// answer 503 UNAVAILABLE with Retry-After: 1 and /readyz's sentence: not 401
// (a browser would drop its session) and not 500. The test makes a real
// PostgreSQL database refuse: new connections are not allowed and the
// server's connections are terminated; then it lets them in again, and the
// session still works.
func TestDatabaseDownIs503(t *testing.T) {
	dsn := rostertest.PostgresDSN(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	u.Path = "/postgres"
	admin, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := admin.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	ts := newTestServer(t, func(c *config) { c.Postgres = dsn })
	ts.register("ada@example.com", "")
	ada := ts.login("ada@example.com")
	want(t, "me, database up", ada.do(http.MethodGet, "/me", nil), http.StatusOK, "")
	want(t, "connectors, database up", ada.do(http.MethodGet, "/manage/connector", nil), http.StatusOK, "")

	exec(`ALTER DATABASE "` + name + `" ALLOW_CONNECTIONS false`)
	exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, name)
	for _, path := range []string{"/me", "/manage/connector", "/readyz"} {
		r := ada.do(http.MethodGet, path, nil)
		want(t, path+", database refusing", r, http.StatusServiceUnavailable, "UNAVAILABLE")
		if got := decodeAs[errorBody](t, r).Detail; got != "The database does not answer." {
			t.Errorf("%s: detail %q, want %q", path, got, "The database does not answer.")
		}
		if path != "/readyz" && r.header.Get("Retry-After") != "1" {
			t.Errorf("%s: Retry-After %q, want 1", path, r.header.Get("Retry-After"))
		}
	}
	exec(`ALTER DATABASE "` + name + `" ALLOW_CONNECTIONS true`)
	want(t, "me, database back", ada.do(http.MethodGet, "/me", nil), http.StatusOK, "")
}
