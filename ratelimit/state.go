package ratelimit

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// BucketState is the level of one bucket at a wall-clock time, for persistence: see
// [Engine.Snapshot] and [Engine.Restore].
type BucketState struct {
	// LimitID is the limit the bucket belongs to.
	LimitID string
	// Key is the user id for a user limit, the group id for a group limit, "" for a
	// global limit.
	Key string
	// Tokens is the level at At: at most the budget, negative in debt (never below
	// minus the budget).
	Tokens float64
	// At is when the level was read (wall clock, without monotonic reading).
	At time.Time
}

// Snapshot returns the level of every bucket that is not full, sorted by limit and
// key, all read at one instant. Full buckets are left out: they equal new ones.
// The caller persists the states (as on Close, or periodically) and passes them to
// [Engine.Restore] in the next process.
func (e *Engine) Snapshot() []BucketState {
	t := e.now()
	at := t.Round(0)
	var out []BucketState
	s := e.set.Load()
	for id, b := range s.fixed {
		r := s.byID[id]
		if tok := b.lim.TokensAt(t); tok < float64(r.burst) {
			out = append(out, BucketState{LimitID: id, Key: r.GroupID, Tokens: tok, At: at})
		}
	}
	for i := range e.shards {
		sh := &e.shards[i]
		sh.mu.RLock()
		s := e.set.Load()
		for _, ent := range sh.users {
			for j, b := range ent.buckets {
				if b == nil {
					continue
				}
				if tok := b.TokensAt(t); tok < float64(s.user[j].burst) {
					out = append(out, BucketState{LimitID: s.user[j].ID, Key: ent.id, Tokens: tok, At: at})
				}
			}
		}
		sh.mu.RUnlock()
	}
	slices.SortFunc(out, func(a, b BucketState) int {
		return cmp.Or(strings.Compare(a.LimitID, b.LimitID), strings.Compare(a.Key, b.Key))
	})
	return out
}

// Restore brings back buckets saved by [Engine.Snapshot], typically in a new process
// after [Engine.SetLimits]. Each bucket gets the saved level refilled at the limit's
// current rate for the time elapsed since At (none if At is in the future), capped at
// the budget and floored at minus one budget as every charge is; buckets are charged
// in whole tokens, so a restored level may end up to one token below that. Restore only ever lowers a bucket: one already lower keeps its
// level, so restoring never grants tokens, and a state that has refilled completely
// creates nothing. States of limits that no longer exist, or whose key no longer fits
// the limit's scope and group, are skipped. Restore returns an [*InvalidError], and
// restores nothing, if a state has no limit id, a zero At, or a level that is not a
// number within ±MaxTokens.
func (e *Engine) Restore(states []BucketState) error {
	for _, st := range states {
		switch {
		case st.LimitID == "":
			return invalid("", "BucketState.LimitID", "must not be empty")
		case st.At.IsZero():
			return invalid(st.LimitID, "BucketState.At", "must be set")
		case math.IsNaN(st.Tokens) || math.Abs(st.Tokens) > MaxTokens:
			return invalid(st.LimitID, "BucketState.Tokens", "%v is out of range", st.Tokens)
		}
	}
	e.editMu.Lock()
	defer e.editMu.Unlock()
	t := e.now()
	s := e.set.Load()
	for _, st := range states {
		r := s.byID[st.LimitID]
		if r == nil || (r.Scope == ScopeUser && st.Key == "") || (r.Scope != ScopeUser && st.Key != r.GroupID) {
			continue // stale: the limit was removed or moved
		}
		level := refilled(st, r, t)
		switch {
		case level >= float64(r.Budget):
		case r.Scope == ScopeUser:
			e.restoreUser(r, st.Key, level, t)
		default:
			b := s.fixed[r.ID]
			b.mu.Lock()
			lower(b.lim, t, level)
			b.mu.Unlock()
		}
	}
	return nil
}

// refilled is st's level at t under rule r.
func refilled(st BucketState, r *rule, t time.Time) float64 {
	elapsed := max(t.Sub(st.At), 0)
	return min(float64(r.Budget), st.Tokens+float64(r.rate)*elapsed.Seconds())
}

func (e *Engine) restoreUser(r *rule, user string, level float64, t time.Time) {
	sh := e.shard(user)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	s := e.set.Load()
	i := slices.Index(s.user, r)
	e.edit(sh, s, user, t, func(ent *entry) {
		if ent.buckets[i] == nil {
			ent.buckets[i] = rate.NewLimiter(r.rate, r.burst)
		}
		lower(ent.buckets[i], t, level)
	})
}

// lower debits lim to level at t, in whole tokens (so up to one below), if it holds
// more. It requires exclusive access to lim's burst (see debit).
func lower(lim *rate.Limiter, t time.Time, level float64) {
	if d := math.Ceil(lim.TokensAt(t) - level - 1e-9); d > 0 {
		debit(lim, t, int64(d), nil)
	}
}
