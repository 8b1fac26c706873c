package roster_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/ratelimit"
	"github.com/rosterhq/roster/users"
)

// instances are several Directories on one database, as replicas of an
// application would open it, with an admin and members of one group.
type instances struct {
	t       *testing.T
	ds      []*roster.Directory
	admin   roster.Actor
	members []string // user ids, members of group
	group   string
}

// openInstances opens n Directories on dsn. Polling is off and the limits'
// flush (which reads limits back) is an hour away, so that only the version
// of a change, applied through AwaitVersion, brings it to another instance.
// It registers an admin and members basic users in one group through the
// first, and brings the others to its version.
func openInstances(t *testing.T, dsn string, n, members int, shared bool) *instances {
	t.Helper()
	ctx := context.Background()
	in := &instances{t: t}
	for range n {
		d, err := roster.Open(ctx, roster.Config{DSN: dsn, PollInterval: -1,
			Limits: roster.LimitsConfig{FlushInterval: time.Hour, Shared: shared}})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { d.Close() })
		in.ds = append(in.ds, d)
	}
	w := in.ds[0].Default()
	admin, err := w.Users().Register(ctx, users.Registration{Email: "admin@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	in.admin = access.UserActor(admin.ID)
	g, err := w.CreateGroup(ctx, in.admin, "Research", roster.GroupContents{})
	if err != nil {
		t.Fatal(err)
	}
	in.group = g.ID
	for i := range members {
		u, err := w.Users().Register(ctx, users.Registration{Email: string(rune('a'+i)) + "@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		in.members = append(in.members, u.ID)
	}
	if _, err := w.Groups().AddMembers(ctx, in.admin, g.ID, in.members); err != nil {
		t.Fatal(err)
	}
	in.sync()
	return in
}

// sync brings every instance to the first one's version.
func (in *instances) sync() {
	in.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, d := range in.ds[1:] {
		if err := d.AwaitVersion(ctx, in.ds[0].Version()); err != nil {
			in.t.Fatalf("AwaitVersion: %v", err)
		}
	}
}

func (in *instances) lim(i int) *ratelimit.Service { return in.ds[i].Default().Limits() }

// checks fails the test unless Check of estimate for the first member on
// instance i refuses (scope group) or admits as refuse says.
func (in *instances) checks(when string, i int, estimate int64, refuse bool) {
	in.t.Helper()
	err := in.lim(i).Check(context.Background(), in.members[0], estimate)
	var le *ratelimit.LimitError
	switch {
	case refuse && (!errors.As(err, &le) || le.Scope != ratelimit.ScopeGroup):
		in.t.Errorf("%s: instance %d Check(%d) = %v, want a refusal of scope group", when, i, estimate, err)
	case !refuse && err != nil:
		in.t.Errorf("%s: instance %d Check(%d) = %v, want it admitted", when, i, estimate, err)
	}
}

// TestLimitEditsBindEveryInstance: a limit created, edited, disabled or
// deleted on one instance binds another from the version of its change on.
// Before that version is applied there the other still answers by the old
// limits (no reload happens behind the test's back); once AwaitVersion has
// applied it, Check answers by the new ones. An estimate above a group's
// budget is refused on a full bucket, so one Check shows which budget binds.
// It runs on SQLite and PostgreSQL with in-process buckets, and on
// PostgreSQL with shared ones.
func TestLimitEditsBindEveryInstance(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) { testLimitEditsBindEveryInstance(t, dsn, false) })
	t.Run("postgres-shared", func(t *testing.T) { testLimitEditsBindEveryInstance(t, rostertest.PostgresDSN(t), true) })
}

func testLimitEditsBindEveryInstance(t *testing.T, dsn string, shared bool) {
	ctx := context.Background()
	in := openInstances(t, dsn, 2, 1, shared)
	a := in.lim(0)
	edit := func(when string, l ratelimit.Limit) {
		t.Helper()
		if _, err := a.UpdateLimit(ctx, in.admin, l); err != nil {
			t.Fatalf("%s: UpdateLimit: %v", when, err)
		}
	}
	budget := func(when string) int64 {
		t.Helper()
		st, err := in.lim(1).Status(ctx, in.members[0])
		if err != nil || len(st.Group.Limits) != 1 {
			t.Fatalf("%s: Status = %+v, %v; want one group limit", when, st, err)
		}
		return st.Group.Limits[0].Limit.Budget
	}
	in.checks("no limit yet", 1, 150, false) // B has read the limits at its version
	l, err := a.CreateLimit(ctx, in.admin, ratelimit.Limit{Scope: ratelimit.ScopeGroup, GroupID: in.group, Budget: 100, Period: time.Hour, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	in.checks("created on A", 0, 150, true)
	in.checks("created on A, not yet applied on B", 1, 150, false)
	in.sync()
	in.checks("created on A, applied on B", 1, 150, true)
	in.checks("created on A, applied on B", 1, 50, false)

	l.Budget = 60 // B's full bucket of 100 is capped at 60
	edit("lower", l)
	in.checks("lowered on A, not yet applied on B", 1, 80, false)
	in.sync()
	in.checks("lowered on A, applied on B", 1, 80, true)

	l.Budget = 200 // a raised budget refills from the edit on: Status shows it
	edit("raise", l)
	if got := budget("raised on A, not yet applied on B"); got != 60 {
		t.Errorf("raised on A, not yet applied on B: B's budget %d, want 60", got)
	}
	in.sync()
	if got := budget("raised on A, applied on B"); got != 200 {
		t.Errorf("raised on A, applied on B: B's budget %d, want 200", got)
	}

	l.Enabled = false
	edit("disable", l)
	in.checks("disabled on A, not yet applied on B", 1, 250, true)
	in.sync()
	in.checks("disabled on A, applied on B", 1, 250, false)

	l.Enabled = true
	edit("enable", l)
	in.sync()
	in.checks("enabled on A, applied on B", 1, 250, true)
	if err := a.DeleteLimit(ctx, in.admin, l.ID); err != nil {
		t.Fatal(err)
	}
	in.checks("deleted on A, not yet applied on B", 1, 250, true)
	in.sync()
	in.checks("deleted on A, applied on B", 1, 250, false)
}

// TestSharedLimitsRefusedOnSQLite: Shared needs PostgreSQL; Open refuses it
// on SQLite before it creates the file.
func TestSharedLimitsRefusedOnSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "roster.db")
	d, err := roster.Open(context.Background(), roster.Config{DSN: "sqlite:" + path, Limits: roster.LimitsConfig{Shared: true}})
	if err == nil {
		d.Close()
		t.Fatal("Open with Shared on SQLite succeeded")
	}
	if !errors.Is(err, roster.ErrInvalid) {
		t.Errorf("Open: %v, want ErrInvalid", err)
	}
	const want = "roster: LimitsConfig.Shared needs PostgreSQL, and this database is sqlite: roster: invalid input"
	if err.Error() != want {
		t.Errorf("Open: %q, want %q", err, want)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the refused Open left a database file behind (stat: %v)", err)
	}
}

// TestSharedLimitsThreeInstances: three instances hammering one group's
// budget at once, each admitting one request at a time (Check, then Record),
// admit at least 99% of the budget before the first refusal and never more
// than the budget plus one request per instance. The period is thirty days,
// so refill during the test is a few hundredths of a token. With in-process
// buckets each instance would admit the whole budget.
func TestSharedLimitsThreeInstances(t *testing.T) {
	dsn := rostertest.PostgresDSN(t)
	const (
		n       = 3
		budget  = 20_000
		request = 300 // does not divide the budget: the last admitted request overdraws
	)
	in := openInstances(t, dsn, n, n, true)
	ctx := context.Background()
	_, err := in.lim(0).CreateLimit(ctx, in.admin, ratelimit.Limit{Scope: ratelimit.ScopeGroup, GroupID: in.group,
		Budget: budget, Period: 30 * 24 * time.Hour, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	in.sync()
	var (
		mu            sync.Mutex
		admitted      int64 // tokens of the requests Check admitted
		beforeRefusal int64 = -1
		wg            sync.WaitGroup
		errs          = make(chan error, n)
	)
	for i := range n {
		wg.Go(func() {
			lim, user := in.lim(i), in.members[i]
			for {
				err := lim.Check(ctx, user, 0)
				if errors.Is(err, ratelimit.ErrRateLimited) {
					mu.Lock()
					if beforeRefusal < 0 {
						beforeRefusal = admitted
					}
					mu.Unlock()
					return
				}
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				admitted += request
				mu.Unlock()
				if err := lim.Record(ctx, user, request); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Logf("admitted %d tokens of a %d budget across %d instances (%d before the first refusal)", admitted, budget, n, beforeRefusal)
	if beforeRefusal < budget*99/100 {
		t.Errorf("%d tokens admitted before the first refusal, want at least 99%% of %d", beforeRefusal, budget)
	}
	if admitted > budget+n*request {
		t.Errorf("%d tokens admitted, want at most the budget %d plus one request per instance (%d)", admitted, budget, budget+n*request)
	}
	for i := range n {
		st, err := in.lim(i).Status(ctx, in.members[i])
		if err != nil {
			t.Fatal(err)
		}
		if spent := budget - st.Group.Remaining; spent < float64(admitted)-1 || spent > float64(admitted) {
			t.Errorf("instance %d: the group's bucket holds %.2f, want the budget less the %d admitted", i, st.Group.Remaining, admitted)
		}
	}
}

// pgExec runs one statement on the PostgreSQL database of dsn and returns the
// rows it affected.
func pgExec(t *testing.T, dsn, query string, args ...any) int64 {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.ExecContext(context.Background(), query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// sharedRows counts the shared bucket rows of limit id (any key if key is "*").
func sharedRows(t *testing.T, dsn, id, key string) int64 {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	err = db.QueryRowContext(context.Background(),
		`SELECT count(*) FROM roster_shared_buckets WHERE limit_id = $1 AND ($2 = '*' OR key = $2)`, id, key).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSharedLimitsBuckets: the rules of package ratelimit hold on shared
// buckets, and both instances see one level: a charge caps at the budget
// and floors at minus one budget, the refusal names the scope and the wait
// until the bucket recovers (the groups' the shortest), a disabled limit
// keeps its level, an edit caps the level at the new budget, and the rows
// of a deleted limit, of a deleted user, and of buckets that have refilled
// (at a flush) go.
func TestSharedLimitsBuckets(t *testing.T) {
	dsn := rostertest.PostgresDSN(t)
	ctx := context.Background()
	in := openInstances(t, dsn, 2, 2, true)
	a, b := in.lim(0), in.lim(1)
	m0, m1 := in.members[0], in.members[1]
	create := func(l ratelimit.Limit) ratelimit.Limit {
		t.Helper()
		l.Enabled = true
		got, err := a.CreateLimit(ctx, in.admin, l)
		if err != nil {
			t.Fatalf("CreateLimit(%+v): %v", l, err)
		}
		return got
	}
	status := func(lim *ratelimit.Service, user string) ratelimit.Status {
		t.Helper()
		st, err := lim.Status(ctx, user)
		if err != nil {
			t.Fatalf("Status: %v", err)
		}
		return st
	}
	record := func(user string, n int64) {
		t.Helper()
		if err := a.Record(ctx, user, n); err != nil {
			t.Fatalf("Record: %v", err)
		}
	}
	refusal := func(user string) *ratelimit.LimitError {
		t.Helper()
		var le *ratelimit.LimitError
		if err := b.Check(ctx, user, 0); !errors.As(err, &le) {
			t.Fatalf("B's Check = %v, want a *LimitError", err)
		}
		return le
	}
	wantNear := func(what string, got, want float64) {
		t.Helper()
		if got < want || got > want+1 { // refill during the test is below one token
			t.Errorf("%s = %.3f, want %v (refilled by less than one token)", what, got, want)
		}
	}
	day := 24 * time.Hour
	user := create(ratelimit.Limit{Scope: ratelimit.ScopeUser, Budget: 1000, Period: day})
	global := create(ratelimit.Limit{Scope: ratelimit.ScopeGlobal, Budget: 10_000, Period: day})
	in.sync()

	record(m0, 5000) // on A; B reads the same rows
	wantNear("m0's user level after 5000 of a 1000 budget (floored)", status(b, m0).User.Remaining, -1000)
	wantNear("the global level", status(b, m0).Global.Remaining, 5000)
	record(m1, 100)
	wantNear("m1's user level", status(b, m1).User.Remaining, 900)
	le := refusal(m0)
	if le.Scope != ratelimit.ScopeUser || le.LimitID != user.ID || le.RetryAfter > day || le.RetryAfter < day-time.Minute {
		t.Errorf("refusal of m0 = %+v, want scope user, limit %s, retry after about a day", le, user.ID)
	}
	if err := b.Check(ctx, m1, 0); err != nil {
		t.Errorf("m1's Check = %v: user buckets are per user", err)
	}

	// An edit caps the level at the new budget, on the database.
	global.Budget = 3000
	if _, err := a.UpdateLimit(ctx, in.admin, global); err != nil {
		t.Fatal(err)
	}
	in.sync()
	wantNear("the global level after the budget went down to 3000", status(b, m1).Global.Remaining, 3000)
	global.Budget = 10_000
	if _, err := a.UpdateLimit(ctx, in.admin, global); err != nil {
		t.Fatal(err)
	}
	in.sync()
	wantNear("the global level after the budget went back up", status(b, m1).Global.Remaining, 3000)

	// A disabled limit is not charged and keeps its level.
	user.Enabled = false
	if _, err := a.UpdateLimit(ctx, in.admin, user); err != nil {
		t.Fatal(err)
	}
	in.sync()
	if err := b.Check(ctx, m0, 0); err != nil {
		t.Errorf("m0's Check with the user limit disabled = %v", err)
	}

	// Groups: m0 is in Research and Design, m1 in Research only.
	w := in.ds[0].Default()
	design, err := w.CreateGroup(ctx, in.admin, "Design", roster.GroupContents{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Groups().AddMembers(ctx, in.admin, design.ID, []string{m0}); err != nil {
		t.Fatal(err)
	}
	hour := time.Hour
	research := create(ratelimit.Limit{Scope: ratelimit.ScopeGroup, GroupID: in.group, Budget: 100, Period: hour})
	create(ratelimit.Limit{Scope: ratelimit.ScopeGroup, GroupID: design.ID, Budget: 100, Period: hour})
	in.sync()
	record(m1, 150) // Research -50
	if le := refusal(m1); le.Scope != ratelimit.ScopeGroup || le.LimitID != research.ID {
		t.Errorf("refusal of m1 = %+v, want Research's group limit", le)
	}
	if err := b.Check(ctx, m0, 0); err != nil {
		t.Errorf("m0's Check with Design not exhausted = %v, want admitted", err)
	}
	record(m0, 150) // Research -200, floored at -100; Design -50
	wantNear("Research's level", status(b, m1).Group.Remaining, -100)
	le = refusal(m0)
	if le.Scope != ratelimit.ScopeGroup || le.RetryAfter > 30*time.Minute || le.RetryAfter < 29*time.Minute {
		t.Errorf("refusal of m0 = %+v, want the groups' shortest wait, Design's half hour", le)
	}

	user.Enabled = true
	if _, err := a.UpdateLimit(ctx, in.admin, user); err != nil {
		t.Fatal(err)
	}
	in.sync()
	wantNear("m0's user level, kept while disabled", status(b, m0).User.Remaining, -1000)

	// Rows go with their limit, with their user, and when full at a flush.
	if err := a.DeleteLimit(ctx, in.admin, research.ID); err != nil {
		t.Fatal(err)
	}
	if n := sharedRows(t, dsn, research.ID, "*"); n != 0 {
		t.Errorf("%d rows of the deleted limit remain", n)
	}
	if n := sharedRows(t, dsn, user.ID, m1); n != 1 {
		t.Fatalf("m1's user bucket has %d rows, want 1", n)
	}
	if _, err := w.Users().Deactivate(ctx, in.admin, m1); err != nil {
		t.Fatal(err)
	}
	if err := w.Users().Delete(ctx, in.admin, m1); err != nil {
		t.Fatal(err)
	}
	if n := sharedRows(t, dsn, user.ID, m1); n != 0 {
		t.Errorf("%d rows of the deleted user remain", n)
	}
	// Two days ago, m0's user bucket (in debt by one budget) would have
	// refilled by now; the global one, at 3000 of 10000, not within an hour.
	pgExec(t, dsn, `UPDATE roster_shared_buckets SET at = at - interval '2 days' WHERE limit_id = $1`, user.ID)
	pgExec(t, dsn, `UPDATE roster_shared_buckets SET at = at - interval '1 hour' WHERE limit_id = $1`, global.ID)
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := sharedRows(t, dsn, user.ID, "*"); n != 0 {
		t.Errorf("%d full user buckets remain after a flush", n)
	}
	if n := sharedRows(t, dsn, global.ID, "*"); n != 1 {
		t.Errorf("the global bucket, not full, has %d rows after a flush, want 1", n)
	}
	wantNear("m0's user level once refilled", status(b, m0).User.Remaining, 1000)

	// A cancelled call fails with the context's error and spends nothing.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := b.Check(cancelled, m0, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("Check with a cancelled context = %v, want context.Canceled", err)
	}
	if err := b.Record(cancelled, m0, 500); !errors.Is(err, context.Canceled) {
		t.Errorf("Record with a cancelled context = %v, want context.Canceled", err)
	}
	wantNear("m0's user level after a cancelled Record", status(b, m0).User.Remaining, 1000)
}

// TestSharedLimitsConcurrentRecords: Records from two instances at once on
// overlapping buckets (two users in the same two limited groups, under one
// global limit) all succeed and lose no spend: every bucket ends at its
// budget less exactly what was recorded into it. (The spend statement takes
// its rows in (limit, key) order so that such Records cannot deadlock
// whatever order a principal's groups come in; this test does not force two
// orders.)
func TestSharedLimitsConcurrentRecords(t *testing.T) {
	dsn := rostertest.PostgresDSN(t)
	ctx := context.Background()
	in := openInstances(t, dsn, 2, 2, true)
	w := in.ds[0].Default()
	design, err := w.CreateGroup(ctx, in.admin, "Design", roster.GroupContents{})
	if err != nil {
		t.Fatal(err)
	}
	// Added in the opposite order to the first group's members.
	if _, err := w.Groups().AddMembers(ctx, in.admin, design.ID, []string{in.members[1], in.members[0]}); err != nil {
		t.Fatal(err)
	}
	const budget = 1_000_000
	for _, l := range []ratelimit.Limit{
		{Scope: ratelimit.ScopeGroup, GroupID: in.group, Budget: budget, Period: 30 * 24 * time.Hour, Enabled: true},
		{Scope: ratelimit.ScopeGroup, GroupID: design.ID, Budget: budget, Period: 30 * 24 * time.Hour, Enabled: true},
		{Scope: ratelimit.ScopeGlobal, Budget: budget, Period: 30 * 24 * time.Hour, Enabled: true},
	} {
		if _, err := in.lim(0).CreateLimit(ctx, in.admin, l); err != nil {
			t.Fatal(err)
		}
	}
	in.sync()
	const perWorker, workers = 100, 4
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for i := range workers {
		wg.Go(func() {
			lim, user := in.lim(i%2), in.members[i/2]
			for range perWorker {
				if err := lim.Record(ctx, user, 3); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Record: %v", err)
	}
	st, err := in.lim(1).Status(ctx, in.members[0])
	if err != nil {
		t.Fatal(err)
	}
	want := float64(budget - 3*perWorker*workers)
	if len(st.Group.Limits) != 2 || len(st.Global.Limits) != 1 {
		t.Fatalf("Status = %+v, want both group limits and the global one", st)
	}
	for _, l := range append(st.Group.Limits, st.Global.Limits...) {
		if l.Remaining < want || l.Remaining > want+1 {
			t.Errorf("limit %s (%s) holds %.2f, want %v", l.Limit.ID, l.Limit.Scope, l.Remaining, want)
		}
	}
}
