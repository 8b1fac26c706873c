package ratelimit

import (
	"hash/maphash"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// DefaultMaxBuckets is the per-user bucket cap used when [Config.MaxBuckets] is not set.
const DefaultMaxBuckets = 1 << 20

const (
	maxShards      = 64   // shards of the per-user state, to spread lock traffic
	minShardBucket = 1024 // smaller caps use fewer shards, so the cap stays exact
)

// Config configures an [Engine]. The zero value is ready to use.
type Config struct {
	// Now is the engine's only clock. Default time.Now. Tests pass a fake clock; the
	// engine never takes times from its callers (golang/go#56287). Now must not go
	// backwards (time.Now's monotonic reading ensures it) and must not call the engine.
	Now func() time.Time
	// MaxBuckets caps the per-user state held in memory: the user-limit buckets, where
	// a user held only for its cached group resolution counts as one bucket. Group and
	// global buckets (one per limit) are not counted. When a shard of the state reaches
	// its share of the cap, full buckets are swept, and if that is not enough the
	// fullest users are evicted (counted in [Stats.ForcedEvictions]). Values below 1
	// select DefaultMaxBuckets.
	MaxBuckets int
}

// Engine is the in-memory token-bucket rate limiter of one workspace: the configured
// limits and their buckets. Most callers want [Engine.Check] before a model call and
// [Engine.Record] after it. Set the limits with [Engine.SetLimits], [Engine.Upsert] and
// [Engine.Remove]; changes apply to the next Check. The state lives in this process
// only: persist it with [Engine.Snapshot] and bring it back with [Engine.Restore].
//
// An Engine is safe for concurrent use. Create it with [New]; the zero value is not
// usable.
type Engine struct {
	now    func() time.Time
	seed   maphash.Seed
	shards []shard // per-user state, by hash of the user id
	cap    int     // per-shard share of Config.MaxBuckets

	editMu sync.Mutex // serializes SetLimits, Upsert, Remove and Restore
	set    atomic.Pointer[limitSet]

	swept  atomic.Uint64
	forced atomic.Uint64
}

// New returns an engine without limits; every Check succeeds until limits are set.
func New(cfg Config) *Engine {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxBuckets < 1 {
		cfg.MaxBuckets = DefaultMaxBuckets
	}
	n := 1
	for n < maxShards && n*2*minShardBucket <= cfg.MaxBuckets {
		n *= 2
	}
	e := &Engine{
		now:    cfg.Now,
		seed:   maphash.MakeSeed(),
		shards: make([]shard, n),
		cap:    (cfg.MaxBuckets + n - 1) / n,
	}
	for i := range e.shards {
		e.shards[i].users = make(map[string]*entry)
		e.shards[i].usage = make(map[usageKey]*int64)
	}
	e.set.Store(buildSet(new(limitSet), nil))
	return e
}

// rule is one configured limit as the engine uses it. It is immutable; an edit of the
// limit makes a new rule.
type rule struct {
	Limit
	rate  rate.Limit
	burst int
}

func newRule(l Limit) *rule {
	return &rule{Limit: l, rate: rate.Limit(float64(l.Budget) / l.Period.Seconds()), burst: int(l.Budget)}
}

// fixed is the one bucket of a global or group limit. It outlives edits of its limit
// that keep the scope and group.
type fixed struct {
	mu  sync.Mutex // serializes burst changes: debits above the burst, and edits
	lim *rate.Limiter
}

// ref pairs a global or group rule with its bucket.
type ref struct {
	r *rule
	b *fixed
}

// limitSet is an immutable snapshot of the configured limits, replaced on every edit.
type limitSet struct {
	byID   map[string]*rule
	user   []*rule           // user-scope rules by ID, enabled or not; entry buckets align with it
	global []ref             // enabled global limits
	groups map[string][]ref  // enabled group limits by group id
	fixed  map[string]*fixed // bucket of every global and group limit, by limit ID
	none   *plan             // the plan of a principal without groups
}

// buildSet makes the set for limits, reusing the rules and buckets of old where a limit
// is unchanged (rule) or keeps its scope and group (bucket).
func buildSet(old *limitSet, limits map[string]Limit) *limitSet {
	s := &limitSet{
		byID:   make(map[string]*rule, len(limits)),
		groups: make(map[string][]ref),
		fixed:  make(map[string]*fixed),
	}
	for _, id := range slices.Sorted(maps.Keys(limits)) {
		l := limits[id]
		o := old.byID[id]
		r := newRule(l)
		if o != nil && o.Limit == l {
			r = o
		}
		s.byID[id] = r
		if l.Scope == ScopeUser {
			s.user = append(s.user, r)
			continue
		}
		b := &fixed{lim: rate.NewLimiter(r.rate, r.burst)}
		if o != nil && o.Scope == l.Scope && o.GroupID == l.GroupID {
			b = old.fixed[id]
		}
		s.fixed[id] = b
		switch {
		case !l.Enabled:
		case l.Scope == ScopeGlobal:
			s.global = append(s.global, ref{r, b})
		default:
			s.groups[l.GroupID] = append(s.groups[l.GroupID], ref{r, b})
		}
	}
	s.none = &plan{set: s}
	return s
}

// limits returns the configured limits keyed by ID.
func (s *limitSet) limits() map[string]Limit {
	m := make(map[string]Limit, len(s.byID))
	for id, r := range s.byID {
		m[id] = r.Limit
	}
	return m
}

// hasEnabledUser reports whether some enabled user-scope limit exists.
func (s *limitSet) hasEnabledUser() bool {
	for _, r := range s.user {
		if r.Enabled {
			return true
		}
	}
	return false
}

// Limits returns the configured limits, sorted by ID.
func (e *Engine) Limits() []Limit {
	s := e.set.Load()
	out := make([]Limit, 0, len(s.byID))
	for _, id := range slices.Sorted(maps.Keys(s.byID)) {
		out = append(out, s.byID[id].Limit)
	}
	return out
}

// SetLimits replaces the configured limits with limits. It returns an [*InvalidError]
// and changes nothing if a limit is invalid or two share an ID. Buckets of limits that
// stay keep their levels, capped at the new budget, and refill at the new rate from
// now; an edit that changes a limit's scope or group starts it with full buckets.
func (e *Engine) SetLimits(limits []Limit) error {
	m := make(map[string]Limit, len(limits))
	for _, l := range limits {
		if err := l.Validate(); err != nil {
			return err
		}
		if _, dup := m[l.ID]; dup {
			return invalid(l.ID, "ID", "appears twice")
		}
		m[l.ID] = l
	}
	e.editMu.Lock()
	defer e.editMu.Unlock()
	e.apply(m)
	return nil
}

// Upsert adds l, or replaces the limit with the same ID as [Engine.SetLimits] would.
// It returns an [*InvalidError] and changes nothing if l is invalid.
func (e *Engine) Upsert(l Limit) error {
	if err := l.Validate(); err != nil {
		return err
	}
	e.editMu.Lock()
	defer e.editMu.Unlock()
	m := e.set.Load().limits()
	m[l.ID] = l
	e.apply(m)
	return nil
}

// Remove deletes the limit with the given ID and its buckets. It returns [ErrNotFound]
// if there is no such limit.
func (e *Engine) Remove(id string) error {
	e.editMu.Lock()
	defer e.editMu.Unlock()
	m := e.set.Load().limits()
	if _, ok := m[id]; !ok {
		return ErrNotFound
	}
	delete(m, id)
	e.apply(m)
	return nil
}

// apply publishes the set for limits, unless they are the current ones (a new set
// invalidates every cached plan). A change of the user-scope rules realigns every
// user's buckets, so it holds every shard's write lock while it publishes and walks:
// under any shard lock, entries are aligned with the current set. apply requires that
// e.editMu is held.
func (e *Engine) apply(limits map[string]Limit) {
	old := e.set.Load()
	if maps.Equal(old.limits(), limits) {
		return
	}
	next := buildSet(old, limits)
	walk := !slices.Equal(old.user, next.user)
	if walk {
		for i := range e.shards {
			e.shards[i].mu.Lock()
			defer e.shards[i].mu.Unlock()
		}
	}
	t := e.now()
	for id, b := range next.fixed {
		if r := next.byID[id]; old.fixed[id] == b && old.byID[id] != r {
			b.mu.Lock()
			retune(b.lim, t, r)
			b.mu.Unlock()
		}
	}
	e.set.Store(next)
	if walk {
		m := newMapping(old.user, next.user)
		for i := range e.shards {
			e.shards[i].realign(m, next.user, t)
		}
	}
}

// retune applies an edited rule to a bucket at t: the level so far is kept, capped at
// the new budget by the limiter's next advance, and refill follows the new rate.
func retune(lim *rate.Limiter, t time.Time, r *rule) {
	lim.SetLimitAt(t, r.rate)
	lim.SetBurstAt(t, r.burst)
}

// mapping tells, for each rule of a new user-rule list, the index of the same limit in
// the old list (-1 if new) and whether its buckets need retuning.
type mapping struct {
	from     []int
	retune   []bool
	identity bool // same limits in the same order: buckets stay in place
}

func newMapping(old, next []*rule) mapping {
	idx := make(map[string]int, len(old))
	for i, r := range old {
		idx[r.ID] = i
	}
	m := mapping{from: make([]int, len(next)), retune: make([]bool, len(next)), identity: len(old) == len(next)}
	for j, r := range next {
		i, ok := idx[r.ID]
		if !ok {
			i = -1
		}
		m.from[j] = i
		m.retune[j] = ok && old[i] != r
		m.identity = m.identity && i == j
	}
	return m
}
