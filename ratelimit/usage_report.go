package ratelimit

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/authz"
	"github.com/rosterhq/roster/internal/store"
)

// HourlyUsage is the tokens recorded in one hour, from the usage reports.
type HourlyUsage struct {
	// Hour is the start of the hour, in UTC.
	Hour time.Time
	// Tokens is the sum recorded in the hour.
	Tokens int64
}

// UserUsage returns the tokens recorded per hour by user userID, for the hours
// starting in [since, until), oldest first; hours without usage are left out. Usage
// recorded in this process is flushed first, so the report is current. The usage of
// a deleted user is kept and still reported. Admins may read any user's usage, a
// user their own (users.ErrNotAdmin otherwise). until before since is an
// [*InvalidError].
func (s *Service) UserUsage(ctx context.Context, actor access.Actor, userID string, since, until time.Time) ([]HourlyUsage, error) {
	return s.report(ctx, actor, since, until, func(tx *store.Tx, q *gorm.DB) (*gorm.DB, error) {
		if id, ok := actor.UserID(); !ok || id != userID {
			if err := authz.RequireAdmin(tx); err != nil {
				return nil, err
			}
		}
		return q.Where("user_id = ?", userID), nil
	})
}

// GroupUsage returns the tokens recorded per hour by the current members of group
// groupID (all of their usage, also from before they joined), as UserUsage does, to
// an actor within the group's scope (the scope rule of package groups).
func (s *Service) GroupUsage(ctx context.Context, actor access.Actor, groupID string, since, until time.Time) ([]HourlyUsage, error) {
	return s.report(ctx, actor, since, until, func(tx *store.Tx, q *gorm.DB) (*gorm.DB, error) {
		if err := authz.RequireScope(tx, groupID); err != nil {
			return nil, err
		}
		facts, _ := s.ix.GroupFacts(s.ws, groupID)
		return q.Where("user_id IN ?", append([]string{}, facts.Members...)), nil
	})
}

// WorkspaceUsage returns the tokens recorded per hour in the whole workspace (by
// users, service principals and anonymous callers), as UserUsage does. Admin only.
func (s *Service) WorkspaceUsage(ctx context.Context, actor access.Actor, since, until time.Time) ([]HourlyUsage, error) {
	return s.report(ctx, actor, since, until, func(tx *store.Tx, q *gorm.DB) (*gorm.DB, error) {
		return q, authz.RequireAdmin(tx)
	})
}

// report flushes the usage, then sums the workspace's rows in [since, until) that
// filter keeps, per hour, after filter has checked the actor.
func (s *Service) report(ctx context.Context, actor access.Actor, since, until time.Time,
	filter func(tx *store.Tx, q *gorm.DB) (*gorm.DB, error)) ([]HourlyUsage, error) {
	if until.Before(since) {
		return nil, invalid("", "until", "%v is before since %v", until, since)
	}
	s.flushMu.Lock()
	err := s.flushUsageLocked(ctx)
	s.flushMu.Unlock()
	if err != nil {
		return nil, err
	}
	var rows []usageRow
	err = s.st.View(ctx, s.ws, actor, func(tx *store.Tx) error {
		q := tx.DB.Model(&usageRow{}).Where("workspace_id = ? AND hour >= ? AND hour < ?", s.ws, since.UTC(), until.UTC())
		q, err := filter(tx, q)
		if err != nil {
			return err
		}
		return q.Select("hour, SUM(tokens) AS tokens").Group("hour").Order("hour").Find(&rows).Error
	})
	if err != nil {
		return nil, err
	}
	out := make([]HourlyUsage, len(rows))
	for i, r := range rows {
		out[i] = HourlyUsage{Hour: r.Hour.UTC(), Tokens: r.Tokens}
	}
	return out, nil
}
