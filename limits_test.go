package roster_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/ratelimit"
	"github.com/rosterhq/roster/users"
)

// limitsEnv is a Directory on a fake clock with an admin, a basic user who
// is a member of group g, and a service principal.
type limitsEnv struct {
	t                     *testing.T
	dsn                   string
	clock                 *rostertest.Clock
	d                     *roster.Directory
	admin, basic, service users.User
	g                     groups.Group
}

func newLimitsEnv(t *testing.T, dsn string) *limitsEnv {
	t.Helper()
	e := &limitsEnv{t: t, dsn: dsn, clock: rostertest.NewClock()}
	e.reopen()
	ctx := context.Background()
	us := e.d.Default().Users()
	var err error
	if e.admin, err = us.Register(ctx, users.Registration{Email: "admin@example.com"}); err != nil {
		t.Fatal(err)
	}
	if e.basic, err = us.Register(ctx, users.Registration{Email: "basic@example.com"}); err != nil {
		t.Fatal(err)
	}
	if e.service, err = us.Register(ctx, users.Registration{Email: "bot@example.com", Source: users.SourceService, Actor: roster.System}); err != nil {
		t.Fatal(err)
	}
	gs := e.d.Default().Groups()
	if e.g, err = e.d.Default().CreateGroup(ctx, e.adminActor(), "Research", roster.GroupContents{}); err != nil {
		t.Fatal(err)
	}
	if _, err := gs.AddMembers(ctx, e.adminActor(), e.g.ID, []string{e.basic.ID}); err != nil {
		t.Fatal(err)
	}
	return e
}

// reopen closes the Directory if open and opens it again on the same
// database and clock.
func (e *limitsEnv) reopen() {
	e.t.Helper()
	if e.d != nil {
		if err := e.d.Close(); err != nil {
			e.t.Fatalf("Close: %v", err)
		}
	}
	d, err := roster.Open(context.Background(), roster.Config{DSN: e.dsn, Now: e.clock.Now})
	if err != nil {
		e.t.Fatalf("Open: %v", err)
	}
	e.d = d
	e.t.Cleanup(func() { d.Close() })
}

func (e *limitsEnv) lim() *ratelimit.Service  { return e.d.Default().Limits() }
func (e *limitsEnv) adminActor() roster.Actor { return access.UserActor(e.admin.ID) }

func (e *limitsEnv) create(l ratelimit.Limit) ratelimit.Limit {
	e.t.Helper()
	got, err := e.lim().CreateLimit(context.Background(), e.adminActor(), l)
	if err != nil {
		e.t.Fatalf("CreateLimit(%+v): %v", l, err)
	}
	return got
}

func (e *limitsEnv) list() []ratelimit.Limit {
	e.t.Helper()
	got, err := e.lim().ListLimits(context.Background(), e.adminActor())
	if err != nil {
		e.t.Fatalf("ListLimits: %v", err)
	}
	return got
}

func (e *limitsEnv) record(userID string, n int64) {
	e.t.Helper()
	if err := e.lim().Record(context.Background(), userID, n); err != nil {
		e.t.Fatalf("Record(%s, %d): %v", userID, n, err)
	}
}

func (e *limitsEnv) status(userID string) ratelimit.Status {
	e.t.Helper()
	st, err := e.lim().Status(context.Background(), userID)
	if err != nil {
		e.t.Fatalf("Status(%s): %v", userID, err)
	}
	return st
}

func byID(ls []ratelimit.Limit) map[string]ratelimit.Limit {
	m := make(map[string]ratelimit.Limit, len(ls))
	for _, l := range ls {
		m[l.ID] = l
	}
	return m
}

func userLimit(budget int64, period time.Duration) ratelimit.Limit {
	return ratelimit.Limit{Scope: ratelimit.ScopeUser, Budget: budget, Period: period, Enabled: true}
}

func TestLimitsCRUD(t *testing.T) { rostertest.ForEachStore(t, testLimitsCRUD) }

