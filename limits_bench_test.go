package roster_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/ratelimit"
	"github.com/rosterhq/roster/users"
)

// limitsFixture is a workspace where a user is in 5 groups each with a limit,
// under a user and a global limit (7 buckets), as the engine benchmarks of
// package ratelimit have it.
type limitsFixture struct {
	lim    *ratelimit.Service // the workspace's limits
	user   string             // the user's id
	groups []string           // the user's groups, in the order they were created
	limits []ratelimit.Limit  // the 7 limits, as stored
}

// benchLimits returns the fixture on a SQLite file.
func benchLimits(tb testing.TB) limitsFixture {
	return benchLimitsOn(tb, roster.Config{DSN: rostertest.SQLiteDSN(tb)})
}

// benchLimitsOn is benchLimits on the database and limits of cfg.
func benchLimitsOn(tb testing.TB, cfg roster.Config) limitsFixture {
	tb.Helper()
	ctx := context.Background()
	d, err := roster.Open(ctx, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	ws := d.Default()
	admin, err := ws.Users().Register(ctx, users.Registration{Email: "admin@example.com"})
	if err != nil {
		tb.Fatal(err)
	}
	u, err := ws.Users().Register(ctx, users.Registration{Email: "user@example.com"})
	if err != nil {
		tb.Fatal(err)
	}
	actor := access.UserActor(admin.ID)
	huge := int64(1) << 50
	lim := ws.Limits()
	var groups []string
	create := func(l ratelimit.Limit) {
		if _, err := lim.CreateLimit(ctx, actor, l); err != nil {
			tb.Fatal(err)
		}
	}
	for i := range 5 {
		g, err := ws.CreateGroup(ctx, actor, fmt.Sprintf("g%d", i), roster.GroupContents{})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := ws.Groups().AddMembers(ctx, actor, g.ID, []string{u.ID}); err != nil {
			tb.Fatal(err)
		}
		groups = append(groups, g.ID)
		create(ratelimit.Limit{Scope: ratelimit.ScopeGroup, GroupID: g.ID, Budget: huge, Period: time.Hour, Enabled: true})
	}
	create(ratelimit.Limit{Scope: ratelimit.ScopeUser, Budget: huge, Period: time.Hour, Enabled: true})
	create(ratelimit.Limit{Scope: ratelimit.ScopeGlobal, Budget: huge, Period: time.Hour, Enabled: true})
	if err := lim.Record(ctx, u.ID, 1); err != nil { // creates the user's bucket
		tb.Fatal(err)
	}
	limits, err := lim.ListLimits(ctx, actor)
	if err != nil {
		tb.Fatal(err)
	}
	if len(limits) != 7 {
		tb.Fatalf("fixture has %d limits, want 7", len(limits))
	}
	return limitsFixture{lim: lim, user: u.ID, groups: groups, limits: limits}
}

// floor returns the engine alone (package ratelimit's Engine, the real clock)
// with the fixture's limits, and the fixture's user as a principal with the
// same groups, its bucket built: what Check and Record cost with the
// Directory's part (the principal from the access index, loading the limits)
// taken away.
func (f limitsFixture) floor(tb testing.TB) (*ratelimit.Engine, ratelimit.Principal) {
	tb.Helper()
	e := ratelimit.New(ratelimit.Config{})
	if err := e.SetLimits(f.limits); err != nil {
		tb.Fatal(err)
	}
	p := ratelimit.Principal{UserID: f.user, Groups: f.groups}
	if err := e.Record(p, 1); err != nil {
		tb.Fatal(err)
	}
	return e, p
}

// BenchmarkWorkspaceLimitsCheck measures Workspace.Limits().Check: the
// principal from the access index, then the engine's 7 buckets. Its floor is
// BenchmarkWorkspaceLimitsCheckFloor, in the same run.
func BenchmarkWorkspaceLimitsCheck(b *testing.B) {
	f := benchLimits(b)
	ctx := context.Background()
	b.ReportAllocs()
	cpu := rostertest.StartCPU()
	for b.Loop() {
		if err := f.lim.Check(ctx, f.user, 1); err != nil {
			b.Fatal(err)
		}
	}
	rostertest.ReportCPU(b, cpu)
}

// BenchmarkWorkspaceLimitsCheckFloor is the floor of
// BenchmarkWorkspaceLimitsCheck: the engine's own Check on the same limits,
// user and groups.
func BenchmarkWorkspaceLimitsCheckFloor(b *testing.B) {
	e, p := benchLimits(b).floor(b)
	b.ReportAllocs()
	cpu := rostertest.StartCPU()
	for b.Loop() {
		if err := e.Check(p, 1); err != nil {
			b.Fatal(err)
		}
	}
	rostertest.ReportCPU(b, cpu)
}

// BenchmarkWorkspaceLimitsRecord measures Workspace.Limits().Record on the same
// 7 buckets, usage aggregation included. Its floor is
// BenchmarkWorkspaceLimitsRecordFloor, in the same run.
func BenchmarkWorkspaceLimitsRecord(b *testing.B) {
	f := benchLimits(b)
	ctx := context.Background()
	b.ReportAllocs()
	cpu := rostertest.StartCPU()
	for b.Loop() {
		if err := f.lim.Record(ctx, f.user, 1); err != nil {
			b.Fatal(err)
		}
	}
	rostertest.ReportCPU(b, cpu)
}

// BenchmarkWorkspaceLimitsRecordFloor is the floor of
// BenchmarkWorkspaceLimitsRecord: the engine's own Record on the same limits,
// user and groups.
func BenchmarkWorkspaceLimitsRecordFloor(b *testing.B) {
	e, p := benchLimits(b).floor(b)
	b.ReportAllocs()
	cpu := rostertest.StartCPU()
	for b.Loop() {
		if err := e.Record(p, 1); err != nil {
			b.Fatal(err)
		}
	}
	rostertest.ReportCPU(b, cpu)
}

// BenchmarkSharedLimitCheck measures what a Check and a Record cost on shared
// buckets (LimitsConfig.Shared) for the same 7 buckets: one statement each on
// ROSTER_TEST_POSTGRES, a round trip to the database whatever the number of
// buckets. Its floor, round-trip, is one such round trip with nothing to do
// (SELECT 1 through database/sql and the same driver, on the same database).
// Without ROSTER_TEST_POSTGRES it is skipped (CI sets it).
func BenchmarkSharedLimitCheck(b *testing.B) {
	dsn := rostertest.PostgresDSN(b)
	f := benchLimitsOn(b, roster.Config{DSN: dsn, Limits: roster.LimitsConfig{Shared: true}})
	lim, id := f.lim, f.user
	ctx := context.Background()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	b.Run("round-trip", func(b *testing.B) {
		b.ReportAllocs()
		var one int
		for b.Loop() {
			if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
				b.Fatal(one, err)
			}
		}
	})
	b.Run("check", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := lim.Check(ctx, id, 1); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("record", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := lim.Record(ctx, id, 1); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("check-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := lim.Check(ctx, id, 1); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	// Every Record of the user spends the same 7 rows (its user bucket, its
	// 5 groups', the global one), each locked until the statement commits:
	// parallel spends on one group's rows serialize, so this is the ceiling
	// of Records per second on one group, whatever the number of instances.
	b.Run("record-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := lim.Record(ctx, id, 1); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// TestWorkspaceLimitsDoNotAllocate holds Workspace.Limits().Check and Record
// to 0 allocations per call, as the engine's own, so that a regression fails
// a test and not only a benchmark figure. The calls must do their work: the
// user's groups bind (a Record of a group's whole budget makes the next Check
// refuse), which an early return could not fake.
func TestWorkspaceLimitsDoNotAllocate(t *testing.T) {
	f := benchLimitsOn(t, roster.Config{DSN: rostertest.SQLiteDSN(t),
		Limits: roster.LimitsConfig{FlushInterval: time.Hour}}) // no flush while measuring
	ctx := context.Background()
	var errs [2]error
	for name, call := range map[string]func(){
		"Check":  func() { errs[0] = f.lim.Check(ctx, f.user, 1) },
		"Record": func() { errs[1] = f.lim.Record(ctx, f.user, 1) },
	} {
		if n := testing.AllocsPerRun(100, call); n != 0 {
			t.Errorf("%s allocates %v times per call, want 0", name, n)
		}
	}
	if errs != [2]error{} {
		t.Fatalf("Check, Record = %v, want no errors", errs)
	}
	if err := f.lim.Record(ctx, f.user, 1<<51); err != nil { // twice every budget
		t.Fatal(err)
	}
	var lerr *ratelimit.LimitError
	if err := f.lim.Check(ctx, f.user, 1); !errors.As(err, &lerr) {
		t.Fatalf("Check after spending every budget = %v, want a *ratelimit.LimitError", err)
	}
}
