package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// Snapshot runs fn in a read-only transaction with the committed version:
// every read fn makes through db sees the database exactly at that version
// (a REPEATABLE READ snapshot on PostgreSQL, a read transaction on SQLite).
// Readers built from it, such as a casbin enforcer loaded through an
// adapter over db, hold the state of that version. On a closed store it
// returns ErrClosed.
func (s *Store) Snapshot(ctx context.Context, fn func(db *gorm.DB, version int64) error) error {
	if s.closed.Load() {
		return ErrClosed
	}
	return s.DB.WithContext(ctx).Transaction(func(db *gorm.DB) error {
		var version int64
		if err := db.Raw(`SELECT version FROM roster_version WHERE id = 1`).Scan(&version).Error; err != nil {
			return fmt.Errorf("roster: read version: %w", err)
		}
		return fn(db, version)
	}, readOnlyTx(s.Dialect))
}

// AtApplied calls fn with the applied version while holding the lock under
// which committed changes are handed to Options.Apply, so no change is
// applied while fn runs. A reader built at some version uses it to catch up
// to exactly the applied version (see Changes) and to start receiving
// changes from Apply, missing none and receiving none twice.
func (s *Store) AtApplied(fn func(applied int64) error) error {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	if s.closed.Load() {
		return ErrClosed
	}
	return fn(s.applied.Load())
}

// Changes reads the committed changes with versions after < v <= upTo from
// the changelog, in version order. A version missing from that range is an
// error.
func (s *Store) Changes(ctx context.Context, after, upTo int64) ([]Change, error) {
	var rows []changeRow
	err := s.DB.WithContext(ctx).Where("version > ? AND version <= ?", after, upTo).Order("version").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("roster: read changelog: %w", err)
	}
	out := make([]Change, 0, len(rows))
	for i, r := range rows {
		if want := after + 1 + int64(i); r.Version != want {
			return nil, fmt.Errorf("roster: changelog gap: want version %d, next row is %d", want, r.Version)
		}
		ch, err := r.change()
		if err != nil {
			return nil, err
		}
		out = append(out, ch)
	}
	if n := int64(len(out)); n != upTo-after && upTo > after {
		return nil, fmt.Errorf("roster: changelog gap: %d of the changes after version %d up to %d are missing", upTo-after-n, after, upTo)
	}
	return out, nil
}
