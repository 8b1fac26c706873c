package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/users"
)

// cliStore is one backend for the admin commands: its storage flags, and
// the same storage as a config change for the test server.
type cliStore struct {
	flags []string
	cfg   func(*config)
}

// forEachCLIStore runs fn on a fresh SQLite directory, and on a fresh
// PostgreSQL database when ROSTER_TEST_POSTGRES is set.
func forEachCLIStore(t *testing.T, fn func(t *testing.T, st cliStore)) {
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		fn(t, cliStore{flags: []string{"-data", dir}, cfg: func(c *config) { c.Data = dir }})
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := rostertest.PostgresDSN(t)
		fn(t, cliStore{flags: []string{"-postgres", dsn}, cfg: func(c *config) { c.Data, c.Postgres = "", dsn }})
	})
}

// cliResult is what one run of an admin command did.
type cliResult struct {
	code           int
	stdout, stderr string
}

// runCLI runs the admin command name with the store's flags, then args,
// through runCommand with an empty environment.
func runCLI(t *testing.T, st cliStore, name string, args ...string) cliResult {
	t.Helper()
	full := append(append([]string{name}, st.flags...), args...)
	var out, errOut bytes.Buffer
	code := runCommand(context.Background(), full, func(string) string { return "" }, &out, &errOut)
	return cliResult{code, out.String(), errOut.String()}
}

// wantCode fails the test unless r exited with code.
func (r cliResult) wantCode(t *testing.T, what string, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("%s: exit %d, want %d; stdout %q, stderr %q", what, r.code, code, r.stdout, r.stderr)
	}
}

// linkRE matches the link a command prints.
var linkRE = regexp.MustCompile(`at (https?://\S+/password/reset\?token=\S+)\n$`)

// printedToken returns the token of the link r printed.
func printedToken(t *testing.T, r cliResult) string {
	t.Helper()
	m := linkRE.FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no link in %q", r.stdout)
	}
	return token(t, m[1])
}

// serverOn starts the test server on the store, on the real clock (the
// commands' links expire by it).
func serverOn(t *testing.T, st cliStore) *testServer {
	return newTestServer(t, st.cfg, func(c *config) { c.Now = time.Now })
}

// setPasswordWith sets email's password through the printed link's token
// and signs in with it, returning the signed-in client.
func setPasswordWith(t *testing.T, ts *testServer, email, tok string) *client {
	t.Helper()
	c := ts.client()
	want(t, "reset with the printed link", c.do(http.MethodPost, "/auth/reset-password", resetRequest{Token: tok, NewPassword: pw(email)}), http.StatusNoContent, "")
	want(t, "the link again", c.do(http.MethodPost, "/auth/reset-password", resetRequest{Token: tok, NewPassword: pw(email)}), http.StatusBadRequest, "")
	return ts.login(email)
}

// create-admin on an empty workspace makes the first admin, whose printed
// link sets the password; with an active admin it is refused and writes
// nothing.
func TestCreateAdminEmptyWorkspace(t *testing.T) {
	forEachCLIStore(t, func(t *testing.T, st cliStore) {
		r := runCLI(t, st, "create-admin", "-public-url", "https://roster.example.com", "Alice@Example.com")
		r.wantCode(t, "create-admin", exitOK)
		if !strings.HasPrefix(r.stdout, "alice@example.com is an active admin; set the password within 60 minutes at https://roster.example.com/password/reset?token=") {
			t.Errorf("stdout %q", r.stdout)
		}
		ts := serverOn(t, st)
		u, ok := ts.user("alice@example.com")
		if !ok || u.Role != users.RoleAdmin || !u.Active {
			t.Fatalf("alice: %+v, %v; want an active admin", u, ok)
		}
		setPasswordWith(t, ts, "alice@example.com", printedToken(t, r))

		before := ts.counts()
		r = runCLI(t, st, "create-admin", "bob@example.com")
		r.wantCode(t, "create-admin with an active admin", exitRefused)
		if r.stdout != "" || r.stderr != "server create-admin: The workspace already has an active admin; ask them to make bob@example.com an admin, or print a sign-in link for them with reset-link.\n" {
			t.Errorf("refusal: stdout %q stderr %q", r.stdout, r.stderr)
		}
		if d := before.diff(ts.counts()); d != "" {
			t.Errorf("a refused create-admin wrote: %s", d)
		}
	})
}

