package roster_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/invites"
	"github.com/rosterhq/roster/ratelimit"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/scim"
	"github.com/rosterhq/roster/users"
)

// Fault injection: every write operation of users, groups, resources,
// invites, limits, tokens and API keys, and a SCIM write, is run with a
// database error injected at its first write statement, then its second,
// and so on until it completes. After each injected failure the call must
// have returned an error, and the database (every row of every table but
// the migrations table), the index's answers, the limits' in-memory state
// and the API keys' authentication must be as before the call, and the
// index must equal the one rebuilt from casbin_rule.
//
// The error comes from gorm callbacks registered on the connection the
// test gives the Directory (Config.DB), and from a wrapper of its pool that
// fails a mutation's COMMIT (the last write step of each); they fail only
// statements whose context carries faultKey, so nothing but the call under
// test is touched.

// errInjected is the database error the test injects.
var errInjected = errors.New("injected database error")

type faultKey struct{}

// injector fails the fail-th write statement (0: none) of calls whose
// context carries faultKey, and counts those statements. A write step is a
// statement of a mutation's transaction: one that incremented
// roster_version, which every mutation does first (see internal/store).
// Writes outside them are the bookkeeping the design lets run apart (mail
// delivery status, bucket snapshots, last-used times), not steps of the
// operation.
type injector struct {
	fail atomic.Int64
	seen atomic.Int64
	txs  sync.Map // gorm.ConnPool → true for the transactions of mutations
}

func (in *injector) arm(n int64) {
	in.txs.Clear()
	in.seen.Store(0)
	in.fail.Store(n)
}

// install registers the injector's callbacks on db: creates, updates and
// deletes are writes; raw statements and row queries are when their SQL
// writes (INSERT, UPDATE, DELETE, pg_notify) or locks rows (FOR UPDATE).
func (in *injector) install(t *testing.T, db *gorm.DB) {
	t.Helper()
	hook := func(always bool) func(*gorm.DB) {
		return func(db *gorm.DB) {
			ctx := db.Statement.Context
			if ctx == nil || ctx.Value(faultKey{}) == nil || in.fail.Load() == 0 {
				return
			}
			sql := db.Statement.SQL.String()
			if !always && !writes(sql) {
				return
			}
			if strings.HasPrefix(sql, "UPDATE roster_version") {
				in.txs.Store(db.Statement.ConnPool, true)
			}
			if _, ok := in.txs.Load(db.Statement.ConnPool); !ok {
				return
			}
			if in.seen.Add(1) == in.fail.Load() {
				db.AddError(fmt.Errorf("write step %d: %w", in.fail.Load(), errInjected))
			}
		}
	}
	cb := db.Callback()
	for _, err := range []error{
		cb.Create().Before("gorm:create").Register("roster_test:fault", hook(true)),
		cb.Update().Before("gorm:update").Register("roster_test:fault", hook(true)),
		cb.Delete().Before("gorm:delete").Register("roster_test:fault", hook(true)),
		cb.Raw().Before("gorm:raw").Register("roster_test:fault", hook(false)),
		cb.Row().Before("gorm:row").Register("roster_test:fault", hook(false)),
		cb.Query().Before("gorm:query").Register("roster_test:fault", hook(false)),
	} {
		if err != nil {
			t.Fatalf("register the fault callback: %v", err)
		}
	}
}

func writes(sql string) bool {
	s := strings.ToUpper(strings.TrimSpace(sql))
	return strings.HasPrefix(s, "INSERT") || strings.HasPrefix(s, "UPDATE") || strings.HasPrefix(s, "DELETE") ||
		strings.Contains(s, "PG_NOTIFY") || strings.Contains(s, "FOR UPDATE")
}

// faultEnv is one Directory on a connection with the injector installed.
type faultEnv struct {
	t    *testing.T
	ctx  context.Context
	db   *gorm.DB
	in   *injector
	d    *roster.Directory
	w    *roster.Workspace
	mail *mailbox
	keys map[string]string // raw API key or SCIM token → its id
	gone []string          // ids of deleted users, still asked about
	res  []access.Resource

	steps []string // each operation with its number of write steps
}

