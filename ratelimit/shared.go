package ratelimit

import (
	"context"
	"database/sql"
	"math"
	"time"

	"golang.org/x/time/rate"
)

// Shared buckets (roster.LimitsConfig.Shared) keep every bucket of the workspace in
// PostgreSQL's roster_shared_buckets, one row per (limit, key) holding the level
// (tokens) at a time (at) of the database clock. A missing row is a full bucket.
// Each Check, Status and Record is one statement, so one round trip however many
// buckets apply; the limits themselves (budget, period, enabled) come from this
// process's engine, which follows the database's as the Service documentation says.
//
// The statements are written by hand: the refill, cap, floor and spend must happen
// in one statement on the row, on the database's clock, which no query builder
// expresses. They run on the *sql.DB beneath gorm, passing the buckets as arrays
// (pgx encodes Go slices as PostgreSQL arrays; gorm would expand them into lists),
// so the statement text is constant and pgx's statement cache prepares it once.

// sharedLevels reads the level now of each bucket named by the arrays (limit ids,
// keys, budgets, periods in seconds), in their order: the stored level refilled by
// the time elapsed on the database clock, capped at the budget. Elapsed time is never
// negative: a row written by a transaction that started later counts no refill.
const sharedLevels = `
SELECT COALESCE(LEAST(v.budget, b.tokens + GREATEST(0, EXTRACT(EPOCH FROM now() - b.at)::float8) * v.budget / v.per), v.budget)
FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[]) WITH ORDINALITY AS v(limit_id, key, budget, per, i)
LEFT JOIN roster_shared_buckets b ON b.limit_id = v.limit_id AND b.key = v.key
ORDER BY v.i`

// sharedSpend takes $5 tokens from each bucket named by the arrays, in one atomic
// statement: the row is locked, refilled by the elapsed database time, capped at the
// budget, debited, floored at minus one budget, and its level returned. A missing row
// is inserted as a full bucket debited. at never moves backwards. Rows are taken in
// (limit, key) order, so two spends on overlapping buckets (users whose groups come
// in different orders, say) lock them in one order and never deadlock. Only buckets
// of limits that still exist in roster_rate_limits are touched: an instance that has
// not applied a limit's deletion yet spends nothing on it and recreates none of its
// rows (a spend racing the deletion's commit may still leave one; the sweep deletes
// it).
const sharedSpend = `
WITH v AS (
	SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[]) AS v(limit_id, key, budget, per)
)
INSERT INTO roster_shared_buckets AS b (limit_id, key, tokens, at)
SELECT v.limit_id, v.key, GREATEST(-v.budget, v.budget - $5::float8), now()
FROM v JOIN roster_rate_limits l ON l.id = v.limit_id
ORDER BY v.limit_id, v.key
ON CONFLICT (limit_id, key) DO UPDATE SET
	tokens = (SELECT GREATEST(-v.budget,
		LEAST(v.budget, b.tokens + GREATEST(0, EXTRACT(EPOCH FROM now() - b.at)::float8) * v.budget / v.per) - $5::float8)
		FROM v WHERE v.limit_id = b.limit_id AND v.key = b.key),
	at = GREATEST(b.at, now())
RETURNING b.limit_id, b.key, b.tokens`

// sharedSweep deletes the workspace's rows that have refilled completely (a full
// bucket is a missing one) and every row whose limit no longer exists (a spend that
// raced the limit's deletion). It skips rows a spend holds, so it never waits for one
// and never deadlocks with one; a spend that finds its row gone inserts a full bucket
// debited, which is what the row held.
const sharedSweep = `
DELETE FROM roster_shared_buckets WHERE (limit_id, key) IN (
	SELECT b.limit_id, b.key FROM roster_shared_buckets b LEFT JOIN roster_rate_limits l ON b.limit_id = l.id
	WHERE l.id IS NULL OR (l.workspace_id = $1
	AND b.tokens + GREATEST(0, EXTRACT(EPOCH FROM now() - b.at)::float8) * l.budget / l.period_seconds >= l.budget)
	FOR UPDATE OF b SKIP LOCKED)`

