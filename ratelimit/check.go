package ratelimit

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Check reports whether p may make a request now. Call it before a model call, with
// the estimated tokens of the call or 0 if unknown, and [Engine.Record] the actual
// usage after it. Check charges nothing.
//
// With estimate > 0 a bucket refuses when it holds fewer tokens than the estimate;
// with estimate 0, when it holds none (at or below zero, as after a Record that put it
// into debt). Every enabled limit that applies is consulted: the user limits (bucket
// keyed by p.UserID), the limits of p's groups (one bucket per group) and the global
// limits. Any exhausted scope refuses, except that groups refuse only when every one
// of p's groups that has an enabled limit is exhausted; a group is exhausted when any
// of its enabled limits is. Service and anonymous principals meet global limits only.
//
// A refusal is a [*LimitError] (matching [ErrRateLimited]); bad input is an
// [*InvalidError] (matching [ErrInvalid]). A successful Check does not allocate.
func (e *Engine) Check(p Principal, estimate int64) error {
	if err := checkTokens("estimate", estimate); err != nil {
		return err
	}
	if err := p.validate(); err != nil {
		return err
	}
	var refusal error
	if err := e.do(p, 0, func(v view, t time.Time) { refusal = judge(v, t, estimate) }); err != nil {
		return err
	}
	return refusal
}

// Record charges tokens, the actual usage of a request, to every enabled bucket that
// applies to p (the buckets [Engine.Check] consults), and adds them to the usage
// aggregates (see [Engine.DrainUsage]). Usage is known only after the call, so Record
// never refuses: it may put buckets into debt, but never below minus one budget (in
// whole tokens: a level lands within one token above it), and a bucket in debt refuses
// until it has refilled past zero, so one call blocks a scope for at most one period. Disabled limits are not
// charged. Record returns an [*InvalidError] for a negative count or a principal
// without user id, and changes nothing then.
func (e *Engine) Record(p Principal, tokens int64) error {
	if err := checkTokens("tokens", tokens); err != nil {
		return err
	}
	if err := p.validate(); err != nil {
		return err
	}
	if tokens == 0 {
		return nil
	}
	return e.do(p, tokens, func(v view, t time.Time) {
		v.charge(t, tokens)
		var pl *plan // service and anonymous principals count for no group
		if v.plan != nil && len(v.plan.members) > 0 {
			pl = v.plan
		}
		e.shard(p.UserID).addUsage(p.UserID, pl, t, tokens)
	})
}

// do runs fn with p's view and the time, under p's shard lock: the read lock when the
// shard's cached view is fresh and ready for a charge of n tokens, the write lock
// otherwise. p must be valid.
func (e *Engine) do(p Principal, n int64, fn func(v view, t time.Time)) error {
	if p.globalOnly() {
		fn(view{set: e.set.Load()}, e.now())
		return nil
	}
	sh := e.shard(p.UserID)
	sh.mu.RLock()
	if v, ok := sh.lookup(e.set.Load(), p); ok && v.ready(n) {
		fn(v, e.now())
		sh.mu.RUnlock()
		return nil
	}
	sh.mu.RUnlock()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	t := e.now()
	v, err := e.ensure(sh, e.set.Load(), p, t, n > 0)
	if err != nil {
		return err
	}
	fn(v, t)
	return nil
}

// verdict is the refusal of one scope, or none.
type verdict struct {
	refused bool
	scope   Scope
	id      string
	wait    time.Duration
}

// join keeps the refusal with the longer wait; on a tie the earlier one.
func (w *verdict) join(o verdict) {
	if o.refused && (!w.refused || o.wait > w.wait) {
		*w = o
	}
}

func judge(v view, t time.Time, est int64) error {
	var w verdict
	if v.plan != nil {
		w.join(scanUser(v, t, est))
		w.join(scanGroups(v.plan.limited, t, est))
	}
	w.join(scanFixed(ScopeGlobal, v.set.global, t, est))
	if !w.refused {
		return nil
	}
	return &LimitError{Scope: w.scope, LimitID: w.id, RetryAfter: w.wait}
}

