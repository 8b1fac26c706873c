package ratelimit

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// flushBatch is the number of rows per INSERT of a flush.
const flushBatch = 500

// limitRow is the roster_rate_limits table.
type limitRow struct {
	ID            string `gorm:"primaryKey"`
	WorkspaceID   string
	Scope         string
	GroupID       string
	Budget        int64
	PeriodSeconds int64
	Enabled       bool
	CreatedAt     time.Time
}

func (limitRow) TableName() string { return "roster_rate_limits" }

func rowOf(ws string, l Limit, now time.Time) limitRow {
	return limitRow{ID: l.ID, WorkspaceID: ws, Scope: string(l.Scope), GroupID: l.GroupID, Budget: l.Budget,
		PeriodSeconds: int64(l.Period / time.Second), Enabled: l.Enabled, CreatedAt: now}
}

func (r limitRow) limit() Limit {
	return Limit{ID: r.ID, Scope: Scope(r.Scope), GroupID: r.GroupID, Budget: r.Budget,
		Period: time.Duration(r.PeriodSeconds) * time.Second, Enabled: r.Enabled}
}

// bucketRow is the roster_rate_buckets table: one saved bucket level.
type bucketRow struct {
	LimitID string `gorm:"primaryKey"`
	Key     string `gorm:"primaryKey"`
	Tokens  float64
	At      time.Time
}

func (bucketRow) TableName() string { return "roster_rate_buckets" }

// sharedBucketRow is the roster_shared_buckets table: one shared bucket (shared.go).
// Only deletes go through gorm; spending and reading are statements of their own.
type sharedBucketRow struct {
	LimitID string `gorm:"primaryKey"`
	Key     string `gorm:"primaryKey"`
	Tokens  float64
	At      time.Time
}

func (sharedBucketRow) TableName() string { return "roster_shared_buckets" }

// usageRow is the roster_token_usage table: a user's tokens in one hour.
type usageRow struct {
	WorkspaceID string    `gorm:"primaryKey"`
	Hour        time.Time `gorm:"primaryKey"`
	UserID      string    `gorm:"primaryKey"`
	Tokens      int64
}

func (usageRow) TableName() string { return "roster_token_usage" }

func loadLimits(db *gorm.DB, ws string) ([]Limit, error) {
	return findLimits(db.Where("workspace_id = ?", ws))
}

func findLimits(q *gorm.DB) ([]Limit, error) {
	var rows []limitRow
	if err := q.Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Limit, len(rows))
	for i, r := range rows {
		out[i] = r.limit()
	}
	return out, nil
}

// wsLimitIDs is the subquery of the ids of the workspace's limits.
func wsLimitIDs(db *gorm.DB, ws string) *gorm.DB {
	return db.Model(&limitRow{}).Select("id").Where("workspace_id = ?", ws)
}

// savedBuckets reads the saved levels of the workspace's buckets.
func (s *Service) savedBuckets(ctx context.Context) ([]BucketState, error) {
	db, err := s.st.Read(ctx)
	if err != nil {
		return nil, err
	}
	var rows []bucketRow
	if err := db.Where("limit_id IN (?)", wsLimitIDs(db.Session(&gorm.Session{NewDB: true}), s.ws)).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]BucketState, len(rows))
	for i, r := range rows {
		out[i] = BucketState{LimitID: r.LimitID, Key: r.Key, Tokens: r.Tokens, At: r.At.UTC()}
	}
	return out, nil
}

// Flush writes what lives in memory only: the hourly usage recorded since the last
// flush (added to the rows of the same hours) and the level of every bucket that is
// not full (replacing the saved levels; saved levels of buckets that have refilled
// since are deleted). Bucket levels and usage are bookkeeping, written without audit.
// Usage that fails to be written is kept for the next Flush. The roster package
// flushes every LimitsConfig.FlushInterval and at Close. Shared buckets are always
// in the database: Flush then deletes the rows of those that have refilled
// completely instead.
func (s *Service) Flush(ctx context.Context) error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	if s.shared {
		return errors.Join(s.flushUsageLocked(ctx), s.sweepShared(ctx))
	}
	return errors.Join(s.flushUsageLocked(ctx), s.flushBuckets(ctx))
}