// sharedSettle applies an edit of a limit's budget or period to its rows, inside
// the edit's transaction (through gorm, hence ? placeholders): each row is refilled
// at the old rate up to now and capped at the new budget, so the new rate counts
// from the edit on (as in-process buckets do). The arguments are the new budget, the
// old budget twice, the old period in seconds, and the limit id.
const sharedSettle = `
UPDATE roster_shared_buckets SET
	tokens = LEAST(?::float8, LEAST(?::float8, tokens + GREATEST(0, EXTRACT(EPOCH FROM now() - at)::float8) * ?::float8 / ?::float8)),
	at = GREATEST(at, now())
WHERE limit_id = ?`

// meter is the shared buckets that apply to one principal, with their levels once
// read: indexes into bs by scope, as the engine's view has them.
type meter struct {
	bs     []meterBucket
	user   []int   // enabled user limits, keyed by the user id
	groups [][]int // per limited group, its enabled limits, keyed by the group id
	global []int   // enabled global limits, keyed by ""
	plan   *plan   // the principal's groups, for usage rows; nil for global-only
}

// meterBucket is one bucket of a meter.
type meterBucket struct {
	r     *rule
	key   string
	level float64
}

// meter resolves p against the engine's current limits. p must be valid.
func (e *Engine) meter(p Principal) (*meter, error) {
	s := e.set.Load()
	m := &meter{}
	add := func(r *rule, key string) int {
		m.bs = append(m.bs, meterBucket{r: r, key: key})
		return len(m.bs) - 1
	}
	if !p.globalOnly() {
		m.plan = s.none
		if len(p.Groups) > 0 {
			pl, err := buildPlan(s, p.Groups)
			if err != nil {
				return nil, err
			}
			m.plan = pl
		}
		for _, r := range s.user {
			if r.Enabled {
				m.user = append(m.user, add(r, p.UserID))
			}
		}
		for _, refs := range m.plan.limited {
			var g []int
			for _, x := range refs {
				g = append(g, add(x.r, x.r.GroupID))
			}
			m.groups = append(m.groups, g)
		}
	}
	for _, x := range s.global {
		m.global = append(m.global, add(x.r, ""))
	}
	return m, nil
}

// args returns the statement arguments naming m's buckets.
func (m *meter) args() []any {
	ids, keys := make([]string, len(m.bs)), make([]string, len(m.bs))
	budgets, periods := make([]float64, len(m.bs)), make([]float64, len(m.bs))
	for i, b := range m.bs {
		ids[i], keys[i] = b.r.ID, b.key
		budgets[i], periods[i] = float64(b.r.Budget), b.r.Period.Seconds()
	}
	return []any{ids, keys, budgets, periods}
}

