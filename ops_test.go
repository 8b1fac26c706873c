package roster_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// CommittedVersion reads the database's version: another instance's write
// raises it at once, while the instance that has not applied the change
// still reports the old Version; the difference is its lag, and it closes
// when the instance catches up. A closed Directory answers ErrClosed.
func TestCommittedVersionShowsTheLag(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a := open(t, dsn)
		b, err := roster.Open(ctx, roster.Config{DSN: dsn, PollInterval: -1}) // only AwaitVersion updates b
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if c, err := b.CommittedVersion(ctx); err != nil || c != b.Version() {
			t.Fatalf("before any write: CommittedVersion = %d, %v; want Version %d", c, err, b.Version())
		}
		admin, err := a.Default().Users().Register(ctx, users.Registration{Email: "ada@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		v, err := a.Default().Resources().Register(ctx, access.UserActor(admin.ID), access.Resource{Kind: access.Agent, ID: "helper"}, resources.Facts{Owner: admin.ID})
		if err != nil {
			t.Fatal(err)
		}
		c, err := b.CommittedVersion(ctx)
		if err != nil || c != v {
			t.Fatalf("CommittedVersion = %d, %v; want %d", c, err, v)
		}
		if lag := c - b.Version(); lag < 2 {
			t.Fatalf("lag %d, want at least the two changes b has not applied", lag)
		}
		if err := b.AwaitVersion(ctx, v); err != nil {
			t.Fatal(err)
		}
		if c, err := b.CommittedVersion(ctx); err != nil || c != b.Version() {
			t.Fatalf("after catching up: CommittedVersion = %d, %v; Version %d", c, err, b.Version())
		}
		b.Close()
		if _, err := b.CommittedVersion(ctx); !errors.Is(err, roster.ErrClosed) {
			t.Fatalf("closed: err = %v, want ErrClosed", err)
		}
	})
}

// Config.OnCheck sees every answer of Access.Can, yes, no and error alike,
// with the action and kind; errors count as no.
func TestOnCheckSeesEveryAnswer(t *testing.T) {
	type seen struct {
		act     access.Action
		kind    access.Kind
		allowed bool
	}
	var mu sync.Mutex
	var got []seen
	d, err := roster.Open(context.Background(), roster.Config{DSN: rostertest.SQLiteDSN(t), Now: rostertest.NewClock().Now,
		OnCheck: func(act access.Action, kind access.Kind, allowed bool) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, seen{act, kind, allowed})
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	ws := d.Default()
	owner, err := ws.Users().Register(ctx, users.Registration{Email: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := ws.Users().Register(ctx, users.Registration{Email: "bob@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	agent := access.Resource{Kind: access.Agent, ID: "helper"}
	if _, err := ws.Resources().Register(ctx, access.UserActor(owner.ID), agent, resources.Facts{Owner: owner.ID}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	got = nil // registration may check; count only the calls below
	mu.Unlock()
	ac := ws.Access()
	if ok, err := ac.Can(ctx, owner.ID, access.Edit, agent); !ok || err != nil {
		t.Fatalf("owner edit = %v, %v", ok, err)
	}
	if ok, err := ac.Can(ctx, other.ID, access.Edit, agent); ok || err != nil {
		t.Fatalf("other edit = %v, %v", ok, err)
	}
	if _, err := ac.Can(ctx, owner.ID, access.View, access.Resource{Kind: access.Connector, ID: "missing"}); !errors.Is(err, roster.ErrNotFound) {
		t.Fatalf("missing connector: err = %v", err)
	}
	want := []seen{{access.Edit, access.Agent, true}, {access.Edit, access.Agent, false}, {access.View, access.Connector, false}}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(want) {
		t.Fatalf("OnCheck saw %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("answer %d: OnCheck saw %v, want %v", i, got[i], want[i])
		}
	}
}
