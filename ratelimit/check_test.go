package ratelimit_test

import (
	"testing"
	"time"

	"github.com/rosterhq/roster/ratelimit"
	"golang.org/x/time/rate"
)

// TestRefill walks one user bucket of 10 tokens per 10s (1 token/s) through time.
func TestRefill(t *testing.T) {
	e, c := newEngine(t, userLimit("u", 10, 10*time.Second))
	p := user("a")
	steps := []struct {
		advance time.Duration
		record  int64
		want    float64 // tokens after the step
	}{
		{0, 0, 10},          // a new bucket is full
		{0, 4, 6},           //
		{time.Second, 0, 7}, // 1 token per second
		{500 * time.Millisecond, 0, 7.5},
		{time.Hour, 0, 10},       // refill stops at the budget
		{0, 10, 0},               // empty, not in debt
		{2 * time.Second, 3, -1}, // refilled 2, charged 3
		{3 * time.Second, 0, 2},
	}
	for i, s := range steps {
		c.Advance(s.advance)
		if s.record > 0 {
			record(t, e, p, s.record)
		}
		if got := remaining(t, e, p, "u"); got != s.want {
			t.Fatalf("step %d: tokens = %v, want %v", i, got, s.want)
		}
	}
}

// TestDebt records more than the budget, on every kind of bucket: the bucket goes into
// debt, but never below minus one budget, and refuses until it has refilled past zero.
func TestDebt(t *testing.T) {
	limits := []ratelimit.Limit{
		userLimit("u", 10, 10*time.Second),
		groupLimit("g", "g1", 10, 10*time.Second),
		globalLimit("w", 10, 10*time.Second),
	}
	for _, l := range limits {
		t.Run(string(l.Scope), func(t *testing.T) {
			e, c := newEngine(t, l)
			p := user("a", "g1")
			record(t, e, p, 15)
			if got := remaining(t, e, p, l.ID); got != -5 {
				t.Fatalf("tokens after recording 15 of 10 = %v, want -5", got)
			}
			record(t, e, p, 25) // would reach -30: floored at minus one budget
			if got := remaining(t, e, p, l.ID); got != -10 {
				t.Fatalf("tokens after recording 40 of 10 = %v, want -10 (the floor)", got)
			}
			le := refusal(t, e.Check(p, 0))
			if le == nil || le.Scope != l.Scope || le.LimitID != l.ID {
				t.Fatalf("Check in debt = %+v, want a refusal by %s limit %q", le, l.Scope, l.ID)
			}
			c.Advance(10 * time.Second) // one period: back at exactly zero, still refused
			if err := e.Check(p, 0); refusal(t, err) == nil {
				t.Fatalf("Check at zero tokens succeeded, want a refusal")
			}
			c.Advance(time.Millisecond)
			if err := e.Check(p, 0); err != nil {
				t.Fatalf("Check just past zero = %v, want nil", err)
			}
		})
	}
}

// TestHugeDebt charges far more than the budget in one Record (ReserveN alone would
// refuse it): the bucket stops at minus one budget, so the wait is one period and the
// nanosecond it takes to pass zero, not the 999999999.67s the whole charge would cost.
func TestHugeDebt(t *testing.T) {
	for _, l := range []ratelimit.Limit{userLimit("u", 3, time.Second), globalLimit("w", 3, time.Second)} {
		e, _ := newEngine(t, l)
		p := user("a")
		record(t, e, p, 3_000_000_002)
		if got := remaining(t, e, p, l.ID); got != -3 {
			t.Errorf("%s: tokens = %v, want -3", l.Scope, got)
		}
		le := refusal(t, e.Check(p, 0))
		if le == nil || le.RetryAfter <= time.Second || le.RetryAfter > time.Second+time.Microsecond {
			t.Errorf("%s: refusal %+v, want RetryAfter just over 1s", l.Scope, le)
		}
	}
}

