package ratelimit_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rosterhq/roster/ratelimit"
)

// admission is a Record that followed a successful Check, with the tokens it charged.
type admission struct {
	at time.Time
	n  int64
}

// TestTokenBucketProperties drives one principal under one limit (of each scope)
// through random checks and records on a fake clock, callers recording only after a
// successful Check. It checks against an independent model of the level that
//   - a Check without estimate is never refused while the bucket is positive, and is
//     refused while it is not (with an estimate: admitted iff the level covers it);
//   - the tokens charged in any window of length period never exceed budget × 2 plus
//     the last charge in the window (the token-bucket bound; a charge cut at the floor
//     counts what was charged);
//   - a Record never takes the level below minus one budget (the model cuts a charge to
//     floor(level + budget) whole tokens), so a refusal without estimate never asks to
//     wait more than one period (and the nanosecond past zero).
func TestTokenBucketProperties(t *testing.T) {
	for _, sc := range scopes {
		for seed := range uint64(6) {
			r := rand.New(rand.NewPCG(seed, uint64(len(sc))))
			budget := 5 + r.Int64N(200)
			period := time.Duration(1+r.Int64N(3600)) * time.Second
			admitted, refused := checkProperties(t, r, scoped(sc, "l", budget, period))
			if admitted < 50 || refused < 50 {
				t.Errorf("%s seed %d: %d admitted, %d refused: the sequence does not exercise both", sc, seed, admitted, refused)
			}
		}
	}
}

func checkProperties(t *testing.T, r *rand.Rand, l ratelimit.Limit) (admitted, refused int) {
	e, c := newEngine(t, l)
	p := user("a", "g1")
	perSec := float64(l.Budget) / l.Period.Seconds()
	level := float64(l.Budget) // the model
	var log []admission
	for step := range 4000 {
		d := time.Duration(r.Int64N(int64(l.Period) / 8))
		if r.IntN(4) == 0 {
			d = 0
		}
		c.Advance(d)
		level = min(float64(l.Budget), level+perSec*d.Seconds())
		est := int64(0)
		if r.IntN(2) == 0 {
			est = 1 + r.Int64N(l.Budget)
		}
		err := e.Check(p, est)
		le := refusal(t, err)
		const eps = 1e-6
		need := math.Max(float64(est), 0) // est 0: the level must be above zero
		switch {
		case le == nil && (level < need-eps || (est == 0 && level < -eps)):
			t.Fatalf("%s step %d: admitted estimate %d with level %v", l.Scope, step, est, level)
		case le != nil && est == 0 && level > eps:
			t.Fatalf("%s step %d: refused without estimate while the bucket holds %v", l.Scope, step, level)
		case le != nil && est > 0 && level > float64(est)+eps:
			t.Fatalf("%s step %d: refused estimate %d while the bucket holds %v", l.Scope, step, est, level)
		case le != nil && est == 0 && le.RetryAfter > l.Period+time.Microsecond:
			t.Fatalf("%s step %d: refused for %v, more than one period %v", l.Scope, step, le.RetryAfter, l.Period)
		}
		if le != nil {
			refused++
			continue
		}
		admitted++
		n := r.Int64N(l.Budget) + 1
		if r.IntN(10) == 0 {
			n = r.Int64N(3*l.Budget) + 1 // bigger than the budget: debt
		}
		record(t, e, p, n)
		charged := int64(math.Min(float64(n), math.Floor(level+float64(l.Budget)))) // the debt floor
		level -= float64(charged)
		if got := remaining(t, e, p, l.ID); got < -float64(l.Budget) || math.Abs(got-level) > 1e-6 {
			t.Fatalf("%s step %d: level %v after recording %d, model %v (floor -%d)", l.Scope, step, got, n, level, l.Budget)
		}
		log = append(log, admission{c.Now(), charged})
	}
	checkWindows(t, l, log)
	return admitted, refused
}

// checkWindows checks the token-bucket bound on every window that starts at an
// admission (the worst windows start there).
func checkWindows(t *testing.T, l ratelimit.Limit, log []admission) {
	t.Helper()
	for i, first := range log {
		var sum, last int64
		for _, a := range log[i:] {
			if a.at.Sub(first.at) > l.Period {
				break
			}
			sum += a.n
			last = a.n
		}
		if sum > 2*l.Budget+last {
			t.Fatalf("%s: %d tokens charged in the period from %v, more than 2 × %d + %d",
				l.Scope, sum, first.at, l.Budget, last)
		}
	}
}
