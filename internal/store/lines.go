package store

import (
	"context"
	"database/sql"
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

// loadBatch is how many lines LoadLines hands to its callback at a time.
const loadBatch = 1_000

// LoadLines streams every policy line to fn in batches, in id order, from
// one query read row by row, so memory stays bounded by a few batches
// whatever the table's size, and returns the committed version the lines
// reflect. It reads inside one transaction, so lines and version are
// consistent. fn is called one batch at a time, in order, from a goroutine
// LoadLines starts and waits for (see streamRules); it must not keep the
// slice, which is reused.
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

// streamRules reads the casbin_rule rows db selects, in id order, and hands
// them to fn as lines in batches of loadBatch, in order, one call at a time,
// from a goroutine of its own that it waits for before returning: reading
// the next batch overlaps with fn's work on this one, so loading takes about
// the longer of the two instead of their sum. The columns are scanned as
// raw bytes and each batch's text is copied into one string that its lines
// share, so loading allocates a few objects per batch instead of one per
// value. fn must not keep the lines slice, and should copy the strings it
// keeps (each pins its whole batch's text).
func streamRules(db *gorm.DB, fn func([]access.Line)) error {
	rows, err := db.Model(&Rule{}).Select("ptype, v0, v1, v2, v3, v4, v5").Order("id").Rows()
	if err != nil {
		return err
	}
	defer rows.Close()

	// Three line buffers circulate: one filling, one queued, one in fn.
	const buffers = 3
	free := make(chan []access.Line, buffers)
	for range buffers {
		free <- make([]access.Line, 0, loadBatch)
	}
	full := make(chan []access.Line, buffers)
	applied := make(chan struct{})
	go func() {
		defer close(applied)
		for lines := range full {
			fn(lines)
			free <- lines[:0]
		}
	}()
	defer func() { close(full); <-applied }()

	var cols [7]sql.RawBytes
	dest := make([]any, len(cols))
	for i := range cols {
		dest[i] = &cols[i]
	}
	var text []byte
	ends := make([][7]int, 0, loadBatch)
	flush := func() {
		if len(ends) == 0 {
			return
		}
		all := string(text)
		start := 0
		lines := <-free
		for _, e := range ends {
			var v [7]string
			for i, end := range e {
				v[i], start = all[start:end], end
			}
			lines = append(lines, access.Line{PType: v[0], V0: v[1], V1: v[2], V2: v[3], V3: v[4], V4: v[5], V5: v[6]})
		}
		full <- lines
		text, ends = text[:0], ends[:0]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		var e [7]int
		for i, c := range cols {
			text = append(text, c...)
			e[i] = len(text)
		}
		if ends = append(ends, e); len(ends) == loadBatch {
			flush()
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	flush()
	return nil
}
