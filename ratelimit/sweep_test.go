package ratelimit_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/rosterhq/roster/ratelimit"
)

func TestSweepDropsOnlyFullBuckets(t *testing.T) {
	e, c := newEngine(t, userLimit("u", 10, 10*time.Second), globalLimit("w", 1000, time.Hour))
	record(t, e, user("a"), 1)
	record(t, e, user("b"), 10)
	c.Advance(time.Second) // a is full again, b holds 1
	if got := e.Sweep(); got != 1 {
		t.Errorf("Sweep() = %d, want 1", got)
	}
	want := ratelimit.Stats{Users: 1, Buckets: 2, Swept: 1}
	if got := e.Stats(); got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
	if got := remaining(t, e, user("a"), "u"); got != 10 {
		t.Errorf("swept bucket reads %v, want 10", got)
	}
	if got := remaining(t, e, user("b"), "u"); got != 1 {
		t.Errorf("kept bucket reads %v, want 1", got)
	}
}

// op is one step of a random sequence run against several engines.
type op struct {
	advance time.Duration
	p       ratelimit.Principal
	check   bool
	n       int64 // estimate, or tokens to record after a Check without estimate
}

// randomOps draws a sequence over users in groups A, B (limited) and C (not). The
// users active at step i are u(i/40) to u(i/40+3): a sliding window, so that users
// drop out, refill and can be swept.
func randomOps(r *rand.Rand, steps int) []op {
	groups := [][]string{nil, {"A"}, {"B"}, {"A", "B"}, {"A", "C"}, {"C"}}
	ops := make([]op, steps)
	for i := range ops {
		o := op{p: user(fmt.Sprintf("u%d", i/40+r.IntN(4)), groups[r.IntN(len(groups))]...)}
		if r.IntN(3) == 0 {
			o.advance = time.Duration(r.IntN(4000)) * time.Millisecond
		}
		o.check = r.IntN(2) == 0
		switch {
		case o.check && r.IntN(2) == 0:
			o.n = int64(r.IntN(12))
		case !o.check:
			o.n = int64(r.IntN(25))
		}
		if r.IntN(20) == 0 {
			o.p = ratelimit.Principal{UserID: "key", Service: true}
		}
		ops[i] = o
	}
	return ops
}

func sweepLimits() []ratelimit.Limit {
	return []ratelimit.Limit{
		userLimit("u", 10, 10*time.Second),
		groupLimit("ga", "A", 30, 10*time.Second),
		groupLimit("gb", "B", 20, 5*time.Second),
		globalLimit("w", 100, 10*time.Second),
	}
}

// outcome is what an engine answered to one op.
type outcome struct {
	err    error
	status ratelimit.Status
}

func run(t *testing.T, e *ratelimit.Engine, c *clock, o op) outcome {
	t.Helper()
	c.Advance(o.advance)
	var out outcome
	if o.check {
		out.err = e.Check(o.p, o.n)
	} else if out.err = e.Check(o.p, 0); out.err == nil { // callers record only when admitted
		record(t, e, o.p, o.n)
	}
	st, err := e.Status(o.p)
	if err != nil {
		t.Fatal(err)
	}
	out.status = st
	return out
}

// TestSweepNeverChangesDecisions runs random sequences against an engine that never
// sweeps, one that sweeps after every step, and one whose tiny cap makes it sweep
// lazily; every answer must be the same.
func TestSweepNeverChangesDecisions(t *testing.T) {
	for seed := range uint64(5) {
		r := rand.New(rand.NewPCG(seed, 42))
		plain, cp := newEngine(t, sweepLimits()...)
		eager, ce := newEngine(t, sweepLimits()...)
		cl := newClock()
		lazy := ratelimit.New(ratelimit.Config{Now: cl.Now, MaxBuckets: 8})
		if err := lazy.SetLimits(sweepLimits()); err != nil {
			t.Fatal(err)
		}
		refusals := 0
		for i, o := range randomOps(r, 2000) {
			want := run(t, plain, cp, o)
			got := run(t, eager, ce, o)
			eager.Sweep()
			lazyGot := run(t, lazy, cl, o)
			if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(lazyGot, want) {
				t.Fatalf("seed %d step %d %+v:\nno sweep: %+v\nsweeping: %+v\nlazy:     %+v", seed, i, o, want, got, lazyGot)
			}
			if want.err != nil {
				refusals++
			}
		}
		t.Logf("seed %d: lazy %+v, eager %+v, %d refusals", seed, lazy.Stats(), eager.Stats(), refusals)
		if st := lazy.Stats(); st.Swept == 0 || st.ForcedEvictions != 0 {
			t.Errorf("seed %d: lazy Stats() = %+v, want sweeps and no forced eviction", seed, st)
		}
		if st := eager.Stats(); st.Swept == 0 || st.ForcedEvictions != 0 {
			t.Errorf("seed %d: eager Stats() = %+v, want sweeps and no forced eviction", seed, st)
		}
		if refusals == 0 {
			t.Errorf("seed %d: no refusal in the sequence; the comparison proves little", seed)
		}
	}
}

// TestLazySweepAtCap fills a tiny cap with buckets that have refilled: reaching the cap
// sweeps them, and nothing is force-evicted.
func TestLazySweepAtCap(t *testing.T) {
	c := newClock()
	e := ratelimit.New(ratelimit.Config{Now: c.Now, MaxBuckets: 4})
	if err := e.SetLimits([]ratelimit.Limit{userLimit("u", 10, time.Second)}); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		record(t, e, user(fmt.Sprint("u", i)), 5)
		c.Advance(time.Second) // full again
	}
	st := e.Stats()
	if st.ForcedEvictions != 0 || st.Swept == 0 || st.Buckets > 4 {
		t.Errorf("Stats() = %+v, want swept buckets, at most 4 held, no forced eviction", st)
	}
}

// TestForcedEviction exceeds the cap with buckets that are not full: the fullest user
// is evicted and counted, users held only for their groups go first and uncounted.
func TestForcedEviction(t *testing.T) {
	c := newClock()
	e := ratelimit.New(ratelimit.Config{Now: c.Now, MaxBuckets: 2})
	if err := e.SetLimits([]ratelimit.Limit{userLimit("u", 10, time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := e.Check(user("groupie", "G"), 0); err != nil { // held for its plan only
		t.Fatal(err)
	}
	record(t, e, user("a"), 3) // 7 left: fullest
	record(t, e, user("b"), 6)
	if st := e.Stats(); st.ForcedEvictions != 0 || st.Users != 2 {
		t.Fatalf("after a and b: Stats() = %+v, want groupie evicted uncounted, 2 users", st)
	}
	record(t, e, user("c"), 9)
	want := ratelimit.Stats{Users: 2, Buckets: 2, ForcedEvictions: 1}
	if got := e.Stats(); got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
	for id, want := range map[string]float64{"a": 10, "b": 4, "c": 1} { // a was evicted
		if got := remaining(t, e, user(id), "u"); got != want {
			t.Errorf("user %s: tokens %v, want %v", id, got, want)
		}
	}
}
