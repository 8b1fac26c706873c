package ratelimit_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/rosterhq/roster/ratelimit"
)

// scoped returns a limit of the given scope (group "g1" for a group limit).
func scoped(scope ratelimit.Scope, id string, budget int64, period time.Duration) ratelimit.Limit {
	l := ratelimit.Limit{ID: id, Scope: scope, Budget: budget, Period: period, Enabled: true}
	if scope == ratelimit.ScopeGroup {
		l.GroupID = "g1"
	}
	return l
}

var scopes = []ratelimit.Scope{ratelimit.ScopeUser, ratelimit.ScopeGroup, ratelimit.ScopeGlobal}

// TestEditKeepsLevels edits a limit's budget and period: levels are kept, capped at
// the new budget, and refill follows the new rate from the edit on.
func TestEditKeepsLevels(t *testing.T) {
	for _, sc := range scopes {
		t.Run(string(sc), func(t *testing.T) {
			e, c := newEngine(t, scoped(sc, "l", 100, 100*time.Second)) // 1 token/s
			p := user("a", "g1")
			steps := []struct {
				edit    *ratelimit.Limit
				advance time.Duration
				record  int64
				want    float64
			}{
				{nil, 0, 30, 70},
				{ptr(scoped(sc, "l", 50, 50*time.Second)), 0, 0, 50},   // capped at the new budget
				{ptr(scoped(sc, "l", 200, 200*time.Second)), 0, 0, 50}, // a higher budget keeps the level
				{nil, 10 * time.Second, 0, 60},
				{nil, 0, 100, -40},
				{nil, 20 * time.Second, 0, -20},
				{ptr(scoped(sc, "l", 200, 20*time.Second)), 0, 0, -20}, // 10 tokens/s from now on
				{nil, 3 * time.Second, 0, 10},
				{ptr(scoped(sc, "l", 5, 5*time.Second)), 0, 0, 5}, // capped again
			}
			for i, s := range steps {
				if s.edit != nil {
					if err := e.Upsert(*s.edit); err != nil {
						t.Fatal(err)
					}
				}
				c.Advance(s.advance)
				if s.record > 0 {
					record(t, e, p, s.record)
				}
				if got := remaining(t, e, p, "l"); got != s.want {
					t.Fatalf("step %d: tokens = %v, want %v", i, got, s.want)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestEditsApplyAtNextCheck disables, re-enables, removes and re-creates an exhausted
// limit, and moves it to another scope.
func TestEditsApplyAtNextCheck(t *testing.T) {
	for _, sc := range scopes {
		t.Run(string(sc), func(t *testing.T) {
			l := scoped(sc, "l", 10, 10*time.Second)
			e, _ := newEngine(t, l, userLimit("other", 1e6, time.Hour))
			p := user("a", "g1")
			record(t, e, p, 20) // -10
			off := l
			off.Enabled = false
			steps := []struct {
				name    string
				edit    func() error
				record  int64
				refused bool
			}{
				{"exhausted", nil, 0, true},
				{"disabled", func() error { return e.Upsert(off) }, 0, false},
				{"disabled is not charged", nil, 1000, false},
				{"re-enabled keeps the debt", func() error { return e.Upsert(l) }, 0, true},
				{"an unrelated edit keeps the debt", func() error { return e.Upsert(userLimit("other", 999_999, time.Hour)) }, 0, true},
				{"removed", func() error { return e.Remove("l") }, 0, false},
				{"re-created fresh", func() error { return e.Upsert(l) }, 0, false},
				{"charged again", nil, 20, true},
				{"replaced by SetLimits", func() error { return e.SetLimits([]ratelimit.Limit{userLimit("other", 1e6, time.Hour)}) }, 0, false},
			}
			for _, s := range steps {
				if s.edit != nil {
					if err := s.edit(); err != nil {
						t.Fatalf("%s: %v", s.name, err)
					}
				}
				if s.record > 0 {
					record(t, e, p, s.record)
				}
				err := e.Check(p, 0)
				if got := refusal(t, err) != nil; got != s.refused {
					t.Errorf("%s: Check = %v, want refused %v", s.name, err, s.refused)
				}
				if s.name == "re-enabled keeps the debt" {
					if got := remaining(t, e, p, "l"); got != -10 {
						t.Errorf("%s: tokens = %v, want -10: the 1000 recorded while disabled were not charged", s.name, got)
					}
				}
			}
		})
	}
}

// TestScopeChangeStartsFresh moves an exhausted limit to another scope: the new
// buckets are full.
func TestScopeChangeStartsFresh(t *testing.T) {
	for _, from := range scopes {
		for _, to := range scopes {
			if from == to {
				continue
			}
			e, _ := newEngine(t, scoped(from, "l", 10, time.Hour))
			p := user("a", "g1")
			record(t, e, p, 20)
			if err := e.Upsert(scoped(to, "l", 10, time.Hour)); err != nil {
				t.Fatal(err)
			}
			if got := remaining(t, e, p, "l"); got != 10 {
				t.Errorf("%s → %s: tokens = %v, want 10 (fresh)", from, to, got)
			}
		}
	}
}

// TestUnchangedLimitsKeepCachedPlans sets the same limits again: the users' cached
// group resolutions stay valid, so the next Check allocates nothing. A real edit
// invalidates them.
func TestUnchangedLimitsKeepCachedPlans(t *testing.T) {
	e, _ := newEngine(t, rulesLimits()...)
	p := user("a", "A", "B")
	if err := e.Check(p, 0); err != nil { // builds and caches a's plan
		t.Fatal(err)
	}
	if err := e.SetLimits(rulesLimits()); err != nil {
		t.Fatal(err)
	}
	// AllocsPerRun averages over many calls (at GOMAXPROCS 1), so a stray
	// allocation of another goroutine cannot fail the test.
	if n := testing.AllocsPerRun(100, func() { _ = e.Check(p, 0) }); n != 0 {
		t.Errorf("Check after setting the same limits: %v allocations, want 0", n)
	}
	if err := e.Upsert(groupLimit("ga", "A", 11, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if n := mallocs(func() { _ = e.Check(p, 0) }); n == 0 {
		t.Errorf("Check after an edit: no allocation, want the plan rebuilt")
	}
}

// mallocs counts the heap allocations of one call of f.
func mallocs(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.Mallocs - before.Mallocs
}
