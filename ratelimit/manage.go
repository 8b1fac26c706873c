package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/authz"
	"github.com/rosterhq/roster/internal/store"
)

// CreateLimit adds a limit to the workspace and returns it with its new ID; l.ID must
// be empty. It applies from the next Check. Admin only (users.ErrNotAdmin otherwise).
//
// It returns an [*InvalidError] (matching [ErrInvalid] and roster.ErrInvalid) when l
// fails [Limit.Validate] or its period is not a whole number of seconds, and
// groups.ErrGroupNotFound when a group limit names no group of the workspace. Nothing
// is written when it fails.
func (s *Service) CreateLimit(ctx context.Context, actor access.Actor, l Limit) (Limit, error) {
	if l.ID != "" {
		return Limit{}, invalid(l.ID, "ID", "is assigned by CreateLimit")
	}
	l.ID = uuid.NewString()
	if err := validateStored(l); err != nil {
		return Limit{}, err
	}
	if err := s.ready(ctx); err != nil {
		return Limit{}, err
	}
	_, err := s.st.Mutate(ctx, s.ws, actor, func(tx *store.Tx) error {
		if err := requireEditable(tx, l); err != nil {
			return err
		}
		row := rowOf(s.ws, l, tx.Now)
		if err := tx.DB.Create(&row).Error; err != nil {
			return err
		}
		tx.Audit("rate_limit.create", l.ID, details(l))
		tx.AfterCommit(s.reloadAfterCommit)
		return nil
	})
	if err != nil {
		return Limit{}, err
	}
	return l, nil
}

// UpdateLimit replaces the limit with ID l.ID. Its buckets keep their levels, capped
// at the new budget, and refill at the new rate from the next Check; a change of
// scope or group starts it with full buckets. Admin only. It fails as CreateLimit
// does, and with an error matching [ErrNotFound] and roster.ErrNotFound for an ID
// that is not a limit of the workspace.
func (s *Service) UpdateLimit(ctx context.Context, actor access.Actor, l Limit) (Limit, error) {
	if err := validateStored(l); err != nil {
		return Limit{}, err
	}
	if err := s.ready(ctx); err != nil {
		return Limit{}, err
	}
	_, err := s.st.Mutate(ctx, s.ws, actor, func(tx *store.Tx) error {
		if err := requireEditable(tx, l); err != nil {
			return err
		}
		old, err := loadLimit(tx.DB, s.ws, l.ID)
		if err != nil {
			return err
		}
		if err := rebucket(tx, old, l); err != nil {
			return err
		}
		err = tx.DB.Model(&limitRow{}).Where("id = ? AND workspace_id = ?", l.ID, s.ws).Updates(map[string]any{
			"scope": string(l.Scope), "group_id": l.GroupID, "budget": l.Budget,
			"period_seconds": int64(l.Period / time.Second), "enabled": l.Enabled,
		}).Error
		if err != nil {
			return err
		}
		tx.Audit("rate_limit.update", l.ID, details(l))
		tx.AfterCommit(s.reloadAfterCommit)
		return nil
	})
	if err != nil {
		return Limit{}, err
	}
	return l, nil
}

// DeleteLimit deletes a limit and its buckets. Admin only; an unknown id is an error
// matching [ErrNotFound] and roster.ErrNotFound.
func (s *Service) DeleteLimit(ctx context.Context, actor access.Actor, id string) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	_, err := s.st.Mutate(ctx, s.ws, actor, func(tx *store.Tx) error {
		if err := authz.RequireAdmin(tx); err != nil {
			return err
		}
		l, err := loadLimit(tx.DB, s.ws, id)
		if err != nil {
			return err
		}
		if err := deleteLimits(tx, []string{id}); err != nil {
			return err
		}
		tx.Audit("rate_limit.delete", id, details(l))
		tx.AfterCommit(s.reloadAfterCommit)
		return nil
	})
	return err
}

// ListLimits returns the workspace's limits, oldest first. Admin only.
func (s *Service) ListLimits(ctx context.Context, actor access.Actor) ([]Limit, error) {
	var out []Limit
	err := s.st.View(ctx, s.ws, actor, func(tx *store.Tx) error {
		if err := authz.RequireAdmin(tx); err != nil {
			return err
		}
		var err error
		out, err = loadLimits(tx.DB, s.ws)
		return err
	})
	return out, err
}