// flushUsageLocked writes the pending and newly drained user rows. It requires
// s.flushMu held.
func (s *Service) flushUsageLocked(ctx context.Context) error {
	rows := mergeUsage(s.pending, s.eng.DrainUsage())
	s.pending = nil
	if len(rows) == 0 {
		return nil
	}
	db, err := s.st.Read(ctx)
	if err == nil {
		err = writeUsage(db, s.ws, rows)
	}
	if err != nil {
		s.pending = rows
	}
	return err
}

// mergeUsage sums the user rows (GroupID "") of a and b by hour and user: one INSERT
// must not name a key twice.
func mergeUsage(a, b []UsageRow) []UsageRow {
	type key struct {
		hour int64
		user string
	}
	idx := make(map[key]int)
	var out []UsageRow
	for _, r := range append(a, b...) {
		if r.GroupID != "" {
			continue // a group's usage is its members' (see GroupUsage)
		}
		k := key{r.Hour.Unix(), r.UserID}
		if i, ok := idx[k]; ok {
			out[i].Tokens += r.Tokens
			continue
		}
		idx[k] = len(out)
		out = append(out, r)
	}
	return out
}

func writeUsage(db *gorm.DB, ws string, rows []UsageRow) error {
	out := make([]usageRow, len(rows))
	for i, r := range rows {
		out[i] = usageRow{WorkspaceID: ws, Hour: r.Hour.UTC(), UserID: r.UserID, Tokens: r.Tokens}
	}
	upsert := clause.OnConflict{
		Columns:   []clause.Column{{Name: "workspace_id"}, {Name: "hour"}, {Name: "user_id"}},
		DoUpdates: clause.Assignments(map[string]any{"tokens": gorm.Expr("roster_token_usage.tokens + excluded.tokens")}),
	}
	return db.Transaction(func(tx *gorm.DB) error {
		return tx.Clauses(upsert).CreateInBatches(out, flushBatch).Error
	})
}

// flushBuckets replaces the saved levels of the workspace's buckets with a snapshot.
// Before the limits are loaded the engine holds nothing worth saving, and writing
// would erase the saved levels, so it does nothing then.
func (s *Service) flushBuckets(ctx context.Context) error {
	if !s.loaded.Load() {
		return nil
	}
	db, err := s.st.Read(ctx)
	if err != nil {
		return err
	}
	t := s.now().UTC()
	states := s.eng.Snapshot()
	rows := make([]bucketRow, len(states))
	for i, st := range states {
		rows[i] = bucketRow{LimitID: st.LimitID, Key: st.Key, Tokens: st.Tokens, At: st.At.UTC()}
	}
	upsert := clause.OnConflict{
		Columns:   []clause.Column{{Name: "limit_id"}, {Name: "key"}},
		DoUpdates: clause.AssignmentColumns([]string{"tokens", "at"}),
	}
	return db.Transaction(func(tx *gorm.DB) error {
		if len(rows) > 0 {
			if err := tx.Clauses(upsert).CreateInBatches(rows, flushBatch).Error; err != nil {
				return err
			}
		}
		// Rows the snapshot did not refresh are buckets that are full now, or of
		// limits deleted meanwhile.
		stale := tx.Where(`"at" < ? AND limit_id IN (?)`, t, wsLimitIDs(tx.Session(&gorm.Session{NewDB: true}), s.ws))
		if err := stale.Delete(&bucketRow{}).Error; err != nil {
			return err
		}
		orphans := tx.Session(&gorm.Session{NewDB: true}).Model(&limitRow{}).Select("id")
		return tx.Where("limit_id NOT IN (?)", orphans).Delete(&bucketRow{}).Error
	})
}

// Prune deletes the workspace's usage rows of hours before before. The roster
// package prunes what is older than LimitsConfig.Retention at every flush.
func (s *Service) Prune(ctx context.Context, before time.Time) error {
	db, err := s.st.Read(ctx)
	if err != nil {
		return err
	}
	return db.Where("workspace_id = ? AND hour < ?", s.ws, before.UTC()).Delete(&usageRow{}).Error
}
