package ratelimit_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster/ratelimit"
)

// epoch is the fake clock's start: a whole hour, so usage hours are easy to read.
var epoch = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// clock is a fake clock, safe for concurrent use; it moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: epoch} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newEngine returns an engine on a fake clock with the given limits.
func newEngine(t testing.TB, limits ...ratelimit.Limit) (*ratelimit.Engine, *clock) {
	t.Helper()
	c := newClock()
	e := ratelimit.New(ratelimit.Config{Now: c.Now})
	if err := e.SetLimits(limits); err != nil {
		t.Fatalf("SetLimits: %v", err)
	}
	return e, c
}

func userLimit(id string, budget int64, period time.Duration) ratelimit.Limit {
	return ratelimit.Limit{ID: id, Scope: ratelimit.ScopeUser, Budget: budget, Period: period, Enabled: true}
}

func groupLimit(id, group string, budget int64, period time.Duration) ratelimit.Limit {
	return ratelimit.Limit{ID: id, Scope: ratelimit.ScopeGroup, GroupID: group, Budget: budget, Period: period, Enabled: true}
}

func globalLimit(id string, budget int64, period time.Duration) ratelimit.Limit {
	return ratelimit.Limit{ID: id, Scope: ratelimit.ScopeGlobal, Budget: budget, Period: period, Enabled: true}
}

func user(id string, groups ...string) ratelimit.Principal {
	return ratelimit.Principal{UserID: id, Groups: groups}
}

func record(t testing.TB, e *ratelimit.Engine, p ratelimit.Principal, n int64) {
	t.Helper()
	if err := e.Record(p, n); err != nil {
		t.Fatalf("Record(%+v, %d): %v", p, n, err)
	}
}

// refusal returns the *LimitError of err, failing the test if err is another error.
func refusal(t testing.TB, err error) *ratelimit.LimitError {
	t.Helper()
	if err == nil {
		return nil
	}
	var le *ratelimit.LimitError
	if !errors.As(err, &le) || !errors.Is(err, ratelimit.ErrRateLimited) {
		t.Fatalf("error %v is not a *LimitError matching ErrRateLimited", err)
	}
	return le
}

// remaining returns the tokens of limit id's bucket for p, from Status.
func remaining(t testing.TB, e *ratelimit.Engine, p ratelimit.Principal, id string) float64 {
	t.Helper()
	st, err := e.Status(p)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	for _, s := range []ratelimit.ScopeStatus{st.User, st.Group, st.Global} {
		for _, l := range s.Limits {
			if l.Limit.ID == id {
				return l.Remaining
			}
		}
	}
	t.Fatalf("Status(%+v) does not list limit %q", p, id)
	return 0
}
