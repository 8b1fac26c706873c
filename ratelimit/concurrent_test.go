package ratelimit_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rosterhq/roster/ratelimit"
)

// TestConcurrentChargesAreExact runs records (some large), checks, status calls,
// snapshots, sweeps and limit edits from many goroutines on a frozen clock. The budget
// is large enough that no level of u, g or w reaches the debt floor, so without refill
// every level must end at exactly budget minus what was charged, and after a long wait
// at exactly the budget: a lost or doubled charge shows up. Run it with -race.
func TestConcurrentChargesAreExact(t *testing.T) {
	const budget = 10_000_000
	e, c := newEngine(t,
		userLimit("u", budget, time.Hour),
		groupLimit("g", "g1", budget, time.Hour),
		globalLimit("w", budget, time.Hour),
		userLimit("other", 50, time.Hour),
	)
	const workers, users = 8, 20
	tl := &tally{perUser: make([]atomic.Int64, users)}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { hammer(t, e, w, budget, tl) })
	}
	wg.Wait()
	T := float64(tl.total.Load())
	if got := remaining(t, e, user("u0", "g1"), "w"); got != budget-T {
		t.Errorf("global level %v, want %v", got, budget-T)
	}
	if got := remaining(t, e, user("u0", "g1"), "g"); got != budget-T {
		t.Errorf("group level %v, want %v", got, budget-T)
	}
	for u := range users {
		want := float64(budget - tl.perUser[u].Load())
		if got := remaining(t, e, user(fmt.Sprint("u", u)), "u"); got != want {
			t.Errorf("user u%d level %v, want %v", u, got, want)
		}
	}
	var usage int64
	for _, r := range e.DrainUsage() {
		if r.GroupID == "" {
			usage += r.Tokens
		}
	}
	if usage != tl.total.Load() {
		t.Errorf("usage rows sum to %d, want %d", usage, tl.total.Load())
	}
	if st := e.Stats(); st.ForcedEvictions != 0 {
		t.Errorf("forced evictions: %+v", st)
	}
	c.Advance(1000 * time.Hour) // every bucket refills to its budget, not to a raised burst
	for _, id := range []string{"u", "g", "w"} {
		if got := remaining(t, e, user("u0", "g1"), id); got != budget {
			t.Errorf("%s refilled to %v, want %v", id, got, float64(budget))
		}
	}
}

// tally counts what the goroutines of TestConcurrentChargesAreExact charged.
type tally struct {
	total   atomic.Int64
	perUser []atomic.Int64
}

// hammer is one goroutine of TestConcurrentChargesAreExact: records, checks and
// status calls by changing users and groups, with sweeps, snapshots and edits.
func hammer(t *testing.T, e *ratelimit.Engine, w int, budget int64, tl *tally) {
	for i := range 300 {
		u := (w*7 + i) % len(tl.perUser)
		p := user(fmt.Sprint("u", u), "g1", fmt.Sprint("x", i%3))
		n := int64(1 + i%5)
		if i%50 == 0 {
			n = budget/50 + 3 + int64(w)*100 // sizes differ; 48 of them stay above the floor
		}
		if err := e.Record(p, n); err != nil {
			t.Error(err)
			return
		}
		tl.total.Add(n)
		tl.perUser[u].Add(n)
		_ = e.Check(p, int64(i%3))
		if _, err := e.Status(p); err != nil {
			t.Error(err)
		}
		switch i % 60 {
		case 10:
			e.Sweep()
		case 20:
			e.Snapshot()
		case 30:
			if err := e.Upsert(userLimit("other", int64(40+w), time.Hour)); err != nil {
				t.Error(err)
			}
		}
	}
}

// TestConcurrentBigDebits races debits of up to five budgets (and small ones) on one
// shared bucket and on one user's bucket: reading the level and cutting the charge at
// the debt floor must be one step, so however they interleave the level ends at exactly
// minus one budget, and the burst as configured.
func TestConcurrentBigDebits(t *testing.T) {
	const budget = 10
	e, c := newEngine(t, globalLimit("w", budget, time.Hour), userLimit("u", budget, time.Hour))
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			p := ratelimit.Principal{Anonymous: true}
			if w%2 == 0 {
				p = user("a")
			}
			for i := range 2000 {
				n := int64(1 + (w*31+i)%(5*budget))
				if err := e.Record(p, n); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, id := range []string{"w", "u"} {
		if got := remaining(t, e, user("a"), id); got != -budget {
			t.Errorf("%s level %v, want %v", id, got, -budget)
		}
	}
	c.Advance(100000 * time.Hour)
	for _, id := range []string{"w", "u"} {
		if got := remaining(t, e, user("a"), id); got != budget {
			t.Errorf("%s refilled to %v, want %v", id, got, float64(budget))
		}
	}
}