// TestHugeMessageBlocksGroupOnePeriod is the red-team attack: one member's huge chat
// message (a million times the budget) must not put the group's shared pool hundreds of
// hours into debt; the other members wait at most one period, and after it they chat.
func TestHugeMessageBlocksGroupOnePeriod(t *testing.T) {
	const budget, period = 1000, time.Hour
	e, c := newEngine(t, groupLimit("g", "g1", budget, period))
	attacker, member := user("attacker", "g1"), user("member", "g1")
	record(t, e, attacker, budget*1_000_000)
	le := refusal(t, e.Check(member, 0))
	if le == nil || le.Scope != ratelimit.ScopeGroup {
		t.Fatalf("member's Check after the huge message = %+v, want a group refusal", le)
	}
	if le.RetryAfter > period+time.Microsecond {
		t.Fatalf("member waits %v after one huge message, want at most one period (%v)", le.RetryAfter, period)
	}
	c.Advance(le.RetryAfter)
	if err := e.Check(member, 0); err != nil {
		t.Fatalf("member's Check after %v = %v, want nil", le.RetryAfter, err)
	}
	record(t, e, attacker, budget*1_000_000) // again: the floor holds a second time
	if got := remaining(t, e, member, "g"); got < -budget {
		t.Fatalf("group pool = %v after a second huge message, want at least -%d", got, budget)
	}
}

// TestRetryAfter checks that a refused caller succeeds at exactly RetryAfter and is
// still refused one nanosecond (and one millisecond) before, across awkward rates.
func TestRetryAfter(t *testing.T) {
	tests := []struct {
		name     string
		budget   int64
		period   time.Duration
		record   int64
		estimate int64
	}{
		{"1/s in debt, no estimate", 10, 10 * time.Second, 15, 0},
		{"1/s empty, estimate", 10, 10 * time.Second, 10, 4},
		{"7 per 3s in debt", 7, 3 * time.Second, 20, 0},
		{"7 per 3s, estimate", 7, 3 * time.Second, 6, 7},
		{"1000 per hour", 1000, time.Hour, 1999, 0},
		{"1000 per hour, estimate", 1000, time.Hour, 990, 333},
		{"1 per year", 1, 365 * 24 * time.Hour, 2, 0},
		{"1 per year, estimate", 1, 365 * 24 * time.Hour, 1, 1},
		{"fast: 1e9 per ms", 1e9, time.Millisecond, 3e9 + 7, 0},
		{"odd: 123457 per 7m13s", 123457, 7*time.Minute + 13*time.Second, 400000, 99999},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, c := newEngine(t, userLimit("u", tt.budget, tt.period))
			p := user("a")
			c.Advance(time.Duration(tt.budget) * 17) // any offset: retry math must not depend on it
			record(t, e, p, tt.record)
			le := refusal(t, e.Check(p, tt.estimate))
			if le == nil {
				t.Fatalf("Check after recording %d succeeded, want a refusal", tt.record)
			}
			d := le.RetryAfter
			for _, early := range []time.Duration{time.Millisecond, time.Nanosecond} {
				if d <= early {
					continue
				}
				probe := newProbe(t, tt.budget, tt.period, tt.record, tt.budget*17)
				probe.c.Advance(d - early)
				if err := probe.e.Check(p, tt.estimate); refusal(t, err) == nil {
					t.Errorf("Check %v before RetryAfter %v succeeded, want a refusal", early, d)
				}
			}
			c.Advance(d)
			if err := e.Check(p, tt.estimate); err != nil {
				t.Errorf("Check at RetryAfter %v = %v, want nil", d, err)
			}
		})
	}
}

type probe struct {
	e *ratelimit.Engine
	c *clock
}

// newProbe replays a TestRetryAfter case on a fresh engine, up to the refusal.
func newProbe(t *testing.T, budget int64, period time.Duration, rec int64, offset int64) probe {
	e, c := newEngine(t, userLimit("u", budget, period))
	c.Advance(time.Duration(offset))
	record(t, e, user("a"), rec)
	return probe{e, c}
}

func TestEstimateAboveBudget(t *testing.T) {
	e, _ := newEngine(t, userLimit("u", 10, time.Second))
	le := refusal(t, e.Check(user("a"), 11))
	if le == nil || le.LimitID != "u" || le.RetryAfter != rate.InfDuration {
		t.Fatalf("Check(estimate 11 of budget 10) = %+v, want refusal by u with RetryAfter InfDuration", le)
	}
	if err := e.Check(user("a"), 10); err != nil {
		t.Fatalf("Check(estimate = budget) on a full bucket = %v, want nil", err)
	}
}
