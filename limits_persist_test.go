package roster_test

import (
	"context"
	"errors"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/ratelimit"
	"github.com/rosterhq/roster/users"
)

// near reports whether a restored level is want or up to one token below:
// Restore charges whole tokens.
func hu(h time.Time, n int64) ratelimit.HourlyUsage { return ratelimit.HourlyUsage{Hour: h, Tokens: n} }

// countRows counts the rows of table in the database of dsn.
func countRows(t *testing.T, dsn, table string) int64 {
	t.Helper()
	var dialector gorm.Dialector
	if strings.HasPrefix(dsn, "postgres") {
		dialector = postgres.Open(dsn)
	} else {
		dialector = sqlite.Open(roster.SQLiteDSN(strings.TrimPrefix(dsn, "sqlite:")))
	}
	db, err := gorm.Open(dialector, &gorm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	defer sqlDB.Close()
	var n int64
	if err := db.Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func near(got, want float64) bool { return got <= want && got >= want-1 }

func TestLimitsRestartRestoresBucketsWithRefill(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		e := newLimitsEnv(t, dsn)
		e.create(userLimit(1000, time.Hour))
		e.create(ratelimit.Limit{Scope: ratelimit.ScopeGroup, GroupID: e.g.ID, Budget: 2000, Period: time.Hour, Enabled: true})
		e.create(ratelimit.Limit{Scope: ratelimit.ScopeGlobal, Budget: 10000, Period: 10 * time.Hour, Enabled: true})
		e.record(e.basic.ID, 1200) // user 1000 → -200 (debt), group 2000 → 800, global 10000 → 8800
		if err := e.lim().Check(ctx, e.basic.ID, 0); !errors.Is(err, ratelimit.ErrRateLimited) {
			t.Fatalf("Check in debt = %v, want ErrRateLimited", err)
		}

		e.reopen()
		st := e.status(e.basic.ID)
		if !near(st.User.Remaining, -200) || !near(st.Group.Remaining, 800) || !near(st.Global.Remaining, 8800) {
			t.Fatalf("after reopen without time passing: user %v group %v global %v, want -200, 800, 8800",
				st.User.Remaining, st.Group.Remaining, st.Global.Remaining)
		}
		if err := e.lim().Check(ctx, e.basic.ID, 0); !errors.Is(err, ratelimit.ErrRateLimited) {
			t.Fatalf("Check after reopen = %v, want ErrRateLimited: debt survives a restart", err)
		}

		e.d.Close()
		e.clock.Advance(30 * time.Minute) // refills user 500, group 1000, global 500
		e.reopen()
		st = e.status(e.basic.ID)
		if !near(st.User.Remaining, 300) || !near(st.Group.Remaining, 1800) || !near(st.Global.Remaining, 9300) {
			t.Fatalf("after 30 min closed: user %v group %v global %v, want 300, 1800, 9300",
				st.User.Remaining, st.Group.Remaining, st.Global.Remaining)
		}
		if err := e.lim().Check(ctx, e.basic.ID, 0); err != nil {
			t.Fatalf("Check after refill = %v", err)
		}

		// Once full again, the saved rows go at the next flush and a restart
		// starts full.
		e.clock.Advance(2 * time.Hour)
		e.reopen()
		st = e.status(e.basic.ID)
		if st.User.Remaining != 1000 || st.Group.Remaining != 2000 || st.Global.Remaining != 10000 {
			t.Fatalf("after refilling: %+v", st)
		}
		if err := e.lim().Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, dsn, "roster_rate_buckets"); n != 0 {
			t.Fatalf("%d saved bucket rows after every bucket refilled, want 0", n)
		}
	})
}

