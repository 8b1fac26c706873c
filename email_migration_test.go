package roster_test

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/internal/scimrecords"
	"github.com/rosterhq/roster/internal/store"
	"github.com/rosterhq/roster/invites"
	"github.com/rosterhq/roster/users"
)

// rawEmailDB is a connection to the database behind a DSN, for seeding rows
// the way older builds stored them.
type rawEmailDB struct {
	t        *testing.T
	db       *sql.DB
	postgres bool
}

func openRawEmailDB(t *testing.T, dsn string) *rawEmailDB {
	t.Helper()
	r := &rawEmailDB{t: t}
	var err error
	if p, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		g, gerr := gorm.Open(sqlite.Open(p+"?"+store.SQLitePragmas), &gorm.Config{})
		if gerr != nil {
			t.Fatal(gerr)
		}
		r.db, err = g.DB()
	} else {
		r.postgres = true
		r.db, err = sql.Open("pgx", dsn)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.db.Close() })
	return r
}

func (r *rawEmailDB) exec(q string, args ...any) {
	r.t.Helper()
	if r.postgres {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", "$"+strconv.Itoa(i), 1)
		}
	}
	if _, err := r.db.Exec(q, args...); err != nil {
		r.t.Fatalf("%s: %v", q, err)
	}
}

// rows returns "id workspace email" of every user and "hash workspace email"
// of every invite, sorted, and the recorded data steps.
func (r *rawEmailDB) rows() (userRows, inviteRows, steps []string) {
	r.t.Helper()
	read := func(q string) []string {
		rows, err := r.db.Query(q)
		if err != nil {
			r.t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		out := []string{}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				r.t.Fatal(err)
			}
			out = append(out, s)
		}
		return out
	}
	return read(`SELECT id || ' ' || workspace_id || ' ' || email FROM roster_users ORDER BY id`),
		read(`SELECT token_hash || ' ' || workspace_id || ' ' || email FROM roster_invites ORDER BY token_hash`),
		read(`SELECT name FROM roster_data_steps ORDER BY name`)
}

func (r *rawEmailDB) seedUser(id, ws, email string) {
	r.t.Helper()
	r.exec(`INSERT INTO roster_users (id, workspace_id, email, kind, source, created_at) VALUES (?, ?, ?, 'person', 'scim', ?)`,
		id, ws, email, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
}

func (r *rawEmailDB) seedInvite(hash, ws, email string) {
	r.t.Helper()
	r.exec(`INSERT INTO roster_invites (workspace_id, email, invited_by, invited_at, token_hash, token_expires_at, email_status)
		VALUES (?, ?, 'system', ?, ?, ?, 'sent')`,
		ws, email, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), hash, time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))
}

// forgetEmailStep makes the database look as it did before the email step
// existed: its record goes, so the next Open runs it.
func (r *rawEmailDB) forgetEmailStep() {
	r.t.Helper()
	r.exec(`DELETE FROM roster_data_steps WHERE name = ?`, store.EmailStepName)
}

// TestEmailStepStopsOnCollisions seeds rows as older builds stored them:
// two users per address spelled differently (composed and decomposed,
// fullwidth and ASCII), a user whose address the rules now refuse, two
// invites of one address (A-label and U-label), and one spelling in another
// workspace (no collision there). Open must fail with an error naming every
// such row by id, never by email, match ErrConflict, and change nothing.
func TestEmailStepStopsOnCollisions(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		d := open(t, dsn)
		if _, err := d.CreateWorkspace(ctx, roster.System, "other", "Other"); err != nil {
			t.Fatal(err)
		}
		d.Close()
		raw := openRawEmailDB(t, dsn)
		def := roster.DefaultWorkspace
		raw.seedUser("u1-composed", def, "jos\u00e9@example.com")
		raw.seedUser("u2-decomposed", def, "jose\u0301@example.com")
		raw.seedUser("u3-fullwidth", def, "\uff41dmin@example.com")
		raw.seedUser("u4-ascii", def, "admin@example.com")
		raw.seedUser("u5-dots", def, "a..b@example.com")
		raw.seedUser("u6-fine", def, "fine@example.com")
		raw.seedUser("u7-other", "other", "jose\u0301@example.com")
		hashA, hashU := strings.Repeat("a", 64), strings.Repeat("b", 64)
		raw.seedInvite(hashA, def, "anna@xn--bcher-kva.de")
		raw.seedInvite(hashU, def, "anna@b\u00fccher.de")
		raw.forgetEmailStep()
		usersBefore, invitesBefore, stepsBefore := raw.rows()

		_, err := roster.Open(ctx, roster.Config{DSN: dsn, Now: rostertest.NewClock().Now})
		var se *store.EmailStepError
		if !errors.As(err, &se) || !errors.Is(err, roster.ErrConflict) {
			t.Fatalf("Open = %v, want an *EmailStepError matching ErrConflict", err)
		}
		user := func(id string) store.EmailRow { return store.EmailRow{Kind: "user", Workspace: def, ID: id} }
		invite := func(hash string) store.EmailRow { return store.EmailRow{Kind: "invite", Workspace: def, ID: hash[:16]} }
		want := store.EmailStepError{
			Collisions: [][]store.EmailRow{
				{user("u1-composed"), user("u2-decomposed")},
				{user("u3-fullwidth"), user("u4-ascii")},
				{invite(hashA), invite(hashU)},
			},
			Refused: []store.EmailRow{user("u5-dots")},
		}
		if !reflect.DeepEqual(*se, want) {
			t.Errorf("error rows = %+v, want %+v", *se, want)
		}
		msg := err.Error()
		for _, id := range []string{"u1-composed", "u2-decomposed", "u3-fullwidth", "u4-ascii", "u5-dots", hashA[:16], hashU[:16]} {
			if !strings.Contains(msg, id) {
				t.Errorf("error %q does not name %s", msg, id)
			}
		}
		for _, leak := range []string{"@", "example", "anna", "bcher", "u6-fine", "u7-other"} {
			if strings.Contains(msg, leak) {
				t.Errorf("error %q holds %q: it must name only the offending rows, by id", msg, leak)
			}
		}
		usersAfter, invitesAfter, stepsAfter := raw.rows()
		if !reflect.DeepEqual(usersAfter, usersBefore) || !reflect.DeepEqual(invitesAfter, invitesBefore) || !reflect.DeepEqual(stepsAfter, stepsBefore) {
			t.Errorf("the stopped step changed the database:\nusers %v\n   -> %v\ninvites %v\n     -> %v\nsteps %v -> %v",
				usersBefore, usersAfter, invitesBefore, invitesAfter, stepsBefore, stepsAfter)
		}
	})
}

