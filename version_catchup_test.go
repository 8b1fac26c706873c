package roster_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// Two Directories on one database stand for two instances of an application:
// a write through one reaches the other's index through the changelog when
// it awaits the write's version, and not before.
func TestAwaitVersionAppliesOtherInstancesChanges(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a := open(t, dsn)
		b, err := roster.Open(ctx, roster.Config{DSN: dsn, PollInterval: -1}) // only AwaitVersion updates b
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		ws := a.Default()
		admin, err := ws.Users().Register(ctx, users.Registration{Email: "ada@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		agent := access.Resource{Kind: access.Agent, ID: "helper"}
		v, err := ws.Resources().Register(ctx, access.UserActor(admin.ID), agent, resources.Facts{Owner: admin.ID})
		if err != nil {
			t.Fatal(err)
		}
		if got := b.Version(); got >= v {
			t.Fatalf("instance b already at version %d before awaiting %d: the test proves nothing", got, v)
		}
		if _, err := b.Default().Access().Can(ctx, admin.ID, access.View, agent); !errors.Is(err, roster.ErrNotFound) {
			t.Fatalf("b before AwaitVersion: Can err = %v, want ErrNotFound (b has not seen the user yet)", err)
		}
		wait, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := b.AwaitVersion(wait, v); err != nil {
			t.Fatalf("AwaitVersion(%d): %v", v, err)
		}
		if ok, err := b.Default().Access().Can(ctx, admin.ID, access.Edit, agent); err != nil || !ok {
			t.Fatalf("b after AwaitVersion: Can(owner, edit) = %v, %v; want true", ok, err)
		}
		if got := b.Version(); got != v {
			t.Fatalf("b.Version() = %d, want %d", got, v)
		}
		// A version nobody committed cannot come from a write: refused at
		// once, not waited for.
		if err := b.AwaitVersion(ctx, v+100); !errors.Is(err, roster.ErrVersionNotCommitted) {
			t.Fatalf("AwaitVersion of an uncommitted version = %v, want ErrVersionNotCommitted", err)
		}
	})
}

// A Directory that polls takes another instance's deactivation without being
// asked: the deactivated user is denied there within the poll interval.
func TestPollingAppliesOtherInstancesDeactivation(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a := open(t, dsn)
		b, err := roster.Open(ctx, roster.Config{DSN: dsn, PollInterval: 5 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		ws := a.Default()
		admin, err := ws.Users().Register(ctx, users.Registration{Email: "ada@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		bob, err := ws.Users().Register(ctx, users.Registration{Email: "bob@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		agent := access.Resource{Kind: access.Agent, ID: "helper"}
		if _, err := ws.Resources().Register(ctx, roster.System, agent, resources.Facts{Public: true}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "b allows bob", func() bool {
			ok, _ := b.Default().Access().Can(ctx, bob.ID, access.View, agent)
			return ok
		})
		if _, err := ws.Users().Deactivate(ctx, access.UserActor(admin.ID), bob.ID); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "b denies deactivated bob", func() bool {
			ok, _ := b.Default().Access().Can(ctx, bob.ID, access.View, agent)
			return !ok
		})
	})
}

// waitFor polls cond until it holds, failing the test after 10 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10s", what)
		}
	}
}
