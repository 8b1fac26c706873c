package ratelimit

import (
	"cmp"
	"hash/maphash"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// shard holds the state of the users whose id hashes to it.
//
// Invariant: under sh.mu (read or write), every entry's buckets are aligned with the
// user rules of the current limit set, and every bucket's rate and burst are those of
// its rule; apply holds all shard write locks while it changes either.
type shard struct {
	mu    sync.RWMutex      // guards users, nb, bare, and the entries in users
	users map[string]*entry // by user id
	nb    int               // buckets held by the entries
	bare  int               // entries without a bucket (held for their plan)

	usageMu sync.Mutex // guards usage
	usage   map[usageKey]*int64

	_ [64]byte // keep neighbouring shards' locks off one cache line
}

// entry is one user's state: its user-limit buckets and its cached plan.
type entry struct {
	id      string          // the user id; the engine's own copy, also the map key
	buckets []*rate.Limiter // aligned with the current set's user rules; nil means full
	plan    *plan           // the user's groups resolved against plan.set; nil if none yet
}

// plan is a user's groups resolved against one limit set: which group buckets apply.
// It is immutable.
type plan struct {
	set     *limitSet
	groups  []string // the Principal.Groups it was built for, in their order
	members []string // the distinct groups, for usage rows
	limited [][]ref  // for each distinct group with enabled limits, those limits
}

// view is what applies to one principal at one moment. A nil plan marks a service or
// anonymous principal, which meets global limits only.
type view struct {
	set  *limitSet
	user []*rate.Limiter // aligned with set.user; nil or nil elements mean full
	plan *plan
}

func (e *Engine) shard(userID string) *shard {
	if len(e.shards) == 1 {
		return &e.shards[0]
	}
	return &e.shards[maphash.String(e.seed, userID)&uint64(len(e.shards)-1)]
}

func (ent *entry) count() int {
	n := 0
	for _, b := range ent.buckets {
		if b != nil {
			n++
		}
	}
	return n
}

// forget and remember take an entry out of and into the shard's counters around a
// change of its buckets. Both require sh.mu held for writing.
func (sh *shard) forget(ent *entry) {
	n := ent.count()
	sh.nb -= n
	if n == 0 {
		sh.bare--
	}
}

func (sh *shard) remember(ent *entry) {
	n := ent.count()
	sh.nb += n
	if n == 0 {
		sh.bare++
	}
}

// cost is what the shard holds against its cap.
func (sh *shard) cost() int { return sh.nb + sh.bare }

func buildPlan(s *limitSet, groups []string) (*plan, error) {
	pl := &plan{set: s, groups: make([]string, len(groups))}
	for i, g := range groups {
		if g == "" {
			return nil, invalid("", "Principal.Groups", "empty group id")
		}
		pl.groups[i] = strings.Clone(g)
		if slices.Contains(pl.groups[:i], g) {
			continue
		}
		pl.members = append(pl.members, pl.groups[i])
		if refs := s.groups[g]; len(refs) > 0 {
			pl.limited = append(pl.limited, refs)
		}
	}
	return pl, nil
}

// fresh reports whether pl resolves groups under s. The plan cache is keyed on exactly
// this: the set pointer changes on every limit edit, and comparing the group ids
// (a few string compares) catches every membership change, so a stale plan is never used.
func (pl *plan) fresh(s *limitSet, groups []string) bool {
	return pl != nil && pl.set == s && slices.Equal(pl.groups, groups)
}

// lookup returns p's view if it can be served from what the shard holds. It requires
// sh.mu held.
func (sh *shard) lookup(s *limitSet, p Principal) (view, bool) {
	ent := sh.users[p.UserID]
	v := view{set: s, plan: s.none}
	if ent != nil {
		v.user = ent.buckets
	}
	if len(p.Groups) == 0 {
		return v, true
	}
	if ent == nil || !ent.plan.fresh(s, p.Groups) {
		return view{}, false
	}
	v.plan = ent.plan
	return v, true
}

// ready reports whether charging n tokens to v can be done under a read lock: a charge
// of user buckets reads their level and debits it in one step (the debt floor, see
// debit), so it needs the write lock whenever an enabled user limit applies.
func (v view) ready(n int64) bool {
	if n == 0 || v.plan == nil {
		return true
	}
	for _, r := range v.set.user {
		if r.Enabled {
			return false
		}
	}
	return true
}

// ensure builds p's view under sh's write lock, caching the plan and, for a charge,
// creating the buckets of the enabled user limits.
func (e *Engine) ensure(sh *shard, s *limitSet, p Principal, t time.Time, charge bool) (view, error) {
	v := view{set: s, plan: s.none}
	ent := sh.users[p.UserID]
	if len(p.Groups) > 0 {
		if ent != nil && ent.plan.fresh(s, p.Groups) {
			v.plan = ent.plan
		} else {
			pl, err := buildPlan(s, p.Groups)
			if err != nil {
				return view{}, err
			}
			v.plan = pl
		}
	}
	charge = charge && s.hasEnabledUser()
	if ent == nil && len(p.Groups) == 0 && !charge {
		return v, nil
	}
	ent = e.edit(sh, s, p.UserID, t, func(ent *entry) {
		if len(p.Groups) > 0 {
			ent.plan = v.plan
		}
		for i, r := range s.user {
			if charge && r.Enabled && ent.buckets[i] == nil {
				ent.buckets[i] = rate.NewLimiter(r.rate, r.burst)
			}
		}
	})
	v.user = ent.buckets
	return v, nil
}

// edit runs fn on user id's entry, creating it if needed, and keeps the shard's
// counters and cap. It requires sh.mu held for writing.
func (e *Engine) edit(sh *shard, s *limitSet, id string, t time.Time, fn func(*entry)) *entry {
	ent := sh.users[id]
	if ent == nil {
		ent = &entry{id: strings.Clone(id), buckets: make([]*rate.Limiter, len(s.user))}
		sh.users[ent.id] = ent
	} else {
		sh.forget(ent)
	}
	fn(ent)
	sh.remember(ent)
	if sh.cost() > e.cap {
		e.makeRoom(sh, s, t, ent)
	}
	return ent
}

// Sweep drops every user bucket that has refilled completely, and the users left with
// no bucket; it returns how many buckets it dropped. A full bucket behaves exactly as
// a new one, so sweeping never changes a decision. The engine also sweeps a shard when
// it reaches its share of [Config.MaxBuckets]; call Sweep periodically (for instance
// with the usage flush) to return memory sooner.
func (e *Engine) Sweep() int {
	n := 0
	for i := range e.shards {
		sh := &e.shards[i]
		sh.mu.Lock()
		n += e.sweepShard(sh, e.set.Load(), e.now(), nil)
		sh.mu.Unlock()
	}
	return n
}

// sweepShard sweeps every entry but keep. It requires sh.mu held for writing.
func (e *Engine) sweepShard(sh *shard, s *limitSet, t time.Time, keep *entry) int {
	n := 0
	for id, ent := range sh.users {
		if ent == keep {
			continue
		}
		sh.forget(ent)
		for i, b := range ent.buckets {
			if b != nil && b.TokensAt(t) >= float64(s.user[i].burst) {
				ent.buckets[i] = nil
				n++
			}
		}
		if ent.count() == 0 {
			delete(sh.users, id)
			continue
		}
		sh.remember(ent)
	}
	e.swept.Add(uint64(n))
	return n
}

// makeRoom brings the shard down to 7/8 of its cap: first by sweeping full buckets,
// then by evicting the users whose emptiest bucket is fullest (users held only for
// their plan go first), never keep. Evicted buckets are counted as forced evictions:
// unlike sweeping, they can change decisions. It requires sh.mu held for writing.
func (e *Engine) makeRoom(sh *shard, s *limitSet, t time.Time, keep *entry) {
	e.sweepShard(sh, s, t, keep)
	target := e.cap - e.cap/8
	if sh.cost() <= target {
		return
	}
	type candidate struct {
		ent  *entry
		fill float64
	}
	cands := make([]candidate, 0, len(sh.users))
	for _, ent := range sh.users {
		if ent != keep {
			cands = append(cands, candidate{ent, ent.fill(s, t)})
		}
	}
	slices.SortFunc(cands, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(b.fill, a.fill), strings.Compare(a.ent.id, b.ent.id))
	})
	for _, c := range cands {
		if sh.cost() <= target {
			break
		}
		sh.forget(c.ent)
		delete(sh.users, c.ent.id)
		e.forced.Add(uint64(c.ent.count()))
	}
}

