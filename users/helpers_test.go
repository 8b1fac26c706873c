package users_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	_ "github.com/glebarez/go-sqlite"  // database/sql driver "sqlite", for reading the file behind a DSN
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// env is one test's Directory on a fresh database, with a second, raw
// connection to the same database for checking what was written.
type env struct {
	t   *testing.T
	ctx context.Context
	dsn string
	d   *roster.Directory
	ws  *roster.Workspace
	us  *users.Service
	raw *sql.DB
}

// newEnv opens a Directory with a fake clock on dsn; cfg.DSN and cfg.Now are
// filled in. Both connections close at cleanup.
func newEnv(t *testing.T, dsn string, cfg roster.Config) *env {
	t.Helper()
	ctx := context.Background()
	cfg.DSN = dsn
	cfg.Now = rostertest.NewClock().Now
	d, err := roster.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("Open(%s): %v", dsn, err)
	}
	t.Cleanup(func() { d.Close() })
	raw, err := openRaw(dsn)
	if err != nil {
		t.Fatalf("raw connection to %s: %v", dsn, err)
	}
	t.Cleanup(func() { raw.Close() })
	return &env{t: t, ctx: ctx, dsn: dsn, d: d, ws: d.Default(), us: d.Default().Users(), raw: raw}
}

func openRaw(dsn string) (*sql.DB, error) {
	if p, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		return sql.Open("sqlite", p+"?_pragma=busy_timeout(5000)")
	}
	return sql.Open("pgx", dsn)
}

// workspace creates another workspace as System.
func (e *env) workspace(id string) *roster.Workspace {
	e.t.Helper()
	w, err := e.d.CreateWorkspace(e.ctx, roster.System, id, "Workspace "+id)
	if err != nil {
		e.t.Fatalf("CreateWorkspace(%q): %v", id, err)
	}
	return w
}

// register registers a person in the default workspace.
func (e *env) register(email string) users.User {
	e.t.Helper()
	return e.registerIn(e.us, users.Registration{Email: email})
}

func (e *env) registerIn(us *users.Service, reg users.Registration) users.User {
	e.t.Helper()
	u, err := us.Register(e.ctx, reg)
	if err != nil {
		e.t.Fatalf("Register(%q, %q): %v", reg.Email, reg.Source, err)
	}
	return u
}

// setRole changes a role as System.
func (e *env) setRole(id string, role users.Role) users.User {
	e.t.Helper()
	u, err := e.us.SetRole(e.ctx, roster.System, id, role)
	if err != nil {
		e.t.Fatalf("SetRole(system, %s, %s): %v", id, role, err)
	}
	return u
}

// deactivate deactivates a user as System.
func (e *env) deactivate(id string) users.User {
	e.t.Helper()
	u, err := e.us.Deactivate(e.ctx, roster.System, id)
	if err != nil {
		e.t.Fatalf("Deactivate(system, %s): %v", id, err)
	}
	return u
}

// get returns a user of the default workspace.
func (e *env) get(id string) users.User {
	e.t.Helper()
	u, err := e.us.Get(e.ctx, id)
	if err != nil {
		e.t.Fatalf("Get(%s): %v", id, err)
	}
	return u
}

// own registers a resource owned by userID, as System.
func (e *env) own(userID string, kind access.Kind, id string) access.Resource {
	e.t.Helper()
	r := access.Resource{Kind: kind, ID: id}
	if _, err := e.ws.Resources().Register(e.ctx, roster.System, r, resources.Facts{Owner: userID}); err != nil {
		e.t.Fatalf("register %s owned by %s: %v", r, userID, err)
	}
	return r
}

// snapshot is everything a mutation can write: user rows, policy lines,
// audit events, changelog rows, the committed version and the version the
// Directory's index holds.
type snapshot struct {
	Users   []string
	Rules   []string
	Audit   int64
	Changes int64
	Version int64
	Applied int64
}

func (e *env) snapshot() snapshot {
	e.t.Helper()
	s := snapshot{
		Users:   e.strings("SELECT id || ' ' || workspace_id || ' ' || email || ' ' || kind || ' ' || source FROM roster_users"),
		Rules:   e.strings("SELECT ptype || ', ' || v0 || ', ' || v1 || ', ' || v2 || ', ' || v3 FROM casbin_rule"),
		Audit:   e.count("SELECT count(*) FROM roster_audit"),
		Changes: e.count("SELECT count(*) FROM roster_changes"),
		Version: e.count("SELECT version FROM roster_version"),
		Applied: e.d.Version(),
	}
	return s
}

// unchanged fails the test if anything was written since before: after a
// refusal, or a call that changes nothing.
func (e *env) unchanged(before snapshot, call string) {
	e.t.Helper()
	after := e.snapshot()
	if !reflect.DeepEqual(before, after) {
		e.t.Errorf("%s should have written nothing but changed the database:\n before %+v\n after  %+v", call, before, after)
	}
}

func (e *env) strings(query string, args ...any) []string {
	e.t.Helper()
	rows, err := e.raw.QueryContext(e.ctx, query, args...)
	if err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			e.t.Fatalf("%s: %v", query, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	sort.Strings(out)
	return out
}

func (e *env) count(query string, args ...any) int64 {
	e.t.Helper()
	var n int64
	if err := e.raw.QueryRowContext(e.ctx, query, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// placeholder returns the n-th bind parameter in the dialect of the DSN.
func (e *env) placeholder(n int) string {
	if strings.HasPrefix(e.dsn, "sqlite:") {
		return "?"
	}
	return fmt.Sprintf("$%d", n)
}

// linesOf returns every policy line whose subject is the user.
func (e *env) linesOf(userID string) []string {
	e.t.Helper()
	return e.strings("SELECT ptype || ', ' || v0 || ', ' || v1 || ', ' || v2 || ', ' || v3 FROM casbin_rule WHERE v0 = "+
		e.placeholder(1), access.UserSubject(userID))
}

// wantErr fails the test unless err matches every one of wants; a nil want
// list means success.
func wantErr(t *testing.T, call string, err error, wants ...error) {
	t.Helper()
	if len(wants) == 0 {
		if err != nil {
			t.Errorf("%s: %v, want success", call, err)
		}
		return
	}
	for _, w := range wants {
		if !errors.Is(err, w) {
			t.Errorf("%s: err = %v, want %v", call, err, w)
		}
	}
}

func roles(us []users.User) map[string]users.Role {
	out := map[string]users.Role{}
	for _, u := range us {
		out[u.Email] = u.Role
	}
	return out
}

func emails(us []users.User) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.Email
	}
	return out
}

// sameUser compares users field by field, CreatedAt as an instant (the
// PostgreSQL driver returns times in the local zone, SQLite in UTC).
func sameUser(a, b users.User) bool {
	ca, cb := a.CreatedAt, b.CreatedAt
	a.CreatedAt, b.CreatedAt = ca.UTC(), cb.UTC()
	return a == b
}

func sorted(xs []string) []string {
	out := append([]string(nil), xs...)
	sort.Strings(out)
	return out
}