func testLimitsCRUD(t *testing.T, dsn string) {
	ctx := context.Background()
	e := newLimitsEnv(t, dsn)
	global := e.create(ratelimit.Limit{Scope: ratelimit.ScopeGlobal, Budget: 1000, Period: time.Hour, Enabled: true})
	group := e.create(ratelimit.Limit{Scope: ratelimit.ScopeGroup, GroupID: e.g.ID, Budget: 500, Period: time.Hour, Enabled: true})
	if global.ID == "" || group.ID == "" || global.ID == group.ID {
		t.Fatalf("ids = %q, %q; want two distinct ids", global.ID, group.ID)
	}
	if got, want := byID(e.list()), byID([]ratelimit.Limit{global, group}); !reflect.DeepEqual(got, want) {
		t.Fatalf("ListLimits = %+v, want %+v", got, want)
	}
	group.Budget = 700
	if _, err := e.lim().UpdateLimit(ctx, e.adminActor(), group); err != nil {
		t.Fatalf("UpdateLimit: %v", err)
	}
	if got := byID(e.list()); got[group.ID].Budget != 700 {
		t.Fatalf("after UpdateLimit, ListLimits = %+v", got)
	}

	basic := access.UserActor(e.basic.ID)
	refused := []struct {
		name  string
		actor roster.Actor
		l     ratelimit.Limit
		want  error
	}{
		{"basic user", basic, userLimit(10, time.Hour), users.ErrNotAdmin},
		{"unknown group", e.adminActor(), ratelimit.Limit{Scope: ratelimit.ScopeGroup, GroupID: "nope", Budget: 1, Period: time.Hour}, groups.ErrGroupNotFound},
		{"zero budget", e.adminActor(), userLimit(0, time.Hour), ratelimit.ErrInvalid},
		{"negative budget", e.adminActor(), userLimit(-5, time.Hour), ratelimit.ErrInvalid},
		{"zero period", e.adminActor(), userLimit(10, 0), ratelimit.ErrInvalid},
		{"negative period", e.adminActor(), userLimit(10, -time.Hour), ratelimit.ErrInvalid},
		{"period over a year", e.adminActor(), userLimit(10, ratelimit.MaxPeriod+time.Second), ratelimit.ErrInvalid},
		{"fraction of a second", e.adminActor(), userLimit(10, 1500*time.Millisecond), ratelimit.ErrInvalid},
		{"unknown scope", e.adminActor(), ratelimit.Limit{Scope: "team", Budget: 1, Period: time.Hour}, ratelimit.ErrInvalid},
		{"caller's id", e.adminActor(), ratelimit.Limit{ID: "mine", Scope: ratelimit.ScopeGlobal, Budget: 1, Period: time.Hour}, ratelimit.ErrInvalid},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			v, before := e.d.Version(), e.list()
			_, err := e.lim().CreateLimit(ctx, tc.actor, tc.l)
			if !errors.Is(err, tc.want) {
				t.Fatalf("CreateLimit: got %v, want %v", err, tc.want)
			}
			if errors.Is(tc.want, ratelimit.ErrInvalid) {
				var ie *ratelimit.InvalidError
				if !errors.As(err, &ie) || !errors.Is(err, roster.ErrInvalid) {
					t.Fatalf("CreateLimit: %v is not an *InvalidError matching roster.ErrInvalid", err)
				}
			}
			// The same input as an edit of an existing limit is refused alike.
			if edit := tc.l; edit.ID == "" {
				edit.ID = global.ID
				if _, err := e.lim().UpdateLimit(ctx, tc.actor, edit); !errors.Is(err, tc.want) {
					t.Fatalf("UpdateLimit: got %v, want %v", err, tc.want)
				}
			}
			if v2 := e.d.Version(); v2 != v {
				t.Fatalf("version %d → %d: something was written", v, v2)
			}
			if after := e.list(); !reflect.DeepEqual(after, before) {
				t.Fatalf("limits changed: %+v → %+v", before, after)
			}
		})
	}

	v := e.d.Version()
	if _, err := e.lim().UpdateLimit(ctx, e.adminActor(), ratelimit.Limit{ID: "nope", Scope: ratelimit.ScopeGlobal, Budget: 1, Period: time.Hour}); !errors.Is(err, ratelimit.ErrNotFound) || !errors.Is(err, roster.ErrNotFound) {
		t.Fatalf("UpdateLimit(unknown) = %v, want ErrNotFound", err)
	}
	if err := e.lim().DeleteLimit(ctx, e.adminActor(), "nope"); !errors.Is(err, roster.ErrNotFound) {
		t.Fatalf("DeleteLimit(unknown) = %v, want ErrNotFound", err)
	}
	if err := e.lim().DeleteLimit(ctx, basic, global.ID); !errors.Is(err, users.ErrNotAdmin) {
		t.Fatalf("DeleteLimit by basic = %v, want ErrNotAdmin", err)
	}
	if _, err := e.lim().ListLimits(ctx, basic); !errors.Is(err, roster.ErrForbidden) {
		t.Fatalf("ListLimits by basic = %v, want ErrForbidden", err)
	}
	if got := e.d.Version(); got != v {
		t.Fatalf("version %d → %d after refused calls", v, got)
	}

	if got, err := e.lim().GroupLimits(ctx, e.adminActor(), e.g.ID); err != nil || len(got) != 1 || got[0].ID != group.ID {
		t.Fatalf("GroupLimits = %+v, %v; want the group's one limit", got, err)
	}
	if _, err := e.lim().GroupLimits(ctx, basic, e.g.ID); !errors.Is(err, roster.ErrForbidden) {
		t.Fatalf("GroupLimits by a plain member = %v, want ErrForbidden (out of scope)", err)
	}

	if err := e.lim().DeleteLimit(ctx, e.adminActor(), global.ID); err != nil {
		t.Fatalf("DeleteLimit: %v", err)
	}
	audit := func(target string) []string {
		page, err := e.d.Default().Audit(ctx, e.adminActor(), roster.AuditFilter{Target: target})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, ev := range page.Events {
			if ev.Actor != e.adminActor() {
				t.Errorf("%s by %s, want by the admin", ev.Action, ev.Actor)
			}
			out = append(out, ev.Action)
		}
		return out
	}
	if got, want := audit(global.ID), []string{"rate_limit.delete", "rate_limit.create"}; !reflect.DeepEqual(got, want) {
		t.Errorf("audit of the global limit = %v, want %v (newest first)", got, want)
	}
	if got, want := audit(group.ID), []string{"rate_limit.update", "rate_limit.create"}; !reflect.DeepEqual(got, want) {
		t.Errorf("audit of the group limit = %v, want %v (newest first)", got, want)
	}
	if got := e.list(); len(got) != 1 || got[0].ID != group.ID {
		t.Fatalf("after DeleteLimit, ListLimits = %+v", got)
	}
}

