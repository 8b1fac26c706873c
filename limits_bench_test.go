package roster_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/ratelimit"
	"github.com/rosterhq/roster/users"
)

// benchLimits returns the limits of a workspace where a user is in 5 groups
// each with a limit, under a user and a global limit (7 buckets), and the user.
func benchLimits(b *testing.B) (*ratelimit.Service, string) {
	return benchLimitsOn(b, roster.Config{DSN: rostertest.SQLiteDSN(b)})
}

// benchLimitsOn is benchLimits on the database and limits of cfg.
func benchLimitsOn(b *testing.B, cfg roster.Config) (*ratelimit.Service, string) {
	b.Helper()
	ctx := context.Background()
	d, err := roster.Open(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	ws := d.Default()
	admin, err := ws.Users().Register(ctx, users.Registration{Email: "admin@example.com"})
	if err != nil {
		b.Fatal(err)
	}
	u, err := ws.Users().Register(ctx, users.Registration{Email: "user@example.com"})
	if err != nil {
		b.Fatal(err)
	}
	actor := access.UserActor(admin.ID)
	huge := int64(1) << 50
	lim := ws.Limits()
	create := func(l ratelimit.Limit) {
		if _, err := lim.CreateLimit(ctx, actor, l); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 5 {
		g, err := ws.CreateGroup(ctx, actor, fmt.Sprintf("g%d", i), roster.GroupContents{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ws.Groups().AddMembers(ctx, actor, g.ID, []string{u.ID}); err != nil {
			b.Fatal(err)
		}
		create(ratelimit.Limit{Scope: ratelimit.ScopeGroup, GroupID: g.ID, Budget: huge, Period: time.Hour, Enabled: true})
	}
	create(ratelimit.Limit{Scope: ratelimit.ScopeUser, Budget: huge, Period: time.Hour, Enabled: true})
	create(ratelimit.Limit{Scope: ratelimit.ScopeGlobal, Budget: huge, Period: time.Hour, Enabled: true})
	if err := lim.Record(ctx, u.ID, 1); err != nil { // creates the user's bucket
		b.Fatal(err)
	}
	return lim, u.ID
}

// BenchmarkWorkspaceLimitsCheck measures Workspace.Limits().Check: the
// principal from the access index, then the engine's 7 buckets.
func BenchmarkWorkspaceLimitsCheck(b *testing.B) {
	lim, id := benchLimits(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := lim.Check(ctx, id, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWorkspaceLimitsRecord measures Workspace.Limits().Record on the same
// 7 buckets, usage aggregation included.
func BenchmarkWorkspaceLimitsRecord(b *testing.B) {
	lim, id := benchLimits(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := lim.Record(ctx, id, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSharedLimitCheck measures what a Check and a Record cost on shared
// buckets (LimitsConfig.Shared) for the same 7 buckets: one statement each on
// ROSTER_TEST_POSTGRES, a round trip to the database whatever the number of
// buckets. Without ROSTER_TEST_POSTGRES it is skipped (CI sets it).
func BenchmarkSharedLimitCheck(b *testing.B) {
	lim, id := benchLimitsOn(b, roster.Config{DSN: rostertest.PostgresDSN(b),
		Limits: roster.LimitsConfig{Shared: true}})
	ctx := context.Background()
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