func TestLimitsUsageReport(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		e := newLimitsEnv(t, dsn)
		h0 := e.clock.Now().Truncate(time.Hour)
		e.record(e.basic.ID, 100)
		e.record(e.admin.ID, 10)
		e.record(e.service.ID, 1)
		e.record("", 3) // anonymous
		// Flushed but not yet reported, then more in the same hour: the rows add up.
		if err := e.lim().Flush(ctx); err != nil {
			t.Fatalf("Flush: %v", err)
		}
		e.record(e.basic.ID, 20)
		e.clock.Advance(time.Hour)
		e.record(e.basic.ID, 5)
		e.reopen()

		h1 := h0.Add(time.Hour)
		admin := e.adminActor()
		for _, tc := range []struct {
			name string
			run  func() ([]ratelimit.HourlyUsage, error)
			want []ratelimit.HourlyUsage
		}{
			{"user", func() ([]ratelimit.HourlyUsage, error) {
				return e.lim().UserUsage(ctx, admin, e.basic.ID, h0, h0.Add(2*time.Hour))
			}, []ratelimit.HourlyUsage{hu(h0, 120), hu(h1, 5)}},
			{"user, own", func() ([]ratelimit.HourlyUsage, error) {
				return e.lim().UserUsage(ctx, access.UserActor(e.basic.ID), e.basic.ID, h0, h1)
			}, []ratelimit.HourlyUsage{hu(h0, 120)}},
			{"group", func() ([]ratelimit.HourlyUsage, error) {
				return e.lim().GroupUsage(ctx, admin, e.g.ID, h0, h0.Add(2*time.Hour))
			}, []ratelimit.HourlyUsage{hu(h0, 120), hu(h1, 5)}},
			{"workspace", func() ([]ratelimit.HourlyUsage, error) {
				return e.lim().WorkspaceUsage(ctx, admin, h0, h0.Add(2*time.Hour))
			}, []ratelimit.HourlyUsage{hu(h0, 134), hu(h1, 5)}},
			{"workspace, second hour", func() ([]ratelimit.HourlyUsage, error) {
				return e.lim().WorkspaceUsage(ctx, admin, h1, h1.Add(time.Hour))
			}, []ratelimit.HourlyUsage{hu(h1, 5)}},
		} {
			got, err := tc.run()
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s usage = %v, want %v", tc.name, got, tc.want)
			}
		}
		basic := access.UserActor(e.basic.ID)
		if _, err := e.lim().UserUsage(ctx, basic, e.admin.ID, h0, h1); !errors.Is(err, users.ErrNotAdmin) {
			t.Errorf("a user reading another's usage: %v, want ErrNotAdmin", err)
		}
		if _, err := e.lim().WorkspaceUsage(ctx, basic, h0, h1); !errors.Is(err, users.ErrNotAdmin) {
			t.Errorf("a user reading the workspace's usage: %v, want ErrNotAdmin", err)
		}
		if _, err := e.lim().WorkspaceUsage(ctx, admin, h1, h0); !errors.Is(err, roster.ErrInvalid) {
			t.Errorf("until before since: %v, want ErrInvalid", err)
		}

		// Usage outlives its user; the retention prunes it.
		if _, err := e.d.Default().Users().Deactivate(ctx, admin, e.basic.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.d.Default().Users().Delete(ctx, admin, e.basic.ID); err != nil {
			t.Fatal(err)
		}
		if got, err := e.lim().UserUsage(ctx, admin, e.basic.ID, h0, h0.Add(2*time.Hour)); err != nil || len(got) != 2 {
			t.Fatalf("usage of a deleted user = %v, %v; want both hours", got, err)
		}
		if err := e.lim().Prune(ctx, h1); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.lim().WorkspaceUsage(ctx, admin, h0, h0.Add(2*time.Hour)); !reflect.DeepEqual(got, []ratelimit.HourlyUsage{hu(h1, 5)}) {
			t.Fatalf("usage after Prune(h1) = %v", got)
		}
	})
}

func TestLimitsDeletingUserDropsBuckets(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		e := newLimitsEnv(t, dsn)
		e.create(userLimit(100, time.Hour))
		e.record(e.basic.ID, 150)
		e.record(e.admin.ID, 40)
		if err := e.lim().Flush(ctx); err != nil {
			t.Fatal(err)
		}
		before := e.lim().Stats().Buckets
		admin := e.adminActor()
		if _, err := e.d.Default().Users().Deactivate(ctx, admin, e.basic.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.d.Default().Users().Delete(ctx, admin, e.basic.ID); err != nil {
			t.Fatal(err)
		}
		if got := e.lim().Stats().Buckets; got != before-1 {
			t.Fatalf("buckets after deleting a user: %d, want %d", got, before-1)
		}
		e.reopen()
		if got := e.lim().Stats().Buckets; got != 1 {
			t.Fatalf("buckets restored after reopen: %d, want 1 (the admin's)", got)
		}
		if st := e.status(e.admin.ID); !near(st.User.Remaining, 60) {
			t.Fatalf("admin's bucket after reopen: %v, want 60", st.User.Remaining)
		}
	})
}

