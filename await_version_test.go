package roster_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/users"
)

// A version above the committed one, which no write returned, is
// ErrVersionNotCommitted (matching ErrInvalid) at once, with or without a
// follower.
func TestAwaitVersionNotCommitted(t *testing.T) {
	ctx := context.Background()
	dsn := rostertest.SQLiteDSN(t)
	for _, poll := range []time.Duration{-1, time.Hour} {
		d, err := roster.Open(ctx, roster.Config{DSN: dsn, PollInterval: poll})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		wait, cancel := context.WithTimeout(ctx, time.Minute)
		err = d.AwaitVersion(wait, d.Version()+5)
		cancel()
		if !errors.Is(err, roster.ErrVersionNotCommitted) || !errors.Is(err, roster.ErrInvalid) {
			t.Fatalf("PollInterval %v: AwaitVersion of a version never committed = %v, want ErrVersionNotCommitted matching ErrInvalid", poll, err)
		}
	}
}

// Waiters for a version the index cannot reach (its changelog reads fail)
// do not each read the database over and over: each reads the committed
// version once and leaves the catch-ups to the follower, which runs one at
// a time for all of them.
func TestAwaitVersionWaitersShareTheFollower(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "roster.db")
	gdb, err := gorm.Open(sqlite.Open(path), &gorm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var failing atomic.Bool
	var versionReads atomic.Int64
	err = gdb.Callback().Query().Before("gorm:query").Register("test:fail-changelog", func(db *gorm.DB) {
		if failing.Load() && db.Statement.Table == "roster_changes" {
			db.AddError(errors.New("injected: changelog read failed"))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	err = gdb.Callback().Row().Before("gorm:row").Register("test:count-version", func(db *gorm.DB) {
		if failing.Load() && strings.Contains(db.Statement.SQL.String(), "FROM roster_version") {
			versionReads.Add(1)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s, err := gdb.DB(); err == nil {
			s.Close()
		}
	})
	a, err := roster.Open(ctx, roster.Config{DB: gdb, PollInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	b, err := roster.Open(ctx, roster.Config{DSN: "sqlite:" + path, PollInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	failing.Store(true)
	if _, err := b.Default().Users().Register(ctx, users.Registration{Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	v := b.Version()
	const waiters = 20
	var wg sync.WaitGroup
	var timedOut atomic.Int64
	for range waiters {
		wg.Go(func() {
			wait, cancel := context.WithTimeout(ctx, 600*time.Millisecond)
			defer cancel()
			if err := a.AwaitVersion(wait, v); errors.Is(err, context.DeadlineExceeded) {
				timedOut.Add(1)
			}
		})
	}
	wg.Wait()
	failing.Store(false)
	if timedOut.Load() != waiters {
		t.Fatalf("%d of %d waiters timed out; the test needs the version out of reach", timedOut.Load(), waiters)
	}
	t.Logf("%d waiters, %d reads of the committed version", waiters, versionReads.Load())
	// Each waiter reads the committed version once and wakes the follower
	// once; the follower's catch-ups (one per wake at most, then retries
	// 50 ms, 100 ms, 200 ms... apart) read it too. Waiters that ran their
	// own catch-ups every few milliseconds would read it hundreds of times.
	if n := versionReads.Load(); n > 3*waiters {
		t.Fatalf("%d waiters read the committed version %d times in 600 ms: they poll the database themselves", waiters, n)
	}
	if err := a.AwaitVersion(ctx, v); err != nil {
		t.Fatalf("AwaitVersion once the database answers: %v", err)
	}
}
