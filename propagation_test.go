package roster_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/internal/store"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// hourPoll is the poll interval of the instances below: an hour, so that
// only a notification (or a catch-up after the listener reconnects) can
// explain a change arriving during a test.
const hourPoll = time.Hour

// logBuffer collects log text from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// instance opens one more Directory on dsn, standing for one more process
// of the application, and closes it when the test ends.
func instance(t *testing.T, dsn string, poll time.Duration, log *logBuffer) *roster.Directory {
	t.Helper()
	cfg := roster.Config{DSN: dsn, PollInterval: poll}
	if log != nil {
		cfg.Logger = slog.New(slog.NewTextHandler(log, nil))
	}
	d, err := roster.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// listening waits until every instance's listener is connected, so that
// nothing a test commits afterwards can arrive only through a reconnect.
func listening(t *testing.T, ds ...*roster.Directory) {
	t.Helper()
	for _, d := range ds {
		waitFor(t, "instance listening", func() bool { return d.Status(context.Background()).Listening })
	}
}

// reaches waits (generously: this is no timing assertion) until every
// instance's index holds version v without being asked to catch up.
func reaches(t *testing.T, v int64, ds ...*roster.Directory) {
	t.Helper()
	for _, d := range ds {
		waitFor(t, "instance reaches the version", func() bool { return d.Version() >= v })
	}
}

// canDo asks d's default workspace, failing the test on an error.
func canDo(t *testing.T, d *roster.Directory, user string, act access.Action, r access.Resource) bool {
	t.Helper()
	ok, err := d.Default().Access().Can(context.Background(), user, act, r)
	if err != nil {
		t.Fatalf("Can(%s, %s): %v", user, act, err)
	}
	return ok
}

// A grant and two revocations (a deactivation, a demotion) made on one of
// three instances are answered by the other two: by the two that follow,
// through NOTIFY alone (they poll hourly), and by the one that does not
// follow, after AwaitVersion. A write on a second instance reaches the
// first the same way.
func TestNotifyPropagatesToOtherInstances(t *testing.T) {
	dsn := rostertest.PostgresDSN(t)
	ctx := context.Background()
	a := instance(t, dsn, hourPoll, nil)
	b := instance(t, dsn, hourPoll, nil)
	c := instance(t, dsn, -1, nil) // follows nothing: only AwaitVersion moves it
	listening(t, a, b)
	wa, wb := a.Default(), b.Default()
	admin := register(t, wa, "ada@example.com")
	bob := register(t, wa, "bob@example.com")
	carol := register(t, wa, "carol@example.com")
	public := access.Resource{Kind: access.Agent, ID: "public"}
	private := access.Resource{Kind: access.Agent, ID: "private"}
	if _, err := wa.Resources().Register(ctx, roster.System, public, resources.Facts{Public: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := wa.Resources().Register(ctx, roster.System, private, resources.Facts{Owner: admin.ID}); err != nil {
		t.Fatal(err)
	}
	// A grant: carol becomes an admin, so she may edit the admin's agent.
	if _, err := wa.Users().SetRole(ctx, access.UserActor(admin.ID), carol.ID, users.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	v := a.Version()
	if c.Version() >= v {
		t.Fatalf("c is at version %d before awaiting %d: the test proves nothing", c.Version(), v)
	}
	reaches(t, v, b)
	if err := c.AwaitVersion(ctx, v); err != nil {
		t.Fatal(err)
	}
	for name, d := range map[string]*roster.Directory{"b": b, "c": c} {
		if !canDo(t, d, bob.ID, access.View, public) || !canDo(t, d, carol.ID, access.Edit, private) {
			t.Fatalf("%s at version %d does not answer the grants of version %d", name, d.Version(), v)
		}
	}
	// Revocations, one on a and one on b: each reaches the others.
	if _, err := wa.Users().Deactivate(ctx, access.UserActor(admin.ID), bob.ID); err != nil {
		t.Fatal(err)
	}
	reaches(t, a.Version(), b)
	if _, err := wb.Users().SetRole(ctx, access.UserActor(admin.ID), carol.ID, users.RoleBasic); err != nil {
		t.Fatal(err)
	}
	v = b.Version()
	reaches(t, v, a)
	if err := c.AwaitVersion(ctx, v); err != nil {
		t.Fatal(err)
	}
	for name, d := range map[string]*roster.Directory{"a": a, "b": b, "c": c} {
		if canDo(t, d, bob.ID, access.View, public) {
			t.Errorf("%s still lets deactivated bob view the public agent", name)
		}
		if canDo(t, d, carol.ID, access.Edit, private) {
			t.Errorf("%s still lets demoted carol edit the admin's agent", name)
		}
	}
	if st := b.Status(ctx); st.Lag() != 0 || st.Err != nil || !st.Listening {
		t.Fatalf("b.Status() = %+v, want no lag, no error, listening", st)
	}
}

func register(t *testing.T, w *roster.Workspace, email string) users.User {
	t.Helper()
	u, err := w.Users().Register(context.Background(), users.Registration{Email: email})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// adminDB opens a plain connection to the test database for statements a
// test makes behind roster's back.
func adminDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Killing the listeners' connections (pg_terminate_backend) and committing
// changes while they are down still converges: the notifications of those
// changes reached nobody, the poll is an hour away, so only the catch-up
// the listener makes after reconnecting can bring them.
func TestListenerReconnectCatchesUp(t *testing.T) {
	dsn := rostertest.PostgresDSN(t)
	ctx := context.Background()
	var log logBuffer
	a := instance(t, dsn, hourPoll, nil)
	b := instance(t, dsn, hourPoll, &log)
	listening(t, a, b)
	wa := a.Default()
	admin := register(t, wa, "ada@example.com")
	bob := register(t, wa, "bob@example.com")
	public := access.Resource{Kind: access.Agent, ID: "public"}
	if _, err := wa.Resources().Register(ctx, roster.System, public, resources.Facts{Public: true}); err != nil {
		t.Fatal(err)
	}
	reaches(t, a.Version(), b)
	db := adminDB(t, dsn)
	res, err := db.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = $1`, store.ListenerName)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 2 {
		t.Fatalf("terminated %d listener connections, want 2 (one per instance)", n)
	}
	waitFor(t, "b notices its listener is gone", func() bool { return !b.Status(ctx).Listening })
	if _, err := wa.Users().Deactivate(ctx, access.UserActor(admin.ID), bob.ID); err != nil {
		t.Fatal(err)
	}
	other := access.Resource{Kind: access.Agent, ID: "other"}
	if _, err := wa.Resources().Register(ctx, roster.System, other, resources.Facts{Public: true}); err != nil {
		t.Fatal(err)
	}
	reaches(t, a.Version(), b)
	if canDo(t, b, bob.ID, access.View, public) {
		t.Fatal("b lets bob, deactivated while its listener was down, view the public agent")
	}
	if !canDo(t, b, admin.ID, access.View, other) {
		t.Fatal("b does not know the agent registered while its listener was down")
	}
	waitFor(t, "b listens again", func() bool { return b.Status(ctx).Listening })
	if !strings.Contains(log.String(), "listening for changes failed") {
		t.Fatalf("b did not log the lost connection; log:\n%s", log.String())
	}
}

// A notification whose payload is not a version is logged and ignored; the
// next change's notification brings the index up to date.
func TestNotificationThatIsNotAVersionIsIgnored(t *testing.T) {
	dsn := rostertest.PostgresDSN(t)
	ctx := context.Background()
	var log logBuffer
	a := instance(t, dsn, hourPoll, nil)
	b := instance(t, dsn, hourPoll, &log)
	listening(t, a, b)
	wa := a.Default()
	admin := register(t, wa, "ada@example.com")
	reaches(t, a.Version(), b)
	before := b.Version()
	db := adminDB(t, dsn)
	for _, payload := range []string{"not-a-version", "-3", "", "99999999999999999999999"} {
		if _, err := db.ExecContext(ctx, `SELECT pg_notify($1, $2)`, store.NotifyChannel, payload); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "b logs the bad payloads", func() bool {
		return strings.Count(log.String(), "a change notification that is not a version was ignored") == 4
	})
	if got := b.Version(); got != before {
		t.Fatalf("b moved from version %d to %d on bad notifications", before, got)
	}
	agent := access.Resource{Kind: access.Agent, ID: "helper"}
	if _, err := wa.Resources().Register(ctx, roster.System, agent, resources.Facts{Public: true}); err != nil {
		t.Fatal(err)
	}
	reaches(t, a.Version(), b)
	if !canDo(t, b, admin.ID, access.View, agent) {
		t.Fatal("b does not answer the change after the bad notifications")
	}
	if st := b.Status(ctx); st.Err != nil || !st.Listening {
		t.Fatalf("b.Status() = %+v, want no error and listening", st)
	}
}

// A version missing from the changelog (a pruned changelog) cannot be
// replayed: the instance reloads its whole index from the database instead,
// and answers as the database says.
func TestChangelogGapReloadsTheIndex(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		var log logBuffer
		a := instance(t, dsn, -1, nil)
		b := instance(t, dsn, -1, &log)
		wa := a.Default()
		admin := register(t, wa, "ada@example.com")
		bob := register(t, wa, "bob@example.com")
		public := access.Resource{Kind: access.Agent, ID: "public"}
		if _, err := wa.Resources().Register(ctx, roster.System, public, resources.Facts{Public: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := wa.Users().Deactivate(ctx, access.UserActor(admin.ID), bob.ID); err != nil {
			t.Fatal(err)
		}
		v := a.Version()
		gone := b.Version() + 1
		deleteChange(t, dsn, gone)
		if err := b.AwaitVersion(ctx, v); err != nil {
			t.Fatal(err)
		}
		st := b.Status(ctx)
		if st.Reloads != 1 || st.Version < v || st.Err != nil {
			t.Fatalf("b.Status() = %+v, want one reload, version >= %d, no error", st, v)
		}
		if !canDo(t, b, admin.ID, access.View, public) || canDo(t, b, bob.ID, access.View, public) {
			t.Fatal("b after the reload does not answer as the database says")
		}
		if !strings.Contains(log.String(), "reloaded the whole index") {
			t.Fatalf("b did not log a whole reload; log:\n%s", log.String())
		}
	})
}

// A backlog longer than the reload threshold is reloaded, not replayed, and
// only the workspaces the changelog names are: another workspace's state,
// loaded before, stays as it was.
func TestLongBacklogReloadsOnlyTheChangedWorkspaces(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		var log logBuffer
		a := instance(t, dsn, -1, nil)
		other, err := a.CreateWorkspace(ctx, roster.System, "other", "Other")
		if err != nil {
			t.Fatal(err)
		}
		oa := register(t, other, "olga@example.com")
		agent := access.Resource{Kind: access.Agent, ID: "o"}
		if _, err := other.Resources().Register(ctx, roster.System, agent, resources.Facts{Owner: oa.ID}); err != nil {
			t.Fatal(err)
		}
		b := instance(t, dsn, -1, &log)
		roster.SetReloadAfter(b, 2)
		wa := a.Default()
		admin := register(t, wa, "ada@example.com")
		for _, id := range []string{"x", "y", "z"} {
			r := access.Resource{Kind: access.Agent, ID: id}
			if _, err := wa.Resources().Register(ctx, roster.System, r, resources.Facts{Public: true}); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.AwaitVersion(ctx, a.Version()); err != nil {
			t.Fatal(err)
		}
		if st := b.Status(ctx); st.Reloads != 1 {
			t.Fatalf("b.Status().Reloads = %d, want 1", st.Reloads)
		}
		if !strings.Contains(log.String(), "reloaded workspaces") || !strings.Contains(log.String(), "workspaces=[default]") {
			t.Fatalf("b did not log a reload of the default workspace alone; log:\n%s", log.String())
		}
		if !canDo(t, b, admin.ID, access.View, access.Resource{Kind: access.Agent, ID: "z"}) {
			t.Fatal("b does not answer the reloaded workspace's changes")
		}
		ok, err := b.Workspace(ctx, "other")
		if err != nil {
			t.Fatal(err)
		}
		if allowed, err := ok.Access().Can(ctx, oa.ID, access.Edit, agent); err != nil || !allowed {
			t.Fatalf("b lost the other workspace in a scoped reload: Can = %v, %v", allowed, err)
		}
	})
}

// deleteChange deletes one changelog row behind roster's back, as pruning
// would.
func deleteChange(t *testing.T, dsn string, version int64) {
	t.Helper()
	st, err := store.Open(context.Background(), store.Options{DSN: dsn, SkipMigrations: true, Logger: slog.New(slog.DiscardHandler), Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	res := st.DB.Exec(`DELETE FROM roster_changes WHERE version = ?`, version)
	if res.Error != nil || res.RowsAffected != 1 {
		t.Fatalf("delete changelog row %d: %v, %d rows", version, res.Error, res.RowsAffected)
	}
}

// Writers on two instances racing each other keep every invariant: at
// least one active admin (two admins demoting each other), unique group
// names (both creating one name), and curator derivation (one sets a
// member curator while the other removes the member); afterwards both
// indexes answer the same.
func TestConcurrentWritersOnTwoInstancesKeepInvariants(t *testing.T) {
	dsn := rostertest.PostgresDSN(t)
	ctx := context.Background()
	a := instance(t, dsn, hourPoll, nil)
	b := instance(t, dsn, hourPoll, nil)
	listening(t, a, b)
	wa, wb := a.Default(), b.Default()
	probe := access.Resource{Kind: access.Agent, ID: "admin-probe"}
	if _, err := wa.Resources().Register(ctx, roster.System, probe, resources.Facts{}); err != nil {
		t.Fatal(err)
	}
	for round := range 5 {
		ada := register(t, wa, "ada"+string(rune('a'+round))+"@example.com")
		bea := register(t, wa, "bea"+string(rune('a'+round))+"@example.com")
		for _, u := range []users.User{ada, bea} {
			if _, err := wa.Users().SetRole(ctx, roster.System, u.ID, users.RoleAdmin); err != nil {
				t.Fatal(err)
			}
		}
		// Leave ada and bea the only active admins.
		demoteOthers(t, wa, ada.ID, bea.ID)
		reaches(t, a.Version(), b)
		var errA, errB error
		race(func() { _, errA = wa.Users().SetRole(ctx, access.UserActor(ada.ID), bea.ID, users.RoleBasic) },
			func() { _, errB = wb.Users().SetRole(ctx, access.UserActor(bea.ID), ada.ID, users.RoleBasic) })
		failed := 0
		for _, err := range []error{errA, errB} {
			if err != nil {
				if !errors.Is(err, users.ErrLastAdmin) && !errors.Is(err, roster.ErrForbidden) {
					t.Fatalf("round %d: a racing demotion failed with %v, want ErrLastAdmin or ErrForbidden", round, err)
				}
				failed++
			}
		}
		if failed != 1 {
			t.Fatalf("round %d: %d of two mutual demotions failed, want exactly one", round, failed)
		}
		// Both names the same: exactly one group is created.
		name := "eng-" + string(rune('a'+round))
		race(func() { _, errA = wa.CreateGroup(ctx, roster.System, name, roster.GroupContents{}) },
			func() { _, errB = wb.CreateGroup(ctx, roster.System, name, roster.GroupContents{}) })
		if (errA == nil) == (errB == nil) {
			t.Fatalf("round %d: creating %q on both instances: %v and %v, want exactly one refused", round, name, errA, errB)
		}
		for _, err := range []error{errA, errB} {
			if err != nil && !errors.Is(err, roster.ErrConflict) {
				t.Fatalf("round %d: duplicate group refused with %v, want ErrConflict", round, err)
			}
		}
		assertOneActiveAdmin(t, probe, a, b)
	}
	curatorRace(t, a, b)
}

// curatorRace sets a member curator on one instance while the other removes
// the member from the group, several times: whichever wins, the member ends
// outside the group and basic (a curator flag never outlives membership),
// as both instances report.
func curatorRace(t *testing.T, a, b *roster.Directory) {
	t.Helper()
	ctx := context.Background()
	wa, wb := a.Default(), b.Default()
	for round := range 5 {
		bob := register(t, wa, "bob"+string(rune('a'+round))+"@example.com")
		g, err := wa.CreateGroup(ctx, roster.System, "curated-"+string(rune('a'+round)), roster.GroupContents{Members: []string{bob.ID}})
		if err != nil {
			t.Fatal(err)
		}
		converged(t, a, b)
		var errA, errB error
		race(func() { _, errA = wa.Groups().SetCurator(ctx, roster.System, g.ID, bob.ID, true) },
			func() { _, errB = wb.Groups().RemoveMembers(ctx, roster.System, g.ID, []string{bob.ID}) })
		if errB != nil {
			t.Fatalf("round %d: removing the member: %v", round, errB)
		}
		if errA != nil && !errors.Is(errA, roster.ErrInvalid) {
			t.Fatalf("round %d: setting the curator flag failed with %v, want success or a not-a-member refusal", round, errA)
		}
		converged(t, a, b)
		for name, w := range map[string]*roster.Workspace{"a": wa, "b": wb} {
			u, err := w.Users().Get(ctx, bob.ID)
			if err != nil {
				t.Fatal(err)
			}
			if u.Role != users.RoleBasic {
				t.Fatalf("round %d: %s reports bob, removed from the group, as %s; want basic", round, name, u.Role)
			}
		}
	}
}

// race runs f and g at once and waits for both.
func race(f, g func()) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	wg.Go(func() { <-start; f() })
	wg.Go(func() { <-start; g() })
	close(start)
	wg.Wait()
}

// demoteOthers leaves keep the workspace's only active admins.
func demoteOthers(t *testing.T, w *roster.Workspace, keep ...string) {
	t.Helper()
	ctx := context.Background()
	page, err := w.Users().List(ctx, users.Filter{Roles: []users.Role{users.RoleAdmin}, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range page.Users {
		if u.ID == keep[0] || u.ID == keep[1] || !u.Active {
			continue
		}
		if _, err := w.Users().SetRole(ctx, roster.System, u.ID, users.RoleBasic); err != nil {
			t.Fatal(err)
		}
	}
}

// converged waits until both instances hold the committed version.
func converged(t *testing.T, ds ...*roster.Directory) {
	t.Helper()
	v, err := ds[0].CommittedVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	reaches(t, v, ds...)
}

// assertOneActiveAdmin checks, in the database and in each instance's
// index, that at least one active admin exists.
func assertOneActiveAdmin(t *testing.T, probe access.Resource, ds ...*roster.Directory) {
	t.Helper()
	ctx := context.Background()
	page, err := ds[0].Default().Users().List(ctx, users.Filter{Roles: []users.Role{users.RoleAdmin}, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var admins []string
	for _, u := range page.Users {
		if u.Active {
			admins = append(admins, u.ID)
		}
	}
	if len(admins) == 0 {
		t.Fatal("no active admin left in the database")
	}
	converged(t, ds...)
	for _, d := range ds {
		if !canDo(t, d, admins[0], access.Edit, probe) {
			t.Fatalf("an instance's index does not treat the database's admin %s as an admin", admins[0])
		}
	}
}

// A DSN that names no reachable server, or no database on it, fails Open
// with an error that says so (and leaves no goroutine behind: TestMain
// checks).
func TestOpenWithAWrongDSN(t *testing.T) {
	ctx := context.Background()
	cases := []struct{ dsn, want string }{
		{"postgres://postgres@127.0.0.1:1/roster?sslmode=disable&connect_timeout=2", "roster: open database:"},
	}
	if base := os.Getenv(rostertest.PostgresEnv); base != "" {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/roster_no_such_database"
		cases = append(cases, struct{ dsn, want string }{u.String(), `database "roster_no_such_database" does not exist`})
	}
	for _, c := range cases {
		d, err := roster.Open(ctx, roster.Config{DSN: c.dsn})
		if err == nil {
			d.Close()
			t.Fatalf("Open(%s) succeeded", c.dsn)
		}
		if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "roster: open database:") {
			t.Errorf("Open(%s) = %v, want an error containing %q", c.dsn, err, c.want)
		}
	}
	if len(cases) == 1 { // the case that needs no server ran; say that one did not
		rostertest.SkipOrFail(t, "a missing database is tried on PostgreSQL: set %s=postgres://...", rostertest.PostgresEnv)
	}
}