// GroupLimits returns the limits of one group, oldest first, to an actor within the
// group's scope (the scope rule of package groups): admins, and the curators of the group.
func (s *Service) GroupLimits(ctx context.Context, actor access.Actor, groupID string) ([]Limit, error) {
	var out []Limit
	err := s.st.View(ctx, s.ws, actor, func(tx *store.Tx) error {
		if err := authz.RequireScope(tx, groupID); err != nil {
			return err
		}
		var err error
		out, err = findLimits(tx.DB.Where("workspace_id = ? AND scope = ? AND group_id = ?", s.ws, string(ScopeGroup), groupID))
		return err
	})
	return out, err
}

// deleteGroupLimits deletes the limits of group groupID and their buckets, inside
// the group's deletion: the roster package adds it to the groups' hooks.
func (s *Service) deleteGroupLimits(tx *store.Tx, groupID string) error {
	var ids []string
	err := tx.DB.Model(&limitRow{}).Where("workspace_id = ? AND scope = ? AND group_id = ?",
		s.ws, string(ScopeGroup), groupID).Order("id").Pluck("id", &ids).Error
	if err != nil || len(ids) == 0 {
		return err
	}
	if err := deleteLimits(tx, ids); err != nil {
		return err
	}
	for _, id := range ids {
		tx.Audit("rate_limit.delete", id, map[string]any{"group_id": groupID, "reason": "group deleted"})
	}
	tx.AfterCommit(s.reloadAfterCommit)
	return nil
}

// forgetUser deletes the saved buckets of user userID and, after commit, drops the
// user's buckets from the engine, inside the user's deletion: the roster package adds
// it to the users' hooks. The user's usage rows are kept.
func (s *Service) forgetUser(tx *store.Tx, userID string) error {
	userLimits := tx.DB.Session(&gorm.Session{NewDB: true}).Model(&limitRow{}).Select("id").
		Where("workspace_id = ? AND scope = ?", s.ws, string(ScopeUser))
	for _, table := range []any{&bucketRow{}, &sharedBucketRow{}} {
		err := tx.DB.Where(`"key" = ? AND limit_id IN (?)`, userID, userLimits).Delete(table).Error
		if err != nil {
			return err
		}
	}
	tx.AfterCommit(func() {
		s.eng.Forget(userID)
		s.knownMu.Lock()
		delete(s.known, userID)
		s.knownMu.Unlock()
	})
	return nil
}

// validateStored is Limit.Validate plus what the table needs: whole seconds.
func validateStored(l Limit) error {
	if err := l.Validate(); err != nil {
		return err
	}
	if l.Period%time.Second != 0 {
		return invalid(l.ID, "Period", "%v is not a whole number of seconds", l.Period)
	}
	return nil
}

// requireEditable refuses a non-admin actor, and a group limit whose group is not a
// group of the workspace.
func requireEditable(tx *store.Tx, l Limit) error {
	if err := authz.RequireAdmin(tx); err != nil {
		return err
	}
	if l.Scope == ScopeGroup {
		return authz.GroupExists(tx, l.GroupID)
	}
	return nil
}

// rebucket carries an edit of limit old into its stored buckets: a change of scope or
// group starts it afresh (its saved and shared buckets go); a change of budget or
// period settles its shared buckets at the old rate up to the edit and caps them at
// the new budget (PostgreSQL only: SQLite holds no shared bucket).
func rebucket(tx *store.Tx, old, l Limit) error {
	if old.Scope != l.Scope || old.GroupID != l.GroupID {
		if err := tx.DB.Delete(&bucketRow{}, "limit_id = ?", l.ID).Error; err != nil {
			return err
		}
		return tx.DB.Delete(&sharedBucketRow{}, "limit_id = ?", l.ID).Error
	}
	if tx.Dialect != store.Postgres || (old.Budget == l.Budget && old.Period == l.Period) {
		return nil
	}
	return tx.DB.Exec(sharedSettle, float64(l.Budget), float64(old.Budget), float64(old.Budget), old.Period.Seconds(), l.ID).Error
}

func deleteLimits(tx *store.Tx, ids []string) error {
	if err := tx.DB.Where("limit_id IN ?", ids).Delete(&bucketRow{}).Error; err != nil {
		return err
	}
	if err := tx.DB.Where("limit_id IN ?", ids).Delete(&sharedBucketRow{}).Error; err != nil {
		return err
	}
	return tx.DB.Where("id IN ? AND workspace_id = ?", ids, tx.Workspace).Delete(&limitRow{}).Error
}

func loadLimit(db *gorm.DB, ws, id string) (Limit, error) {
	var r limitRow
	err := db.Where("id = ? AND workspace_id = ?", id, ws).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Limit{}, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return r.limit(), err
}

func details(l Limit) map[string]any {
	return map[string]any{"scope": l.Scope, "group_id": l.GroupID, "budget": l.Budget,
		"period_seconds": int64(l.Period / time.Second), "enabled": l.Enabled}
}
