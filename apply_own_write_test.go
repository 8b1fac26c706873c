package roster_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// ownWriteSetup opens two instances on one PostgreSQL database: a, whose
// reads of the changelog fail while fail() says so, and b. b registers an
// admin, bob and a public agent, a applies them, then b commits one change
// more that a has not applied: a's next write must read the changelog
// before its own change can enter its index.
func ownWriteSetup(t *testing.T, fail func() bool) (a *roster.Directory, admin, bob string, public access.Resource) {
	t.Helper()
	dsn := rostertest.PostgresDSN(t)
	ctx := context.Background()
	gdb, err := gorm.Open(postgres.Open(dsn), &gorm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	err = gdb.Callback().Query().Before("gorm:query").Register("test:fail-changelog", func(db *gorm.DB) {
		if db.Statement.Table == "roster_changes" && fail() {
			db.AddError(errors.New("injected: changelog read failed"))
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
	a, err = roster.Open(ctx, roster.Config{DB: gdb, PollInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	b := instance(t, dsn, -1, nil)
	wb := b.Default()
	ad, err := wb.Users().Register(ctx, users.Registration{Email: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	bo, err := wb.Users().Register(ctx, users.Registration{Email: "bob@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	public = access.Resource{Kind: access.Agent, ID: "public"}
	if _, err := wb.Resources().Register(ctx, access.System, public, resources.Facts{Public: true}); err != nil {
		t.Fatal(err)
	}
	if err := a.AwaitVersion(ctx, b.Version()); err != nil {
		t.Fatal(err)
	}
	if _, err := wb.Resources().Register(ctx, access.System, access.Resource{Kind: access.Agent, ID: "other"}, resources.Facts{Public: true}); err != nil {
		t.Fatal(err)
	}
	return a, ad.ID, bo.ID, public
}

// A write whose own instance cannot apply it (the changelog read before its
// change keeps failing) does not return plain success: it returns an
// *access.NotAppliedError carrying the committed version, matching
// ErrNotApplied; once the database answers, AwaitVersion of that version
// brings the change into the index.
func TestWriteNotAppliedHereIsAnError(t *testing.T) {
	ctx := context.Background()
	var failing atomic.Bool
	a, admin, bob, public := ownWriteSetup(t, failing.Load)
	failing.Store(true)
	_, err := a.Default().Users().Deactivate(ctx, access.UserActor(admin), bob)
	failing.Store(false)
	committed, cerr := a.CommittedVersion(ctx)
	if cerr != nil {
		t.Fatal(cerr)
	}
	var ne *access.NotAppliedError
	if !errors.As(err, &ne) || !errors.Is(err, roster.ErrNotApplied) {
		t.Fatalf("Deactivate whose change this instance could not apply = %v, want *access.NotAppliedError matching ErrNotApplied", err)
	}
	if ne.Version != committed {
		t.Fatalf("NotAppliedError.Version = %d, want the committed version %d", ne.Version, committed)
	}
	if a.Version() >= committed {
		t.Fatalf("the index holds %d although reading the changelog failed", a.Version())
	}
	if got, want := access.Sentence(err, nil), "The change was saved, but this server cannot show it yet; try reading it again in a second."; got != want {
		t.Fatalf("sentence %q, want %q", got, want)
	}
	if err := a.AwaitVersion(ctx, ne.Version); err != nil {
		t.Fatal(err)
	}
	if ok := canDo(t, a, bob, access.View, public); ok {
		t.Fatal("bob, deactivated, can still view the public agent after AwaitVersion")
	}
}

// A changelog read that fails a couple of times and then succeeds is
// retried within the write: the write succeeds and its instance holds it.
func TestWriteRetriesApplyingItsOwnChange(t *testing.T) {
	ctx := context.Background()
	var armed atomic.Bool
	var failures atomic.Int64
	a, admin, bob, public := ownWriteSetup(t, func() bool {
		return armed.Load() && failures.Add(1) <= 2
	})
	armed.Store(true)
	if _, err := a.Default().Users().Deactivate(ctx, access.UserActor(admin), bob); err != nil {
		t.Fatalf("Deactivate with two failed changelog reads before a good one: %v", err)
	}
	if failures.Load() < 3 {
		t.Fatalf("the changelog was read %d times; the test needs the failures to have happened", failures.Load())
	}
	committed, err := a.CommittedVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a.Version() != committed {
		t.Fatalf("after the write returned, the index holds %d, the database %d", a.Version(), committed)
	}
	if ok := canDo(t, a, bob, access.View, public); ok {
		t.Fatal("bob, deactivated, can still view the public agent on the instance that deactivated him")
	}
}