// limitsGoroutines returns the stacks of goroutines running roster's rate-limit
// code.
func limitsGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf)) // the dump was cut: grow until it fits
	}
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "roster.(*Directory).runLimits") || strings.Contains(g, "roster/ratelimit.") {
			out = append(out, g)
		}
	}
	return out
}

func TestLimitsFlusherWritesAndStopsAtClose(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		clock := rostertest.NewClock()
		cfg := roster.Config{DSN: dsn, Now: clock.Now, Limits: roster.LimitsConfig{FlushInterval: time.Millisecond}}
		base := runtime.NumGoroutine()
		d, err := roster.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		for deadline := time.Now().Add(5 * time.Second); ; runtime.Gosched() {
			g := limitsGoroutines()
			if len(g) == 1 {
				break
			}
			if len(g) > 1 || time.Now().After(deadline) {
				t.Fatalf("want one flusher goroutine, have:\n%s", strings.Join(g, "\n\n"))
			}
		}
		lim := d.Default().Limits()
		if err := lim.Record(ctx, "", 7); err != nil {
			t.Fatal(err)
		}
		// The flusher writes without being asked: a second Directory on the same
		// database, which has nothing in memory, sees the row.
		other, err := roster.Open(ctx, roster.Config{DSN: dsn, Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { other.Close() })
		h := clock.Now().Truncate(time.Hour)
		deadline := time.Now().Add(10 * time.Second)
		for {
			got, err := other.Default().Limits().WorkspaceUsage(ctx, roster.System, h, h.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 1 && got[0].Tokens == 7 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the flusher did not write the usage within 10s: %v", got)
			}
			runtime.Gosched()
		}
		if err := other.Close(); err != nil {
			t.Fatal(err)
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		if err := d.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		// Close waits for the flusher to close its done channel; the goroutine
		// may still be returning from runLimits for a moment after that.
		for deadline := time.Now().Add(5 * time.Second); ; runtime.Gosched() {
			g := limitsGoroutines()
			if len(g) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("goroutines left after Close:\n%s", strings.Join(g, "\n\n"))
			}
		}
		// Every goroutine Open started ends (database/sql's closers may take a moment).
		for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > base; {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				t.Fatalf("%d goroutines before Open, %d after Close:\n%s", base, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
			}
			runtime.Gosched()
		}
	})
}

func TestLimitsFinalFlushAtClose(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		e := newLimitsEnv(t, dsn) // FlushInterval 10s: only Close flushes
		e.record(e.admin.ID, 11)
		e.reopen()
		h := e.clock.Now().Truncate(time.Hour)
		got, err := e.lim().UserUsage(ctx, e.adminActor(), e.admin.ID, h, h.Add(time.Hour))
		if err != nil || !reflect.DeepEqual(got, []ratelimit.HourlyUsage{hu(h, 11)}) {
			t.Fatalf("usage after Close/Open = %v, %v", got, err)
		}
	})
}

func TestLimitsFlusherPrunesPastRetention(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		clock := rostertest.NewClock()
		d, err := roster.Open(ctx, roster.Config{DSN: dsn, Now: clock.Now,
			Limits: roster.LimitsConfig{FlushInterval: time.Millisecond, Retention: time.Hour}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		lim := d.Default().Limits()
		h := clock.Now().Truncate(time.Hour)
		if err := lim.Record(ctx, "", 5); err != nil {
			t.Fatal(err)
		}
		if got, err := lim.WorkspaceUsage(ctx, roster.System, h, h.Add(time.Hour)); err != nil || len(got) != 1 {
			t.Fatalf("usage = %v, %v; want one hour", got, err)
		}
		clock.Advance(3 * time.Hour)
		for deadline := time.Now().Add(10 * time.Second); ; runtime.Gosched() {
			got, err := lim.WorkspaceUsage(ctx, roster.System, h, h.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("usage older than the retention was not pruned within 10s: %v", got)
			}
		}
	})
}