// fill is the fraction of its budget that the entry's emptiest bucket holds; 1 without
// buckets.
func (ent *entry) fill(s *limitSet, t time.Time) float64 {
	f := 1.0
	for i, b := range ent.buckets {
		if b != nil {
			f = min(f, b.TokensAt(t)/float64(s.user[i].burst))
		}
	}
	return f
}

// realign moves every entry to the new user rules after an edit: buckets follow their
// limit's ID, edited limits are retuned at t, removed limits' buckets are dropped, and
// so are entries left without a bucket (their plans are stale anyway). It requires
// sh.mu held for writing.
func (sh *shard) realign(m mapping, rules []*rule, t time.Time) {
	for id, ent := range sh.users {
		sh.forget(ent)
		nb := ent.buckets
		if !m.identity {
			nb = make([]*rate.Limiter, len(rules))
		}
		for j, i := range m.from {
			if i < 0 || ent.buckets[i] == nil {
				continue
			}
			nb[j] = ent.buckets[i]
			if m.retune[j] {
				retune(nb[j], t, rules[j])
			}
		}
		ent.buckets = nb
		if ent.count() == 0 {
			delete(sh.users, id)
			continue
		}
		sh.remember(ent)
	}
}

// Stats are counters of an [Engine]'s memory use, from [Engine.Stats].
type Stats struct {
	// Users is the number of users whose state is held.
	Users int
	// Buckets is the number of buckets held: the users' buckets and one for each
	// global or group limit.
	Buckets int
	// Swept counts buckets dropped because they had refilled completely.
	Swept uint64
	// ForcedEvictions counts buckets dropped before they had refilled, to respect
	// Config.MaxBuckets. Each may have let a user through earlier than its limit would.
	ForcedEvictions uint64
}

// Stats returns the engine's counters.
func (e *Engine) Stats() Stats {
	var st Stats
	for i := range e.shards {
		sh := &e.shards[i]
		sh.mu.RLock()
		st.Users += len(sh.users)
		st.Buckets += sh.nb
		sh.mu.RUnlock()
	}
	st.Buckets += len(e.set.Load().fixed)
	st.Swept, st.ForcedEvictions = e.swept.Load(), e.forced.Load()
	return st
}
