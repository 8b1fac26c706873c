package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/rosterhq/roster/access"
)

// Lines returns the policy lines matching pattern, where an empty field
// matches any value. The pattern must name the policy type.
func (tx *Tx) Lines(pattern access.Line) ([]access.Line, error) {
	return queryLines(tx.DB, pattern)
}

// HasLine reports whether the exact line exists.
func (tx *Tx) HasLine(l access.Line) (bool, error) {
	var n int64
	cond, args := access.LineSQL(l)
	err := tx.DB.Model(&Rule{}).Where(cond, args...).Count(&n).Error
	return n > 0, err
}

func queryLines(db *gorm.DB, pattern access.Line) ([]access.Line, error) {
	if pattern.PType == "" {
		return nil, fmt.Errorf("roster: a line pattern needs a policy type")
	}
	cond, args := access.PatternSQL(pattern)
	q := db.Model(&Rule{}).Where(cond, args...)
	var rows []Rule
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	lines := make([]access.Line, len(rows))
	for i, r := range rows {
		lines[i] = LineOf(r)
	}
	return lines, nil
}

// loadBatch is how many casbin_rule rows LoadLines reads per query.
const loadBatch = 10_000

// LoadLines streams every policy line to fn in batches, in id order, reading
// by keyset so memory stays bounded by one batch whatever the table's size,
// and returns the committed version the lines reflect. It reads inside one
// transaction, so lines and version are consistent.
func (s *Store) LoadLines(ctx context.Context, fn func([]access.Line)) (int64, error) {
	var version int64
	err := s.DB.WithContext(ctx).Transaction(func(db *gorm.DB) error {
		if err := db.Raw(`SELECT version FROM roster_version WHERE id = 1`).Scan(&version).Error; err != nil {
			return err
		}
		return streamRules(db, fn)
	}, readOnlyTx(s.Dialect))
	return version, err
}

func streamRules(db *gorm.DB, fn func([]access.Line)) error {
	var last uint
	rows := make([]Rule, 0, loadBatch)
	lines := make([]access.Line, 0, loadBatch)
	for {
		rows = rows[:0]
		if err := db.Where("id > ?", last).Order("id").Limit(loadBatch).Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		lines = lines[:0]
		for _, r := range rows {
			lines = append(lines, LineOf(r))
		}
		fn(lines)
		last = rows[len(rows)-1].ID
	}
}