func newFaultEnv(t *testing.T, dsn string) *faultEnv {
	e := &faultEnv{t: t, ctx: context.Background(), db: openGorm(t, dsn), in: &injector{}, mail: &mailbox{}, keys: map[string]string{}}
	e.in.install(t, e.db)
	e.db.ConnPool = faultPool{ConnPool: e.db.ConnPool, in: e.in}
	e.db.Statement.ConnPool = e.db.ConnPool
	d, err := roster.Open(e.ctx, roster.Config{DB: e.db, Now: rostertest.NewClock().Now, PollInterval: -1,
		Limits:  roster.LimitsConfig{FlushInterval: time.Hour},
		Invites: roster.InvitesConfig{Mailer: e.mail, Link: func(_, token string) string { return linkPrefix + token }}})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	e.d, e.w = d, d.Default()
	for _, id := range []string{"c1", "c2"} {
		e.res = append(e.res, access.Resource{Kind: access.Connector, ID: id})
	}
	e.res = append(e.res, access.Resource{Kind: access.Agent, ID: "a1"}, access.Resource{Kind: access.DocumentSet, ID: "d1"})
	return e
}

// tables lists the database's tables but the migrations table.
func (e *faultEnv) tables() []string {
	var names []string
	q := `SELECT name FROM sqlite_master WHERE type = 'table'`
	if e.db.Name() == "postgres" {
		q = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`
	}
	if err := e.db.Raw(q).Scan(&names).Error; err != nil {
		e.t.Fatalf("list tables: %v", err)
	}
	names = slices.DeleteFunc(names, func(n string) bool { return strings.Contains(n, "migrations") })
	if len(names) == 0 { // else every dump is empty and compares equal
		e.t.Fatal("list tables: the database has no tables")
	}
	slices.Sort(names)
	return names
}

// dump renders every row of every table, sorted per table.
func (e *faultEnv) dump() map[string]string {
	out := map[string]string{}
	for _, tbl := range e.tables() {
		var rows []map[string]any
		if err := e.db.Table(tbl).Find(&rows).Error; err != nil {
			e.t.Fatalf("read %s: %v", tbl, err)
		}
		lines := make([]string, len(rows))
		for i, r := range rows {
			for k, v := range r {
				if b, ok := v.([]byte); ok {
					r[k] = string(b)
				}
			}
			lines[i] = fmt.Sprint(r)
		}
		slices.Sort(lines)
		out["table "+tbl] = strings.Join(lines, "\n")
	}
	return out
}

// universe is every user the database lists, the deleted ones, and the
// resources.
func (e *faultEnv) universe(f dbFacts) universe {
	un := universe{res: e.res, users: slices.Clone(e.gone)}
	for _, u := range f.users {
		un.users = append(un.users, u.ID)
	}
	return un
}

// state renders the database, the index's answers, the limits and the
// keys; it fails the test if the index differs from the one rebuilt from
// casbin_rule.
func (e *faultEnv) state(when string) map[string]string {
	e.t.Helper()
	// Authenticating records a last-used time (bookkeeping, on the fixed
	// clock): do it before reading the tables, so that reading the state
	// twice reads the same rows.
	auth := map[string]string{}
	for raw, id := range e.keys {
		tok, err := e.d.Authenticate(e.ctx, raw)
		auth["authenticate "+id] = fmt.Sprint(tok.ID, tok.Role, tok.Name, err)
	}
	out := e.dump()
	facts, err := readFacts(e.ctx, e.w)
	if err != nil {
		e.t.Fatal(err)
	}
	un := e.universe(facts)
	got := dirAnswers(e.ctx, e.w, un)
	st, err := readDBState(e.ctx, e.db)
	if err != nil {
		e.t.Fatal(err)
	}
	if diff := diffAnswers(indexAnswers(st.index, e.w.ID(), un), got, 10); len(diff) > 0 {
		e.t.Errorf("%s: the index differs from the one rebuilt from casbin_rule:\n  %s", when, strings.Join(diff, "\n  "))
	}
	for k, v := range got {
		out[k] = v
	}
	out["version"] = fmt.Sprint(e.d.Version())
	limits, err := e.w.Limits().ListLimits(e.ctx, roster.System)
	out["limits"] = fmt.Sprint(limits, err)
	for _, u := range un.users {
		st, err := e.w.Limits().Status(e.ctx, u)
		out["limit status "+u] = fmt.Sprint(st, err)
	}
	for k, v := range auth {
		out[k] = v
	}
	return out
}

// run runs op with a write error injected at step 1, 2, ... until it
// completes, checking after each failure that nothing changed; then it
// runs op's check, if any, on the completed call's result.
func (e *faultEnv) run(name string, op func(ctx context.Context) error) {
	e.t.Helper()
	ctx := context.WithValue(e.ctx, faultKey{}, true)
	before := e.state(name + ": before")
	for n := int64(1); ; n++ {
		mailed := e.mail.count()
		e.in.arm(n)
		err := op(ctx)
		hit := e.in.seen.Load() >= n
		e.in.arm(0)
		if !hit {
			if err != nil {
				e.t.Fatalf("%s: failed without an injected error: %v", name, err)
			}
			if n == 1 {
				e.t.Fatalf("%s: completed without a single write statement", name)
			}
			e.steps = append(e.steps, fmt.Sprintf("%s %d", name, n-1))
			return
		}
		if err == nil {
			e.t.Errorf("%s: write step %d failed, but the call returned no error", name, n)
		} else if !errors.Is(err, errInjected) {
			e.t.Errorf("%s: write step %d failed, and the call returned %v, which does not wrap the database's error", name, n, err)
		}
		if e.mail.count() != mailed {
			e.t.Errorf("%s: write step %d failed, but an invitation was mailed", name, n)
		}
		after := e.state(fmt.Sprintf("%s, write step %d failed", name, n))
		if diff := diffAnswers(before, after, 10); len(diff) > 0 {
			e.t.Fatalf("%s: write step %d failed and left changes:\n  %s", name, n, strings.Join(diff, "\n  "))
		}
	}
}

// must fails the test if err is not nil.
func (e *faultEnv) must(call string, err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("%s: %v", call, err)
	}
}

// token returns the invite link token of the last invitation mailed.
func (e *faultEnv) token() string {
	links := e.mail.take()
	if len(links) == 0 {
		e.t.Fatal("no invitation was mailed")
	}
	return strings.TrimPrefix(links[len(links)-1], linkPrefix)
}

func TestFaultInjection(t *testing.T) {
	forEachStore(t, func(t *testing.T, dsn string) {
		e := newFaultEnv(t, dsn)
		ids := map[string]string{}
		e.faultUsers(ids)
		e.faultGroups(ids)
		e.faultResources(ids)
		e.faultInvites(ids)
		e.faultLimits(ids)
		e.faultTokens(ids)
		t.Logf("write steps failed one by one: %s", strings.Join(e.steps, ", "))
	})
}

// register registers name@example.com through the fault loop.
func (e *faultEnv) register(ids map[string]string, name string, reg users.Registration) {
	reg.Email, reg.Actor = name+"@example.com", roster.System
	e.run("Register "+name, func(ctx context.Context) error {
		u, err := e.w.Users().Register(ctx, reg)
		ids[name] = u.ID
		return err
	})
}

func (e *faultEnv) faultUsers(ids map[string]string) {
	for _, n := range []string{"admin", "ann", "bob", "cat", "dan"} {
		e.register(ids, n, users.Registration{})
	}
	admin := access.UserActor(ids["admin"])
	e.run("CreateWorkspace", func(ctx context.Context) error {
		_, err := e.d.CreateWorkspace(ctx, roster.System, "other", "Other")
		return err
	})
	e.run("SetRole", func(ctx context.Context) error {
		_, err := e.w.Users().SetRole(ctx, admin, ids["ann"], users.RoleGlobalCurator)
		return err
	})
	e.run("SetRole to admin", func(ctx context.Context) error {
		_, err := e.w.Users().SetRole(ctx, admin, ids["cat"], users.RoleAdmin)
		return err
	})
	e.run("Deactivate", func(ctx context.Context) error {
		_, err := e.w.Users().Deactivate(ctx, admin, ids["dan"])
		return err
	})
	e.run("Activate", func(ctx context.Context) error {
		_, err := e.w.Users().Activate(ctx, admin, ids["dan"])
		return err
	})
	e.run("ChangeEmail", func(ctx context.Context) error {
		_, err := e.w.Users().ChangeEmail(ctx, admin, ids["dan"], "daniel@example.com")
		return err
	})
	e.must("Register agent", func() error {
		_, err := e.w.Resources().Register(e.ctx, roster.System, access.Resource{Kind: access.Agent, ID: "a1"}, resources.Facts{Owner: ids["dan"]})
		return err
	}())
	e.run("TransferOwnership", func(ctx context.Context) error {
		_, err := e.w.Users().TransferOwnership(ctx, admin, ids["dan"], ids["bob"])
		return err
	})
	e.run("Deactivate again", func(ctx context.Context) error {
		_, err := e.w.Users().Deactivate(ctx, admin, ids["dan"])
		return err
	})
	e.run("Delete", func(ctx context.Context) error { return e.w.Users().Delete(ctx, admin, ids["dan"]) })
	e.gone = append(e.gone, ids["dan"])
}

func (e *faultEnv) faultGroups(ids map[string]string) {
	admin := access.UserActor(ids["admin"])
	e.must("Register c1", func() error {
		_, err := e.w.Resources().Register(e.ctx, roster.System, access.Resource{Kind: access.Connector, ID: "c1"}, resources.Facts{})
		return err
	}())
	e.run("CreateGroup with contents", func(ctx context.Context) error {
		g, err := e.w.CreateGroup(ctx, admin, "eng", roster.GroupContents{Members: []string{ids["bob"]}, Connectors: []string{"c1"}})
		ids["eng"] = g.ID
		return err
	})
	e.run("CreateGroup", func(ctx context.Context) error {
		g, err := e.w.CreateGroup(ctx, admin, "ops", roster.GroupContents{})
		ids["ops"] = g.ID
		return err
	})
	e.run("Rename", func(ctx context.Context) error {
		_, err := e.w.Groups().Rename(ctx, admin, ids["ops"], "sre")
		return err
	})
	e.run("AddMembers", func(ctx context.Context) error {
		_, err := e.w.Groups().AddMembers(ctx, admin, ids["eng"], []string{ids["ann"], ids["cat"]})
		return err
	})
	e.run("SetCurator", func(ctx context.Context) error {
		_, err := e.w.Groups().SetCurator(ctx, admin, ids["eng"], ids["bob"], true)
		return err
	})
	e.run("RemoveMembers of a curator", func(ctx context.Context) error {
		_, err := e.w.Groups().RemoveMembers(ctx, admin, ids["eng"], []string{ids["bob"], ids["cat"]})
		return err
	})
	e.run("SetMembers", func(ctx context.Context) error {
		_, err := e.w.Groups().SetMembers(ctx, admin, ids["ops"], []string{ids["bob"], ids["cat"]})
		return err
	})
	e.run("AddMembers by a global curator", func(ctx context.Context) error {
		_, err := e.w.Groups().AddMembers(ctx, access.UserActor(ids["ann"]), ids["eng"], []string{ids["bob"]})
		return err
	})
	e.run("SetCurator by a global curator", func(ctx context.Context) error {
		_, err := e.w.Groups().SetCurator(ctx, access.UserActor(ids["ann"]), ids["eng"], ids["bob"], true)
		return err
	})
	e.run("ReplaceGroupContents", func(ctx context.Context) error {
		_, err := e.w.ReplaceGroupContents(ctx, admin, ids["ops"], roster.GroupContents{Members: []string{ids["ann"]}, Connectors: []string{"c1"}})
		return err
	})
}

func (e *faultEnv) faultResources(ids map[string]string) {
	admin := access.UserActor(ids["admin"])
	c2 := access.Resource{Kind: access.Connector, ID: "c2"}
	d1 := access.Resource{Kind: access.DocumentSet, ID: "d1"}
	e.run("Register", func(ctx context.Context) error {
		_, err := e.w.Resources().Register(ctx, admin, c2, resources.Facts{Owner: ids["bob"], Groups: []string{ids["eng"]}})
		return err
	})
	e.run("Register a document set", func(ctx context.Context) error {
		_, err := e.w.Resources().Register(ctx, admin, d1, resources.Facts{Public: true, Connectors: []string{"c1", "c2"}})
		return err
	})
	e.run("Update", func(ctx context.Context) error {
		_, err := e.w.Resources().Update(ctx, admin, c2, resources.Facts{Owner: ids["ann"], Public: true, Groups: []string{ids["ops"]}})
		return err
	})
	e.run("Attach", func(ctx context.Context) error {
		_, err := e.w.Resources().Attach(ctx, admin, ids["eng"], access.Resource{Kind: access.Agent, ID: "a1"})
		return err
	})
	e.run("Detach", func(ctx context.Context) error {
		_, err := e.w.Resources().Detach(ctx, admin, ids["ops"], c2)
		return err
	})
	e.run("SetAttached", func(ctx context.Context) error {
		_, err := e.w.Resources().SetAttached(ctx, admin, ids["eng"], access.Connector, []string{"c2"})
		return err
	})
	e.run("Unregister", func(ctx context.Context) error {
		_, err := e.w.Resources().Unregister(ctx, admin, d1)
		return err
	})
}

func (e *faultEnv) faultInvites(ids map[string]string) {
	admin := access.UserActor(ids["admin"])
	e.run("Invite", func(ctx context.Context) error {
		_, err := e.w.Invites().Invite(ctx, admin, []string{"eve@example.com", "fay@example.com"})
		return err
	})
	e.mail.take()
	e.run("Resend", func(ctx context.Context) error {
		_, err := e.w.Invites().Resend(ctx, admin, "eve@example.com")
		return err
	})
	token := e.token()
	e.register(ids, "eve", users.Registration{InviteToken: token})
	e.run("Revoke", func(ctx context.Context) error { return e.w.Invites().Revoke(ctx, admin, "fay@example.com") })
	e.run("SetSettings", func(ctx context.Context) error {
		_, err := e.w.Invites().SetSettings(ctx, admin, invites.Settings{Mode: invites.ModeOpen, AllowedDomains: []string{"example.com"}})
		return err
	})
}

func (e *faultEnv) faultLimits(ids map[string]string) {
	admin := access.UserActor(ids["admin"])
	var l ratelimit.Limit
	e.run("CreateLimit", func(ctx context.Context) error {
		var err error
		l, err = e.w.Limits().CreateLimit(ctx, admin, ratelimit.Limit{Scope: ratelimit.ScopeGroup, GroupID: ids["eng"], Budget: 1000, Period: time.Hour, Enabled: true})
		return err
	})
	e.must("Record", e.w.Limits().Record(e.ctx, ids["ann"], 300))
	e.run("UpdateLimit", func(ctx context.Context) error {
		l.Budget = 500
		_, err := e.w.Limits().UpdateLimit(ctx, admin, l)
		return err
	})
	e.run("CreateLimit global", func(ctx context.Context) error {
		_, err := e.w.Limits().CreateLimit(ctx, admin, ratelimit.Limit{Scope: ratelimit.ScopeGlobal, Budget: 5000, Period: time.Hour, Enabled: true})
		return err
	})
	e.run("DeleteLimit", func(ctx context.Context) error { return e.w.Limits().DeleteLimit(ctx, admin, l.ID) })
	e.run("Delete group", func(ctx context.Context) error {
		_, err := e.w.Groups().Delete(ctx, admin, ids["eng"])
		return err
	})
}

func (e *faultEnv) faultTokens(ids map[string]string) {
	admin := access.UserActor(ids["admin"])
	var keyID, scimID, scimRaw string
	e.run("CreateAPIKey", func(ctx context.Context) error {
		tok, raw, err := e.w.CreateAPIKey(ctx, admin, "ci", users.RoleBasic)
		if err == nil {
			keyID, e.keys[raw] = tok.ID, tok.ID
		}
		return err
	})
	e.run("UpdateAPIKey", func(ctx context.Context) error {
		_, err := e.w.UpdateAPIKey(ctx, admin, keyID, "ci2", users.RoleAdmin)
		return err
	})
	e.run("CreateSCIM", func(ctx context.Context) error {
		tok, raw, err := e.w.Tokens().CreateSCIM(ctx, admin, "okta")
		if err == nil {
			scimID, scimRaw, e.keys[raw] = tok.ID, raw, tok.ID
		}
		return err
	})
	h := scim.New(e.d, scim.Config{})
	e.run("SCIM POST /Users", func(ctx context.Context) error {
		body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"gil@example.com","externalId":"x1","active":true}`
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/Users", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+scimRaw)
		req.Header.Set("Content-Type", "application/scim+json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated {
			return fmt.Errorf("SCIM POST /Users: %d %s: %w", rec.Code, rec.Body, errInjected)
		}
		return nil
	})
	e.run("DeleteAPIKey", func(ctx context.Context) error { return e.w.DeleteAPIKey(ctx, admin, keyID) })
	e.run("Revoke SCIM token", func(ctx context.Context) error { return e.w.Tokens().Revoke(ctx, admin, scimID) })
}

// faultPool wraps a gorm connection pool so that the injector can fail a
// mutation's COMMIT too: the write step after its last statement. The
// transaction is rolled back and the commit reports errInjected, as when
// the database refuses a commit.
type faultPool struct {
	gorm.ConnPool
	in *injector
}

// BeginTx begins a transaction whose Commit may fail.
func (p faultPool) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	tx, err := p.ConnPool.(*sql.DB).BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &faultTx{Tx: tx, in: p.in}, nil
}

// GetDBConn returns the pool's *sql.DB, for gorm's DB().
func (p faultPool) GetDBConn() (*sql.DB, error) { return p.ConnPool.(*sql.DB), nil }

type faultTx struct {
	*sql.Tx
	in *injector
}

// Commit fails, rolling back, when the transaction is a mutation's and the
// injector's step has come.
func (t *faultTx) Commit() error {
	if _, ok := t.in.txs.Load(gorm.ConnPool(t)); ok && t.in.fail.Load() > 0 && t.in.seen.Add(1) == t.in.fail.Load() {
		t.Tx.Rollback()
		return fmt.Errorf("commit, write step %d: %w", t.in.fail.Load(), errInjected)
	}
	return t.Tx.Commit()
}
