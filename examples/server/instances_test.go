package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/rosterhq/roster/internal/rostertest"
)

// -shared-limits is on by default with -postgres, may be turned off, and is
// refused without PostgreSQL, from the flag or the environment.
func TestSharedLimitsFlag(t *testing.T) {
	const pg = "postgres://u@h/db"
	cases := []struct {
		what string
		args []string
		env  string // ROSTER_SHARED_LIMITS
		want bool
	}{
		{"SQLite", nil, "", false},
		{"PostgreSQL", []string{"-postgres", pg}, "", true},
		{"PostgreSQL, turned off", []string{"-postgres", pg, "-shared-limits=false"}, "", false},
		{"PostgreSQL, turned off by the environment", []string{"-postgres", pg}, "false", false},
		{"PostgreSQL, the flag beats the environment", []string{"-postgres", pg, "-shared-limits=true"}, "false", true},
		{"SQLite, turned off", []string{"-shared-limits=false"}, "", false},
	}
	for _, c := range cases {
		getenv := func(k string) string {
			if k == "ROSTER_SHARED_LIMITS" {
				return c.env
			}
			return ""
		}
		cfg, err := parseFlags(c.args, getenv, io.Discard)
		if err != nil {
			t.Errorf("%s: %v", c.what, err)
			continue
		}
		if cfg.SharedLimits != c.want {
			t.Errorf("%s: SharedLimits %v, want %v", c.what, cfg.SharedLimits, c.want)
		}
	}
	refused := []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"-shared-limits"}, "", "-shared-limits needs -postgres: with SQLite the token buckets live in this one process"},
		{nil, "true", "-shared-limits needs -postgres: with SQLite the token buckets live in this one process"},
		{[]string{"-postgres", pg}, "maybe", `-shared-limits "maybe" is neither true nor false`},
		{[]string{"-postgres", pg, "-shared-limits=maybe"}, "", `invalid boolean value "maybe" for -shared-limits: neither true nor false`},
	}
	for _, c := range refused {
		getenv := func(k string) string {
			if k == "ROSTER_SHARED_LIMITS" {
				return c.env
			}
			return ""
		}
		if _, err := parseFlags(c.args, getenv, io.Discard); err == nil || err.Error() != c.want {
			t.Errorf("parseFlags(%q) with ROSTER_SHARED_LIMITS=%q = %v, want %q", c.args, c.env, err, c.want)
		}
	}
}

// Servers started at once on an empty database all start, and the
// application's tables are migrated once (each step recorded once), on
// PostgreSQL (where the loser of the race used to die with
// pg_type_typname_nsp_index) and on one SQLite file.
func TestServersStartTogetherMigrateOnce(t *testing.T) {
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			cfg := config{Data: t.TempDir(), PublicURL: "http://127.0.0.1:1", Out: io.Discard, BcryptCost: bcrypt.MinCost}
			if store == "postgres" {
				cfg.Postgres = rostertest.PostgresDSN(t)
			}
			const n = 4
			servers := make([]*server, n)
			errs := make([]error, n)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					<-start
					servers[i], errs[i] = newServer(context.Background(), cfg)
				})
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("server %d: %v", i, err)
					continue
				}
				defer servers[i].Close()
			}
			if t.Failed() {
				return
			}
			var versions []int64
			if err := servers[0].db.Table("app_schema_migrations").Order("version").Pluck("version", &versions).Error; err != nil {
				t.Fatal(err)
			}
			if len(versions) != len(steps()) {
				t.Errorf("app_schema_migrations holds %v, want each of the %d steps once", versions, len(steps()))
			}
		})
	}
}

// Two servers, each with its own Directory, on one PostgreSQL with shared
// limits admit one user's budget between them through the chat route: the
// requests alternate between them until one refuses, and then both do.
// Each server alone would admit the whole budget.
func TestServersShareOneBudget(t *testing.T) {
	dsn := rostertest.PostgresDSN(t)
	onPG := func(c *config) { c.Postgres, c.SharedLimits = dsn, true }
	a := newTestServer(t, onPG)
	b := newTestServer(t, onPG)
	a.register("ada@example.com", "")
	admin := a.login("ada@example.com")
	a.setMode(admin, "open")
	a.register("bob@example.com", "")
	limit := map[string]any{"enabled": true, "token_budget": 1, "period_hours": 24} // 1,000 tokens a day, per user
	want(t, "set limit", admin.do(http.MethodPost, "/admin/token-rate-limits/users", limit), http.StatusCreated, "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.s.dir.AwaitVersion(ctx, a.s.dir.Version()); err != nil {
		t.Fatal(err)
	}
	bobs := []*client{a.login("bob@example.com"), b.login("bob@example.com")}
	msg := messageRequest{Message: strings.Repeat("x", 400)} // (400 + 406) / 4 = 201 tokens
	admitted := 0
	for i := 0; i < 20; i++ {
		r := bobs[i%2].do(http.MethodPost, "/chat/send-message", msg)
		if r.status == http.StatusTooManyRequests {
			break
		}
		want(t, "message", r, http.StatusOK, "")
		admitted++
	}
	// 1,000 tokens admit five messages (1,005 tokens); the sixth finds the
	// bucket in debt, whichever server it reaches.
	if admitted != 5 {
		t.Errorf("the two servers admitted %d messages of 201 tokens on a budget of 1,000, want 5", admitted)
	}
	for _, bob := range bobs {
		want(t, "after the budget", bob.do(http.MethodPost, "/chat/send-message", msg), http.StatusTooManyRequests, "RATE_LIMITED")
	}
}