func TestLimitsDeletingGroupDeletesItsLimits(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		e := newLimitsEnv(t, dsn)
		other, err := e.d.Default().CreateGroup(ctx, e.adminActor(), "Other", roster.GroupContents{})
		if err != nil {
			t.Fatal(err)
		}
		e.create(ratelimit.Limit{Scope: ratelimit.ScopeGroup, GroupID: e.g.ID, Budget: 100, Period: time.Hour, Enabled: true})
		e.create(ratelimit.Limit{Scope: ratelimit.ScopeGroup, GroupID: e.g.ID, Budget: 1000, Period: 24 * time.Hour, Enabled: true})
		kept := e.create(ratelimit.Limit{Scope: ratelimit.ScopeGroup, GroupID: other.ID, Budget: 100, Period: time.Hour, Enabled: true})
		e.record(e.basic.ID, 150) // the group's bucket is in debt and saved at Close
		if err := e.lim().Check(ctx, e.basic.ID, 0); !errors.Is(err, ratelimit.ErrRateLimited) {
			t.Fatalf("Check before the group's deletion = %v, want ErrRateLimited", err)
		}
		if _, err := e.d.Default().Groups().Delete(ctx, e.adminActor(), e.g.ID); err != nil {
			t.Fatalf("Delete group: %v", err)
		}
		if got := e.list(); len(got) != 1 || got[0].ID != kept.ID {
			t.Fatalf("limits after deleting the group = %+v, want only the other group's", got)
		}
		if err := e.lim().Check(ctx, e.basic.ID, 0); err != nil {
			t.Fatalf("Check after the group's deletion = %v, want nil", err)
		}
		e.reopen()
		if got := e.list(); len(got) != 1 || got[0].ID != kept.ID {
			t.Fatalf("limits after reopen = %+v", got)
		}
	})
}