// On a locked-out workspace (no active admin: here the only admin is
// demoted behind roster's back), create-admin promotes an existing user, or
// reactivates a deactivated one, and prints a link that works.
func TestCreateAdminLockedOut(t *testing.T) {
	forEachCLIStore(t, func(t *testing.T, st cliStore) {
		ts := serverOn(t, st)
		alice := ts.register("alice@example.com", "")
		bob := ts.register("bob@example.com", "")
		carol := ts.register("carol@example.com", "")
		ctx := context.Background()
		if _, err := ts.s.ws.Users().Deactivate(ctx, access.System, carol.ID); err != nil {
			t.Fatal(err)
		}
		ts.setMode(ts.login("alice@example.com"), "invite_only")
		res := ts.s.db.Exec(`UPDATE casbin_rule SET v1 = 'role:basic' WHERE ptype = 'g' AND v0 = ? AND v1 = 'role:admin'`, "u:"+alice.ID)
		if res.Error != nil || res.RowsAffected != 1 {
			t.Fatalf("demote alice in SQL: %v, %d rows", res.Error, res.RowsAffected)
		}

		// A new email meets the invite gate like any sign-up: refused, nothing written.
		before := ts.counts()
		r := runCLI(t, st, "create-admin", "dave@example.com")
		r.wantCode(t, "create-admin of a new email behind the gate", exitRefused)
		if r.stdout != "" || r.stderr != "server create-admin: dave@example.com cannot join: an invitation is required to join this workspace; name an existing user instead.\n" {
			t.Errorf("gate refusal: stdout %q stderr %q", r.stdout, r.stderr)
		}
		if d := before.diff(ts.counts()); d != "" {
			t.Errorf("a refused create-admin wrote: %s", d)
		}

		r = runCLI(t, st, "create-admin", "bob@example.com")
		r.wantCode(t, "create-admin bob", exitOK)
		if u, _ := ts.user("bob@example.com"); u.ID != bob.ID || u.Role != users.RoleAdmin || !u.Active {
			t.Errorf("bob after create-admin: %+v", u)
		}
		c := setPasswordWith(t, ts, "bob@example.com", printedToken(t, r))
		want(t, "bob's admin list", c.do(http.MethodGet, "/manage/users/accepted", nil), http.StatusOK, "")

		// Lock out again: bob is demoted too; carol is deactivated.
		ts.s.db.Exec(`UPDATE casbin_rule SET v1 = 'role:basic' WHERE ptype = 'g' AND v0 = ? AND v1 = 'role:admin'`, "u:"+bob.ID)
		r = runCLI(t, st, "create-admin", "carol@example.com")
		r.wantCode(t, "create-admin carol", exitOK)
		if u, _ := ts.user("carol@example.com"); u.Role != users.RoleAdmin || !u.Active {
			t.Errorf("carol after create-admin: %+v", u)
		}
	})
}

// reset-link prints a working link for an active user, and refuses an
// unknown or deactivated email, or bad input, writing nothing.
func TestResetLink(t *testing.T) {
	forEachCLIStore(t, func(t *testing.T, st cliStore) {
		ts := serverOn(t, st)
		ts.register("alice@example.com", "")
		bob := ts.register("bob@example.com", "")
		if _, err := ts.s.ws.Users().Deactivate(context.Background(), access.System, bob.ID); err != nil {
			t.Fatal(err)
		}
		before := ts.counts()
		for _, c := range []struct {
			args   []string
			stderr string
		}{
			{[]string{"nobody@example.com"}, "server reset-link: No user has the email nobody@example.com.\n"},
			{[]string{"bob@example.com"}, "server reset-link: bob@example.com is deactivated; an admin activates them first.\n"},
			{[]string{"bob"}, "server reset-link: \"bob\" is not a valid email address.\n"},
			{[]string{"a@example.com", "b@example.com"}, "server reset-link: reset-link takes one EMAIL (flags come before it), but got 2 arguments.\n"},
		} {
			r := runCLI(t, st, "reset-link", c.args...)
			r.wantCode(t, strings.Join(c.args, " "), exitRefused)
			if r.stdout != "" || r.stderr != c.stderr {
				t.Errorf("reset-link %q: stdout %q stderr %q, want stderr %q", c.args, r.stdout, r.stderr, c.stderr)
			}
		}
		if d := before.diff(ts.counts()); d != "" {
			t.Errorf("refused reset-links wrote: %s", d)
		}

		r := runCLI(t, st, "reset-link", "Alice@example.com")
		r.wantCode(t, "reset-link alice", exitOK)
		setPasswordWith(t, ts, "alice@example.com", printedToken(t, r))
	})
}

// migrate creates roster's tables and the application's on an empty
// database and exits; a second run changes nothing.
func TestMigrateCommand(t *testing.T) {
	forEachCLIStore(t, func(t *testing.T, st cliStore) {
		before := exitRefused // no SQLite file: check creates none
		if isPostgres(st) {
			before = exitFailed // an empty database: roster's tables are missing
		}
		runCLI(t, st, "check").wantCode(t, "check before migrate", before)
		r := runCLI(t, st, "migrate")
		r.wantCode(t, "migrate", exitOK)
		if !strings.HasPrefix(r.stdout, "The database (") || !strings.HasSuffix(r.stdout, ") is migrated.\n") {
			t.Errorf("stdout %q", r.stdout)
		}
		runCLI(t, st, "migrate").wantCode(t, "migrate again", exitOK)
		ok := runCLI(t, st, "check")
		ok.wantCode(t, "check after migrate", exitOK)
		ts := serverOn(t, st)
		for _, table := range []string{"app_passwords", "app_connectors"} {
			if !ts.s.db.Migrator().HasTable(table) {
				t.Errorf("no table %s after migrate", table)
			}
		}
	})
}