func scanUser(v view, t time.Time, est int64) verdict {
	var w verdict
	for i, r := range v.set.user {
		if !r.Enabled {
			continue
		}
		lim := v.userBucket(i)
		if exhausted(level(lim, r, t), est) {
			w.join(verdict{true, ScopeUser, r.ID, wait(lim, r, t, est)})
		}
	}
	return w
}

// scanFixed returns the refusal of the limits refs, with the longest wait among the
// exhausted ones: the time until none of them refuses.
func scanFixed(scope Scope, refs []ref, t time.Time, est int64) verdict {
	var w verdict
	for _, x := range refs {
		if exhausted(x.b.lim.TokensAt(t), est) {
			w.join(verdict{true, scope, x.r.ID, wait(x.b.lim, x.r, t, est)})
		}
	}
	return w
}

// scanGroups refuses only if every limited group is exhausted, with the shortest of
// the groups' waits: once one group recovers, groups no longer refuse.
func scanGroups(limited [][]ref, t time.Time, est int64) verdict {
	var best verdict
	for _, refs := range limited {
		g := scanFixed(ScopeGroup, refs, t, est)
		if !g.refused {
			return verdict{}
		}
		if !best.refused || g.wait < best.wait {
			best = g
		}
	}
	return best
}

func (v view) userBucket(i int) *rate.Limiter {
	if i < len(v.user) {
		return v.user[i]
	}
	return nil
}

// level returns the tokens of a user bucket at t; a missing bucket is full.
func level(lim *rate.Limiter, r *rule, t time.Time) float64 {
	if lim == nil {
		return float64(r.Budget)
	}
	return lim.TokensAt(t)
}

// exhausted is the refusal rule of one bucket: fewer tokens than the estimate, or,
// without estimate, none at all.
func exhausted(tokens float64, est int64) bool {
	if est > 0 {
		return tokens < float64(est)
	}
	return tokens <= 0
}

