package roster_test

import (
	"context"
	"testing"
	"time"

	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/ratelimit"
)

// An instance that has not applied a limit's deletion yet spends nothing on
// the deleted limit: its Record writes no shared row for it, so none is left
// behind for good.
func TestSharedSpendSkipsDeletedLimit(t *testing.T) {
	dsn := rostertest.PostgresDSN(t)
	ctx := context.Background()
	in := openInstances(t, dsn, 2, 1, true)
	l, err := in.lim(0).CreateLimit(ctx, in.admin, ratelimit.Limit{Scope: ratelimit.ScopeGlobal, Budget: 1000, Period: time.Minute, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	in.sync()
	if err := in.lim(1).Record(ctx, in.members[0], 10); err != nil {
		t.Fatal(err)
	}
	if n := sharedRows(t, dsn, l.ID, "*"); n != 1 {
		t.Fatalf("%d shared rows after a Record on a live limit, want 1", n)
	}
	if err := in.lim(0).DeleteLimit(ctx, in.admin, l.ID); err != nil {
		t.Fatal(err)
	}
	if in.ds[1].Version() >= in.ds[0].Version() {
		t.Fatal("the second instance applied the deletion already; the test needs it behind")
	}
	if err := in.lim(1).Record(ctx, in.members[0], 10); err != nil {
		t.Fatalf("Record on the instance behind: %v", err)
	}
	if n := sharedRows(t, dsn, l.ID, "*"); n != 0 {
		t.Fatalf("%d shared rows of the deleted limit after a Record by an instance that had not applied the deletion, want 0", n)
	}
}

// The sweep (run by Flush) deletes shared rows whose limit no longer
// exists, whatever their level, and keeps rows of live limits that have not
// refilled.
func TestSharedSweepDeletesOrphanRows(t *testing.T) {
	dsn := rostertest.PostgresDSN(t)
	ctx := context.Background()
	in := openInstances(t, dsn, 1, 1, true)
	l, err := in.lim(0).CreateLimit(ctx, in.admin, ratelimit.Limit{Scope: ratelimit.ScopeGlobal, Budget: 1000, Period: time.Hour, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := in.lim(0).Record(ctx, in.members[0], 500); err != nil {
		t.Fatal(err)
	}
	pgExec(t, dsn, `INSERT INTO roster_shared_buckets (limit_id, key, tokens, at) VALUES ('gone', '', -5, now())`)
	if err := in.lim(0).Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := sharedRows(t, dsn, "gone", "*"); n != 0 {
		t.Fatalf("%d shared rows of a limit that does not exist after a flush, want 0", n)
	}
	if n := sharedRows(t, dsn, l.ID, "*"); n != 1 {
		t.Fatalf("%d shared rows of the live, half-spent limit after a flush, want 1", n)
	}
}