func isPostgres(st cliStore) bool { return st.flags[0] == "-postgres" }

// export-users writes the library's CSV export of every user.
func TestExportUsers(t *testing.T) {
	forEachCLIStore(t, func(t *testing.T, st cliStore) {
		ts := serverOn(t, st)
		ts.register("alice@example.com", "")
		bob := ts.register("=bob@example.com", "")
		if _, err := ts.s.ws.Users().Deactivate(context.Background(), access.System, bob.ID); err != nil {
			t.Fatal(err)
		}
		r := runCLI(t, st, "export-users")
		r.wantCode(t, "export-users", exitOK)
		want := "Email,Role,Status\n'=bob@example.com,basic,Inactive\nalice@example.com,admin,Active\n"
		if r.stdout != want || r.stderr != "" {
			t.Errorf("export-users: stdout %q stderr %q, want %q", r.stdout, r.stderr, want)
		}
	})
}

// Every command answers -h with its usage and the storage flags, and bad
// command lines are refused with one sentence and exit status 2.
func TestCommandUsage(t *testing.T) {
	none := cliStore{}
	for _, cmd := range commands() {
		r := runCLI(t, none, cmd.name, "-h")
		r.wantCode(t, cmd.name+" -h", exitOK)
		if !strings.HasPrefix(r.stderr, "usage: server "+cmd.name) || !strings.Contains(r.stderr, "-data") || !strings.Contains(r.stderr, "-postgres") || r.stdout != "" {
			t.Errorf("%s -h: stdout %q stderr %q", cmd.name, r.stdout, r.stderr)
		}
		if cmd.links != strings.Contains(r.stderr, "-public-url") {
			t.Errorf("%s -h: -public-url listed %v, want %v", cmd.name, !cmd.links, cmd.links)
		}
	}
	dir := t.TempDir()
	for _, c := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"frob"}, "server: \"frob\" is not a command; the commands are create-admin, reset-link, migrate, export-users, check.\n"},
		{[]string{"migrate", "-data", dir, "now"}, "server migrate: migrate takes no arguments, but got \"now\".\n"},
		{[]string{"check", "-nope"}, "server check: The command line is wrong (flag provided but not defined: -nope); see server check -h.\n"},
		{[]string{"create-admin", "-data", dir}, "server create-admin: create-admin takes one EMAIL (flags come before it), but got 0 arguments.\n"},
		{[]string{"create-admin", "-data", dir, "a@@example.com"}, "server create-admin: \"a@@example.com\" is not a valid email address.\n"},
		{[]string{"export-users", "-data", dir}, "server export-users: There is no database at " + filepath.Join(dir, "roster.db") + "; start the server or run migrate first.\n"},
		{[]string{"check", "-data", dir}, "server check: There is no database at " + filepath.Join(dir, "roster.db") + "; start the server or run migrate first.\n"},
	} {
		var out, errOut bytes.Buffer
		code := runCommand(context.Background(), c.args, func(string) string { return "" }, &out, &errOut)
		if code != exitRefused || out.Len() != 0 || errOut.String() != c.stderr {
			t.Errorf("%q: exit %d stdout %q stderr %q, want 2 and %q", c.args, code, out.String(), errOut.String(), c.stderr)
		}
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Errorf("refused commands left %v in the data directory (%v)", entries, err)
	}
}

// The storage flags default to the server's ROSTER_* variables.
func TestCommandEnvironment(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"ROSTER_DATA": dir, "ROSTER_PUBLIC_URL": "https://env.example.com"}
	code := runCommand(context.Background(), []string{"create-admin", "alice@example.com"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if code != exitOK {
		t.Fatalf("create-admin from the environment: exit %d", code)
	}
	var out bytes.Buffer
	code = runCommand(context.Background(), []string{"reset-link", "alice@example.com"}, func(k string) string { return env[k] }, &out, io.Discard)
	if code != exitOK || !strings.Contains(out.String(), " at https://env.example.com/password/reset?token=") {
		t.Errorf("reset-link from the environment: exit %d, %q", code, out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "roster.db")); err != nil {
		t.Errorf("ROSTER_DATA not used: %v", err)
	}
}

// The server's -h names every admin command the same binary runs, so an
// operator finds them without the README.
func TestServerHelpListsCommands(t *testing.T) {
	var out strings.Builder
	_, err := parseFlags([]string{"-h"}, func(string) string { return "" }, &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("parseFlags(-h) = %v, want flag.ErrHelp", err)
	}
	for _, c := range commands() {
		if !strings.Contains(out.String(), "\n  "+c.name+" ") {
			t.Errorf("-h does not list the command %s:\n%s", c.name, out.String())
		}
	}
	if !strings.Contains(out.String(), "-addr") {
		t.Errorf("-h lost the server's flags:\n%s", out.String())
	}
}