// wait returns the smallest d, in whole nanoseconds, after which lim no longer
// refuses est (t must be a time at which it does), computed exactly as the next Check
// will compute it: from the deficit over the rate, rounded up, it brackets d between
// a refusing and an admitting time, stepping by doubling nanoseconds past the float
// rounding, then bisects. A bucket cannot fill beyond its budget, so an estimate above
// the budget waits forever (rate.InfDuration).
func wait(lim *rate.Limiter, r *rule, t time.Time, est int64) time.Duration {
	if est > r.Budget {
		return rate.InfDuration
	}
	if lim == nil {
		return 0
	}
	ns := math.Ceil((float64(est) - lim.TokensAt(t)) / float64(r.rate) * 1e9)
	if ns >= math.MaxInt64 {
		return rate.InfDuration
	}
	admits := func(d time.Duration) bool { return !exhausted(lim.TokensAt(t.Add(d)), est) }
	lo, hi := time.Duration(0), time.Duration(max(ns, 0)) // refuses at lo (t itself)
	if admits(hi) {
		for step := time.Duration(1); hi-step > lo; step *= 2 {
			if !admits(hi - step) {
				lo = hi - step
				break
			}
			hi -= step
		}
	} else {
		for step := time.Duration(1); !admits(hi); step *= 2 {
			if hi > rate.InfDuration-step {
				return rate.InfDuration
			}
			lo, hi = hi, hi+step
		}
	}
	for hi-lo > 1 {
		if mid := lo + (hi-lo)/2; admits(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// charge debits n tokens from every enabled bucket of v. The caller holds the shard's
// write lock unless v.ready(n); fixed buckets are charged under their own mutex.
func (v view) charge(t time.Time, n int64) {
	if v.plan != nil {
		for i, r := range v.set.user {
			if r.Enabled {
				debit(v.user[i], t, n, nil)
			}
		}
		for _, refs := range v.plan.limited {
			chargeFixed(refs, t, n)
		}
	}
	chargeFixed(v.set.global, t, n)
}

func chargeFixed(refs []ref, t time.Time, n int64) {
	for _, x := range refs {
		debit(x.b.lim, t, n, &x.b.mu)
	}
}

// debit takes n tokens from lim at t, into debt if need be, but never below minus one
// burst (the budget): the charge is cut to floor(level + burst) whole tokens, so the
// level lands in [-burst, -burst+1) and a bucket in debt refills past zero within one
// period. Reading the level and charging must be one step, so debit needs exclusive
// access to lim: mu, or when mu is nil the caller's shard write lock. A cut charge is
// at most twice the burst and ReserveN takes up to one burst at a time, so it takes
// two steps at most. Cost: O(1) for any n.
func debit(lim *rate.Limiter, t time.Time, n int64, mu *sync.Mutex) {
	if mu != nil {
		mu.Lock()
		defer mu.Unlock()
	}
	b := int64(lim.Burst())
	n = min(n, int64(math.Floor(lim.TokensAt(t)+float64(b))))
	if n <= 0 {
		return
	}
	first := min(n, b)
	lim.ReserveN(t, int(first))
	if rest := n - first; rest > 0 {
		lim.ReserveN(t, int(rest))
	}
}

// Status reports p's remaining budget per scope and per limit, as [Engine.Check]
// would see it now. It returns an [*InvalidError] for a principal without user id.
func (e *Engine) Status(p Principal) (Status, error) {
	if err := p.validate(); err != nil {
		return Status{}, err
	}
	var st Status
	err := e.do(p, 0, func(v view, t time.Time) { st = status(v, t) })
	return st, err
}

// Status is a principal's remaining budget, from [Engine.Status].
type Status struct {
	// User, Group and Global report each scope; Group.Remaining is the best group's,
	// since the groups refuse only when all of them are exhausted.
	User, Group, Global ScopeStatus
}

// ScopeStatus is the remaining budget of one scope.
type ScopeStatus struct {
	// Limited reports whether an enabled limit of the scope applies.
	Limited bool
	// Remaining is the tokens left before the scope refuses: the least among its
	// limits (for groups, the most among the groups of the least among each group's
	// limits). It is negative in debt, and 0 when the scope is not limited.
	Remaining float64
	// Limits lists each enabled limit that applies, in ID order within each group.
	Limits []LimitStatus
}

// LimitStatus is the remaining budget of one limit's bucket.
type LimitStatus struct {
	// Limit is the limit as configured.
	Limit Limit
	// Remaining is the bucket's tokens now: at most Limit.Budget, negative in debt.
	Remaining float64
}

func status(v view, t time.Time) Status {
	var st Status
	if v.plan != nil {
		for i, r := range v.set.user {
			if r.Enabled {
				st.User.add(r, level(v.userBucket(i), r, t))
			}
		}
		for _, refs := range v.plan.limited {
			var g ScopeStatus
			for _, x := range refs {
				g.add(x.r, x.b.lim.TokensAt(t))
			}
			st.Group.Limits = append(st.Group.Limits, g.Limits...)
			if !st.Group.Limited || g.Remaining > st.Group.Remaining {
				st.Group.Remaining = g.Remaining
			}
			st.Group.Limited = true
		}
	}
	for _, x := range v.set.global {
		st.Global.add(x.r, x.b.lim.TokensAt(t))
	}
	return st
}

func (s *ScopeStatus) add(r *rule, tokens float64) {
	s.Limits = append(s.Limits, LimitStatus{Limit: r.Limit, Remaining: tokens})
	if !s.Limited || tokens < s.Remaining {
		s.Remaining = tokens
	}
	s.Limited = true
}
