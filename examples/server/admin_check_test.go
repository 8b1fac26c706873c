package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/invites"
	"github.com/rosterhq/roster/ratelimit"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// checked is a database holding one of everything check judges, written
// through roster: an admin (alice), a curator of group "Sales" (bob) with
// connector c1 attached, an agent a1 owned by alice, attached to Sales and
// shared with bob, a limit on Sales, and a deactivated user (carol).
type checked struct {
	s                  *server
	ws                 string
	alice, bob, carol  string
	group              string
	missing            string // an id that is no user's and no group's
	curatorLine, limit string
}

// newChecked fills the store and returns it open; the test closes it
// (close) before running check.
func newChecked(t *testing.T, st cliStore) *checked {
	t.Helper()
	cfg := config{PublicURL: "http://127.0.0.1:1", Mailer: &mailbox{ch: make(chan invites.Message, 10)}, BcryptCost: bcrypt.MinCost, Out: io.Discard}
	st.cfg(&cfg)
	ctx := context.Background()
	s, err := newServer(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := &checked{s: s, ws: s.ws.ID(), missing: uuid.NewString()}
	sys := access.System
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	for _, e := range []string{"alice@example.com", "bob@example.com", "carol@example.com"} {
		u, err := s.ws.Users().Register(ctx, users.Registration{Email: e})
		must(err)
		ids = append(ids, u.ID)
	}
	c.alice, c.bob, c.carol = ids[0], ids[1], ids[2]
	_, err = s.ws.Users().Deactivate(ctx, sys, c.carol)
	must(err)
	_, err = s.ws.Resources().Register(ctx, sys, access.Resource{Kind: access.Connector, ID: "c1"}, resources.Facts{})
	must(err)
	g, err := s.ws.CreateGroup(ctx, sys, "Sales", roster.GroupContents{Members: []string{c.bob}, Connectors: []string{"c1"}})
	must(err)
	c.group = g.ID
	_, err = s.ws.Groups().SetCurator(ctx, sys, g.ID, c.bob, true)
	must(err)
	_, err = s.ws.Resources().Register(ctx, sys, access.Resource{Kind: access.Agent, ID: "a1"},
		resources.Facts{Owner: c.alice, Groups: []string{g.ID}, SharedWith: []string{c.bob}})
	must(err)
	l, err := s.ws.Limits().CreateLimit(ctx, sys, ratelimit.Limit{Scope: ratelimit.ScopeGroup, GroupID: g.ID, Budget: 1000, Period: time.Hour, Enabled: true})
	must(err)
	c.limit = l.ID
	must(s.db.Raw(`SELECT id FROM casbin_rule WHERE ptype = 'p' AND v0 = ? AND v3 = 'curate'`, "u:"+c.bob).Scan(&c.curatorLine).Error)
	if c.curatorLine == "" {
		t.Fatal("no curator line for bob")
	}
	return c
}

// exec runs a statement behind roster's back, failing the test unless it
// changed exactly one row.
func (c *checked) exec(t *testing.T, stmt string, args ...any) {
	t.Helper()
	res := c.s.db.Exec(stmt, args...)
	if res.Error != nil || res.RowsAffected != 1 {
		t.Fatalf("%s: %v, %d rows", stmt, res.Error, res.RowsAffected)
	}
}

// lineID returns the id of the casbin_rule row with these values.
func (c *checked) lineID(t *testing.T, ptype, v0, v1, v2, v3 string) string {
	t.Helper()
	var id string
	err := c.s.db.Raw(`SELECT id FROM casbin_rule WHERE ptype = ? AND v0 = ? AND v1 = ? AND v2 = ? AND v3 = ?`, ptype, v0, v1, v2, v3).Scan(&id).Error
	if err != nil || id == "" {
		t.Fatalf("no line %s, %s, %s, %s, %s: %v", ptype, v0, v1, v2, v3, err)
	}
	return id
}

// A database written only through roster passes check, and check writes
// nothing.
func TestCheckHealthy(t *testing.T) {
	forEachCLIStore(t, func(t *testing.T, st cliStore) {
		c := newChecked(t, st)
		var version int64
		c.s.db.Raw(`SELECT version FROM roster_version`).Scan(&version)
		if err := c.s.Close(); err != nil {
			t.Fatal(err)
		}
		r := runCLI(t, st, "check")
		r.wantCode(t, "check", exitOK)
		want := fmt.Sprintf("ok: 1 workspace, 3 users, 1 group, %%d policy lines, 1 limit, version %d\n", version)
		var lines int
		if _, err := fmt.Sscanf(r.stdout, want, &lines); err != nil || lines == 0 || r.stderr != "" {
			t.Errorf("check: stdout %q stderr %q, want %q", r.stdout, r.stderr, want)
		}
		ts := serverOn(t, st)
		var after int64
		ts.s.db.Raw(`SELECT version FROM roster_version`).Scan(&after)
		if after != version {
			t.Errorf("check moved the version from %d to %d", version, after)
		}
	})
}

// Each invariant broken behind roster's back is found and named by id, and
// nothing else is reported.
func TestCheckFindsViolations(t *testing.T) {
	cases := []struct {
		name   string
		inject func(t *testing.T, c *checked) string // breaks one invariant; returns the violation line check prints
	}{
		{"curator flag without membership", func(t *testing.T, c *checked) string {
			c.exec(t, `DELETE FROM casbin_rule WHERE ptype = 'g' AND v0 = ? AND v1 = ?`, "u:"+c.bob, "g:"+c.group)
			return fmt.Sprintf("casbin_rule %s: user %s holds the curator flag of group %s without being its member", c.curatorLine, c.bob, c.group)
		}},
		{"attachment to a missing group", func(t *testing.T, c *checked) string {
			c.exec(t, `INSERT INTO casbin_rule (ptype, v0, v1, v2, v3, v4, v5) VALUES ('p', ?, ?, 'connector:c1', 'view', '', '')`, "g:"+c.missing, c.ws)
			id := c.lineID(t, "p", "g:"+c.missing, c.ws, "connector:c1", "view")
			return fmt.Sprintf("casbin_rule %s: the attachment of connector c1 names group %s, which is not a group of workspace %s", id, c.missing, c.ws)
		}},
		{"share with a missing user", func(t *testing.T, c *checked) string {
			c.exec(t, `UPDATE casbin_rule SET v0 = ? WHERE ptype = 'p' AND v0 = ? AND v2 = 'agent:a1' AND v3 = 'view'`, "u:"+c.missing, "u:"+c.bob)
			id := c.lineID(t, "p", "u:"+c.missing, c.ws, "agent:a1", "view")
			return fmt.Sprintf("casbin_rule %s: the share of agent a1 names user %s, who is not a user of workspace %s", id, c.missing, c.ws)
		}},
		{"limit on a missing group", func(t *testing.T, c *checked) string {
			c.exec(t, `UPDATE roster_rate_limits SET group_id = ? WHERE id = ?`, c.missing, c.limit)
			return fmt.Sprintf("roster_rate_limits %s: the limit applies to group %s, which is not a group of workspace %s", c.limit, c.missing, c.ws)
		}},
		{"unparsable policy line", func(t *testing.T, c *checked) string {
			c.exec(t, `INSERT INTO casbin_rule (ptype, v0, v1, v2, v3, v4, v5) VALUES ('p', 'nonsense', ?, 'connector:c1', 'fly', '', '')`, c.ws)
			id := c.lineID(t, "p", "nonsense", c.ws, "connector:c1", "fly")
			return fmt.Sprintf("casbin_rule %s: the policy line \"p, nonsense, %s, connector:c1, fly\" does not parse", id, c.ws)
		}},
		{"version row ahead of the changelog", func(t *testing.T, c *checked) string {
			var v int64
			c.s.db.Raw(`SELECT version FROM roster_version`).Scan(&v)
			c.exec(t, `UPDATE roster_version SET version = version + 1 WHERE id = 1`)
			return fmt.Sprintf("roster_version 1: the version row says %d, but the changelog's last version is %d", v+1, v)
		}},
		{"last admin demoted", func(t *testing.T, c *checked) string {
			c.exec(t, `UPDATE casbin_rule SET v1 = 'role:basic' WHERE ptype = 'g' AND v0 = ? AND v1 = 'role:admin'`, "u:"+c.alice)
			return fmt.Sprintf("roster_workspaces %s: the workspace has no active admin; run create-admin", c.ws)
		}},
	}
	for _, tc := range cases {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			forEachCLIStore(t, func(t *testing.T, st cliStore) {
				c := newChecked(t, st)
				line := tc.inject(t, c)
				if err := c.s.Close(); err != nil {
					t.Fatal(err)
				}
				r := runCLI(t, st, "check")
				r.wantCode(t, "check", exitFailed)
				if r.stdout != line+"\n" || r.stderr != "server check: the database breaks its invariants (1 violation)\n" {
					t.Errorf("check:\nstdout %q\nwant   %q\nstderr %q", r.stdout, line+"\n", r.stderr)
				}
			})
		})
	}
}
