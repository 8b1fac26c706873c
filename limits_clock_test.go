package roster_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/ratelimit"
	"github.com/rosterhq/roster/users"
)

// Shared buckets refill on the database's clock, not the instance's: an
// instance whose clock runs two days ahead sees no refill of a bucket
// another instance just overspent, refuses it, and its spend lands on the
// same row.
func TestSharedRefillRunsOnTheDatabaseClock(t *testing.T) {
	dsn := rostertest.PostgresDSN(t)
	ctx := context.Background()
	open := func(now func() time.Time) *roster.Directory {
		d, err := roster.Open(ctx, roster.Config{DSN: dsn, PollInterval: -1, Now: now,
			Limits: roster.LimitsConfig{FlushInterval: time.Hour, Shared: true}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	a := open(nil)
	b := open(func() time.Time { return time.Now().Add(48 * time.Hour) })
	w := a.Default()
	admin, err := w.Users().Register(ctx, users.Registration{Email: "admin@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := w.Users().Register(ctx, users.Registration{Email: "u@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Limits().CreateLimit(ctx, access.UserActor(admin.ID), ratelimit.Limit{Scope: ratelimit.ScopeUser, Budget: 1000, Period: time.Hour, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if err := b.AwaitVersion(ctx, a.Version()); err != nil {
		t.Fatal(err)
	}
	if err := w.Limits().Record(ctx, u.ID, 1200); err != nil {
		t.Fatal(err)
	}
	if err := b.Default().Limits().Check(ctx, u.ID, 0); !errors.Is(err, ratelimit.ErrRateLimited) {
		t.Fatalf("Check on the instance whose clock is 2 days ahead = %v, want ErrRateLimited (no refill on its clock)", err)
	}
	if err := b.Default().Limits().Record(ctx, u.ID, 500); err != nil {
		t.Fatal(err)
	}
	st, err := w.Limits().Status(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	// 1,700 spent of 1,000 leaves about -700, plus the refill of the
	// milliseconds the test took (1,000 an hour).
	if st.User.Remaining > -699 || st.User.Remaining < -700 {
		t.Fatalf("level %.1f after 1700 spent of 1000, want about -700", st.User.Remaining)
	}
}