// TestEmailStepRewritesOldSpellings: users and an invite stored with
// spellings the rules now map elsewhere are rewritten to the identity form
// at Open, keeping everything keyed by user id (role, policy lines) and the
// invite's link; the step then never runs again.
func TestEmailStepRewritesOldSpellings(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		d := open(t, dsn)
		us := d.Default().Users()
		first, err := us.Register(ctx, usersReg("first@example.com"))
		if err != nil {
			t.Fatal(err)
		}
		second, err := us.Register(ctx, usersReg("second@example.com"))
		if err != nil {
			t.Fatal(err)
		}
		d.Close()
		raw := openRawEmailDB(t, dsn)
		raw.exec(`UPDATE roster_users SET email = ? WHERE id = ?`, "\uff46irst@example.com", first.ID)
		raw.exec(`UPDATE roster_users SET email = ? WHERE id = ?`, "second@xn--bcher-kva.de", second.ID)
		tok := invites.NewToken()
		raw.seedInvite(tok.Hash(), roster.DefaultWorkspace, "jose\u0301@xn--bcher-kva.de")
		raw.forgetEmailStep()
		linesBefore := policyLines(t, raw)

		// Skipping migrations, Open refuses a database the step has not
		// run on, naming the step.
		_, err = roster.Open(ctx, roster.Config{DSN: dsn, SkipMigrations: true})
		var se *roster.SchemaError
		if !errors.As(err, &se) || !reflect.DeepEqual(se.Pending, []string{store.EmailStepName}) {
			t.Fatalf("Open skipping migrations before the email step = %v, want *SchemaError pending %s", err, store.EmailStepName)
		}

		d = open(t, dsn)
		us = d.Default().Users()
		for id, want := range map[string]string{first.ID: "first@example.com", second.ID: "second@b\u00fccher.de"} {
			if u, err := us.Get(ctx, id); err != nil || u.Email != want {
				t.Errorf("Get(%s) = %+v, %v; want email %q", id, u, err, want)
			}
		}
		if u, err := us.ByEmail(ctx, "FIRST@example.com"); err != nil || u.ID != first.ID || u.Role != users.RoleAdmin {
			t.Errorf("ByEmail(FIRST@example.com) = %+v, %v; want the first user, still admin", u, err)
		}
		if got := policyLines(t, raw); !reflect.DeepEqual(got, linesBefore) {
			t.Errorf("policy lines changed:\n%v\n-> %v", linesBefore, got)
		}
		if email, err := d.Default().Invites().CheckToken(ctx, tok.Secret()); err != nil || email != "jos\u00e9@b\u00fccher.de" {
			t.Errorf("CheckToken = %q, %v; want the invite under jos\u00e9@b\u00fccher.de", email, err)
		}
		if _, _, steps := raw.rows(); !reflect.DeepEqual(steps, []string{store.EmailStepName, scimrecords.OrphanStepName}) {
			t.Errorf("recorded steps = %v, want [%s %s]", steps, store.EmailStepName, scimrecords.OrphanStepName)
		}
		d.Close()

		// Recorded, the step does not run again: an old spelling put back
		// by hand stays as it is.
		raw.exec(`UPDATE roster_users SET email = ? WHERE id = ?`, "\uff46irst@example.com", first.ID)
		d = open(t, dsn)
		if u, err := d.Default().Users().Get(ctx, first.ID); err != nil || u.Email != "\uff46irst@example.com" {
			t.Errorf("after a second Open, Get = %+v, %v; want the hand-written spelling kept", u, err)
		}
	})
}

func policyLines(t *testing.T, raw *rawEmailDB) []string {
	t.Helper()
	rows, err := raw.db.Query(`SELECT ptype || ',' || v0 || ',' || v1 || ',' || v2 || ',' || v3 FROM casbin_rule ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		t.Fatal("no policy lines: the users' grants are missing")
	}
	return out
}
