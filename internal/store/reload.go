package store

import (
	"context"
	"fmt"
	"slices"

	"gorm.io/gorm"

	"github.com/rosterhq/roster/access"
)

// DefaultReloadAfter is the longest backlog CatchUp replays change by
// change; a longer one is reloaded, since streaming a workspace's lines
// costs less than replaying many thousands of changes one by one.
const DefaultReloadAfter = 10_000

// Reload is a state of the policy read from one snapshot of the database,
// handed to Options.Reload when the changelog cannot bring the index up to
// date: a version missing from it (a pruned changelog), or a backlog longer
// than the store's reload threshold.
type Reload struct {
	// Version is the committed version the snapshot holds; once the
	// receiver returns nil, it is the applied version.
	Version int64
	// Workspaces are the workspaces whose lines Lines streams and whose
	// state the receiver replaces; every change between the applied
	// version and Version was to one of them (the changelog said so). Nil
	// means every workspace: a version was missing, so the changelog could
	// not say which workspaces changed.
	Workspaces []string
	// Reason says why the store reloads, for the log.
	Reason string
	// Lines streams the policy lines of Workspaces (of every workspace if
	// nil) in batches, calling fn as LoadLines does (in order, from a
	// goroutine of its own). It reads the snapshot, so it is valid only
	// during the call to Options.Reload.
	Lines func(fn func([]access.Line)) error
}

// reloadLocked reads the committed state in one snapshot and hands it to
// Options.Reload, which builds it aside and swaps it in; readers keep the
// state they had until the swap, never a half-loaded one. The apply lock
// must be held, so no change is applied meanwhile.
func (s *Store) reloadLocked(ctx context.Context, reason string) error {
	if s.reload == nil {
		return fmt.Errorf("roster: the changelog cannot be replayed (%s) and nothing reloads", reason)
	}
	var version int64
	err := s.DB.WithContext(ctx).Transaction(func(db *gorm.DB) error {
		if err := db.Raw(`SELECT version FROM roster_version WHERE id = 1`).Scan(&version).Error; err != nil {
			return fmt.Errorf("roster: read version: %w", err)
		}
		ws, err := s.changedWorkspaces(db, version)
		if err != nil {
			return err
		}
		return s.reload(Reload{Version: version, Workspaces: ws, Reason: reason, Lines: func(fn func([]access.Line)) error {
			q := db
			if ws != nil {
				// A session, so that streamRules's own clauses do
				// not pile onto this one.
				q = db.Where("(ptype = ? AND v1 IN ?) OR (ptype = ? AND v2 IN ?)", access.PolicyType, ws, access.GroupingType, ws).
					Session(&gorm.Session{})
			}
			return streamRules(q, fn)
		}})
	}, readOnlyTx(s.Dialect))
	if err != nil {
		return fmt.Errorf("roster: reload the index: %w", err)
	}
	s.healthMu.Lock()
	s.reloads++
	s.healthMu.Unlock()
	if version > s.applied.Load() {
		s.setAppliedLocked(version)
	}
	return nil
}

// changedWorkspaces returns the workspaces the changes after the applied
// version up to version were made to, or nil when the changelog does not
// hold every one of those changes (then any workspace may have changed).
func (s *Store) changedWorkspaces(db *gorm.DB, version int64) ([]string, error) {
	var n int64
	if err := db.Model(&changeRow{}).Where("version > ? AND version <= ?", s.applied.Load(), version).Count(&n).Error; err != nil {
		return nil, fmt.Errorf("roster: read changelog: %w", err)
	}
	if n != version-s.applied.Load() {
		return nil, nil
	}
	var ws []string
	err := db.Model(&changeRow{}).Where("version > ? AND version <= ?", s.applied.Load(), version).
		Distinct("workspace_id").Pluck("workspace_id", &ws).Error
	if err != nil {
		return nil, fmt.Errorf("roster: read changelog: %w", err)
	}
	if slices.Contains(ws, "") {
		return nil, nil
	}
	if ws == nil {
		ws = []string{}
	}
	return ws, nil
}

// SetReloadAfter sets the longest backlog CatchUp replays before it reloads
// instead (DefaultReloadAfter after Open). Tests lower it to reach the
// reload with a few changes.
func (s *Store) SetReloadAfter(n int64) {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	s.reloadAfter = max(n, 1)
}
