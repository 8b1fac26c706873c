package roster_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/ratelimit"
	"github.com/rosterhq/roster/users"
)

func TestLimitsGroupScope(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		e := newLimitsEnv(t, dsn)
		gs := e.d.Default().Groups()
		other, err := e.d.Default().CreateGroup(ctx, e.adminActor(), "Other", roster.GroupContents{})
		if err != nil {
			t.Fatal(err)
		}
		mine := e.create(ratelimit.Limit{Scope: ratelimit.ScopeGroup, GroupID: e.g.ID, Budget: 100, Period: time.Hour, Enabled: true})
		e.create(ratelimit.Limit{Scope: ratelimit.ScopeGroup, GroupID: other.ID, Budget: 100, Period: time.Hour, Enabled: true})
		if _, err := gs.SetCurator(ctx, e.adminActor(), e.g.ID, e.basic.ID, true); err != nil {
			t.Fatal(err)
		}
		curator := access.UserActor(e.basic.ID)
		got, err := e.lim().GroupLimits(ctx, curator, e.g.ID)
		if err != nil || len(got) != 1 || got[0] != mine {
			t.Fatalf("curator's GroupLimits = %+v, %v; want [%+v]", got, err, mine)
		}
		if _, err := e.lim().GroupLimits(ctx, curator, other.ID); !errors.Is(err, groups.ErrGroupNotFound) {
			t.Fatalf("GroupLimits of a group the curator is not in = %v, want ErrGroupNotFound", err)
		}
		if _, err := e.lim().GroupUsage(ctx, curator, e.g.ID, time.Time{}, e.clock.Now().Add(time.Hour)); err != nil {
			t.Fatalf("curator's GroupUsage = %v", err)
		}
		// Curators read their group's limits but do not edit them.
		v := e.d.Version()
		edit := mine
		edit.Budget = 1_000_000
		if _, err := e.lim().UpdateLimit(ctx, curator, edit); !errors.Is(err, users.ErrNotAdmin) {
			t.Fatalf("curator's UpdateLimit = %v, want ErrNotAdmin", err)
		}
		if e.d.Version() != v {
			t.Fatal("a refused edit was written")
		}
	})
}

func TestLimitsWorkspacesAreSeparate(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		e := newLimitsEnv(t, dsn)
		e.create(ratelimit.Limit{Scope: ratelimit.ScopeGlobal, Budget: 10, Period: time.Hour, Enabled: true})
		ws2, err := e.d.CreateWorkspace(ctx, roster.System, "second", "Second")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := ws2.Limits().ListLimits(ctx, roster.System); err != nil || len(got) != 0 {
			t.Fatalf("limits of a new workspace = %+v, %v", got, err)
		}
		if err := ws2.Limits().Record(ctx, "", 50); err != nil {
			t.Fatal(err)
		}
		if err := e.lim().Check(ctx, "", 0); err != nil {
			t.Fatalf("the default workspace's global limit was charged by another workspace: %v", err)
		}
		e.record("", 50)
		if err := e.lim().Check(ctx, "", 0); !errors.Is(err, ratelimit.ErrRateLimited) {
			t.Fatalf("Check = %v, want ErrRateLimited", err)
		}
		if err := ws2.Limits().Check(ctx, "", 0); err != nil {
			t.Fatalf("another workspace's limit refused: %v", err)
		}
		// A limit cannot name a group of another workspace.
		g2, err := ws2.CreateGroup(ctx, roster.System, "Elsewhere", roster.GroupContents{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.lim().CreateLimit(ctx, e.adminActor(), ratelimit.Limit{Scope: ratelimit.ScopeGroup, GroupID: g2.ID, Budget: 1, Period: time.Hour})
		if !errors.Is(err, groups.ErrGroupNotFound) {
			t.Fatalf("limit on another workspace's group: %v, want ErrGroupNotFound", err)
		}
		e.reopen()
		h := e.clock.Now().Truncate(time.Hour)
		for _, tc := range []struct {
			ws   *roster.Workspace
			want int64
		}{{e.d.Default(), 50}, {mustWorkspace(t, e.d, "second"), 50}} {
			got, err := tc.ws.Limits().WorkspaceUsage(ctx, roster.System, h, h.Add(time.Hour))
			if err != nil || len(got) != 1 || got[0].Tokens != tc.want {
				t.Fatalf("%s usage = %v, %v; want %d", tc.ws.ID(), got, err, tc.want)
			}
		}
		if err := e.lim().Check(ctx, "", 0); !errors.Is(err, ratelimit.ErrRateLimited) {
			t.Fatalf("after reopen, Check = %v, want ErrRateLimited (restored debt)", err)
		}
	})
}

func mustWorkspace(t *testing.T, d *roster.Directory, id string) *roster.Workspace {
	t.Helper()
	w, err := d.Workspace(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// TestLimitsConcurrentUse runs checks, records, edits, membership changes and
// flushes at once, for the race detector, then checks that no usage is lost.
func TestLimitsConcurrentUse(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		e := newLimitsEnv(t, dsn)
		l := e.create(userLimit(1000, time.Hour))
		e.create(ratelimit.Limit{Scope: ratelimit.ScopeGroup, GroupID: e.g.ID, Budget: 1000, Period: time.Hour, Enabled: true})
		lim := e.lim()
		var wg sync.WaitGroup
		const workers, rounds = 4, 50
		for range workers {
			wg.Go(func() {
				for range rounds {
					_ = lim.Check(ctx, e.basic.ID, 1)
					if err := lim.Record(ctx, e.basic.ID, 1); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Go(func() {
			for i := range 5 {
				l.Budget = int64(1000 + i)
				if _, err := lim.UpdateLimit(ctx, e.adminActor(), l); err != nil {
					t.Error(err)
					return
				}
				if err := lim.Flush(ctx); err != nil {
					t.Error(err)
					return
				}
			}
		})
		wg.Go(func() {
			gs := e.d.Default().Groups()
			for range 3 {
				if _, err := gs.RemoveMembers(ctx, e.adminActor(), e.g.ID, []string{e.basic.ID}); err != nil {
					t.Error(err)
					return
				}
				if _, err := gs.AddMembers(ctx, e.adminActor(), e.g.ID, []string{e.basic.ID}); err != nil {
					t.Error(err)
					return
				}
			}
		})
		wg.Wait()
		h := e.clock.Now().Truncate(time.Hour)
		got, err := lim.UserUsage(ctx, e.adminActor(), e.basic.ID, h, h.Add(time.Hour))
		if err != nil || len(got) != 1 || got[0].Tokens != workers*rounds {
			t.Fatalf("usage = %v, %v; want %d tokens", got, err, workers*rounds)
		}
		// Raising the budget grants no tokens (the clock stood still); the bucket
		// started full at the budget of the moment of the first Record.
		if got := e.status(e.basic.ID).User.Remaining; got < 1000-workers*rounds || got > 1004-workers*rounds {
			t.Fatalf("user bucket = %v, want %d to %d", got, 1000-workers*rounds, 1004-workers*rounds)
		}
	})
}