// read fills in the levels of m's buckets from the database, in one query.
func (m *meter) read(ctx context.Context, db *sql.DB) error {
	if len(m.bs) == 0 {
		return nil
	}
	rows, err := db.QueryContext(ctx, sharedLevels, m.args()...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for i := 0; rows.Next(); i++ {
		if err := rows.Scan(&m.bs[i].level); err != nil {
			return err
		}
	}
	return rows.Err()
}

// spend debits n tokens from every bucket of m, in one statement.
func (m *meter) spend(ctx context.Context, db *sql.DB, n int64) error {
	if len(m.bs) == 0 {
		return nil
	}
	args := append(m.args(), float64(n))
	rows, err := db.QueryContext(ctx, sharedSpend, args...)
	if err != nil {
		return err
	}
	return rows.Close()
}

// judge applies the combination rules of [Engine.Check] to m's levels.
func (m *meter) judge(est int64) error {
	var w verdict
	w.join(m.scan(ScopeUser, m.user, est))
	if len(m.groups) > 0 {
		var best verdict
		for _, g := range m.groups {
			v := m.scan(ScopeGroup, g, est)
			if !v.refused {
				best = verdict{}
				break
			}
			if !best.refused || v.wait < best.wait {
				best = v
			}
		}
		w.join(best)
	}
	w.join(m.scan(ScopeGlobal, m.global, est))
	if !w.refused {
		return nil
	}
	return &LimitError{Scope: w.scope, LimitID: w.id, RetryAfter: w.wait}
}

// scan returns the refusal of the buckets idx, with the longest wait.
func (m *meter) scan(scope Scope, idx []int, est int64) verdict {
	var w verdict
	for _, i := range idx {
		b := m.bs[i]
		if exhausted(b.level, est) {
			w.join(verdict{true, scope, b.r.ID, sharedWait(b.r, b.level, est)})
		}
	}
	return w
}

// sharedWait is how long a bucket at level takes to stop refusing est: to reach est,
// or, without an estimate, to rise above zero. An estimate above the budget waits
// forever (rate.InfDuration), as in-process.
func sharedWait(r *rule, level float64, est int64) time.Duration {
	if est > r.Budget {
		return rate.InfDuration
	}
	ns := math.Ceil((float64(est) - level) / float64(r.rate) * 1e9)
	if est == 0 {
		ns++ // above zero, not at it
	}
	if ns >= float64(rate.InfDuration) {
		return rate.InfDuration
	}
	return time.Duration(max(ns, 1))
}

// status reports m's levels as [Engine.Status] does.
func (m *meter) status() Status {
	var st Status
	for _, i := range m.user {
		st.User.add(m.bs[i].r, m.bs[i].level)
	}
	for _, g := range m.groups {
		var gs ScopeStatus
		for _, i := range g {
			gs.add(m.bs[i].r, m.bs[i].level)
		}
		st.Group.Limits = append(st.Group.Limits, gs.Limits...)
		if !st.Group.Limited || gs.Remaining > st.Group.Remaining {
			st.Group.Remaining = gs.Remaining
		}
		st.Group.Limited = true
	}
	for _, i := range m.global {
		st.Global.add(m.bs[i].r, m.bs[i].level)
	}
	return st
}

// sqlDB returns the database beneath the store's gorm handle, or ErrClosed.
func (s *Service) sqlDB() (*sql.DB, error) {
	db, err := s.st.Read(context.Background())
	if err != nil {
		return nil, err
	}
	return db.DB()
}

// sharedMeter validates p and resolves it into a meter of the shared buckets.
func (s *Service) sharedMeter(p Principal) (*meter, *sql.DB, error) {
	if err := p.validate(); err != nil {
		return nil, nil, err
	}
	m, err := s.eng.meter(p)
	if err != nil {
		return nil, nil, err
	}
	db, err := s.sqlDB()
	return m, db, err
}

// checkShared is [Service.Check] on shared buckets: one query reads the levels.
func (s *Service) checkShared(ctx context.Context, p Principal, estimate int64) error {
	if err := checkTokens("estimate", estimate); err != nil {
		return err
	}
	m, db, err := s.sharedMeter(p)
	if err != nil {
		return err
	}
	if err := m.read(ctx, db); err != nil {
		return err
	}
	return m.judge(estimate)
}

// recordShared is [Service.Record] on shared buckets: one statement spends, then
// the usage is added to the hourly aggregates, which are flushed as in-process.
func (s *Service) recordShared(ctx context.Context, p Principal, tokens int64) error {
	if err := checkTokens("tokens", tokens); err != nil {
		return err
	}
	m, db, err := s.sharedMeter(p)
	if err != nil || tokens == 0 {
		return err
	}
	if err := m.spend(ctx, db, tokens); err != nil {
		return err
	}
	var pl *plan // service and anonymous principals count for no group
	if m.plan != nil && len(m.plan.members) > 0 {
		pl = m.plan
	}
	s.eng.shard(p.UserID).addUsage(p.UserID, pl, s.eng.now(), tokens)
	return nil
}

// statusShared is [Service.Status] on shared buckets.
func (s *Service) statusShared(ctx context.Context, p Principal) (Status, error) {
	m, db, err := s.sharedMeter(p)
	if err != nil {
		return Status{}, err
	}
	if err := m.read(ctx, db); err != nil {
		return Status{}, err
	}
	return m.status(), nil
}

// sweepShared deletes the workspace's shared rows that have refilled completely,
// and the rows of limits that no longer exist.
func (s *Service) sweepShared(ctx context.Context) error {
	db, err := s.sqlDB()
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, sharedSweep, s.ws)
	return err
}