func TestLimitEditAppliesToNextCheck(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		e := newLimitsEnv(t, dsn)
		l := e.create(userLimit(1000, time.Hour))
		if err := e.lim().Check(ctx, e.basic.ID, 600); err != nil {
			t.Fatalf("Check(600) under budget 1000 = %v", err)
		}
		e.record(e.basic.ID, 100) // 900 left
		l.Budget = 500
		if _, err := e.lim().UpdateLimit(ctx, e.adminActor(), l); err != nil {
			t.Fatal(err)
		}
		// The level is kept, capped at the new budget.
		if got := e.status(e.basic.ID).User.Remaining; got != 500 {
			t.Fatalf("remaining after lowering the budget to 500 = %v, want 500", got)
		}
		err := e.lim().Check(ctx, e.basic.ID, 600)
		var le *ratelimit.LimitError
		if !errors.As(err, &le) || le.Scope != ratelimit.ScopeUser || le.LimitID != l.ID {
			t.Fatalf("Check(600) after the edit = %v, want a user-scope *LimitError for %s", err, l.ID)
		}
		l.Enabled = false
		if _, err := e.lim().UpdateLimit(ctx, e.adminActor(), l); err != nil {
			t.Fatal(err)
		}
		if err := e.lim().Check(ctx, e.basic.ID, 600); err != nil {
			t.Fatalf("Check after disabling = %v, want nil", err)
		}
		if err := e.lim().DeleteLimit(ctx, e.adminActor(), l.ID); err != nil {
			t.Fatal(err)
		}
		if st := e.status(e.basic.ID); st.User.Limited {
			t.Fatalf("status after delete = %+v, want no user limit", st)
		}
	})
}

func TestLimitsPrincipals(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		e := newLimitsEnv(t, dsn)
		user := e.create(userLimit(10, time.Hour))
		group := e.create(ratelimit.Limit{Scope: ratelimit.ScopeGroup, GroupID: e.g.ID, Budget: 10, Period: time.Hour, Enabled: true})
		global := e.create(ratelimit.Limit{Scope: ratelimit.ScopeGlobal, Budget: 1000, Period: time.Hour, Enabled: true})
		ids := func(st ratelimit.Status) []string {
			var out []string
			for _, s := range []ratelimit.ScopeStatus{st.User, st.Group, st.Global} {
				for _, l := range s.Limits {
					out = append(out, l.Limit.ID)
				}
			}
			return out
		}
		for _, tc := range []struct {
			name, id string
			want     []string
		}{
			{"member of a limited group", e.basic.ID, []string{user.ID, group.ID, global.ID}},
			{"in no group", e.admin.ID, []string{user.ID, global.ID}},
			{"service principal", e.service.ID, []string{global.ID}},
			{"unknown id", "stranger", []string{global.ID}},
			{"anonymous", "", []string{global.ID}},
		} {
			if got := ids(e.status(tc.id)); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s: limits applied = %v, want %v", tc.name, got, tc.want)
			}
		}
		// A service principal's large record leaves the user limits alone.
		e.record(e.service.ID, 50)
		if err := e.lim().Check(ctx, e.service.ID, 0); err != nil {
			t.Fatalf("service Check = %v", err)
		}
		if err := e.lim().Record(ctx, e.basic.ID, -1); !errors.Is(err, ratelimit.ErrInvalid) || !errors.Is(err, roster.ErrInvalid) {
			t.Fatalf("Record(-1) = %v, want ErrInvalid", err)
		}
		e.d.Close()
		if err := e.lim().Check(ctx, e.basic.ID, 0); !errors.Is(err, roster.ErrClosed) {
			t.Fatalf("Check after Close = %v, want ErrClosed", err)
		}
	})
}
