package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/rosterhq/roster/access"
)

// Change is what one committed mutation did to the policy: its version and
// the casbin lines it inserted and deleted. A change with no lines still has
// a version (it was audited).
type Change struct {
	Version   int64
	Workspace string
	Added     []access.Line
	Removed   []access.Line
}

// Tx is the transaction of one mutation. Functions given to Mutate write
// roster's rows through DB, policy lines through AddLines and RemoveLines
// (never directly, so the changelog and the index see every line), and record
// what they did with Audit.
type Tx struct {
	DB        *gorm.DB
	Workspace string
	Actor     access.Actor
	Now       time.Time
	Dialect   Dialect

	added, removed []access.Line
	events         []auditRow
	after          []func()
}

// AddLines inserts policy lines. A line that exists already is left alone and
// not reported as added.
func (tx *Tx) AddLines(lines ...access.Line) error {
	for _, l := range lines {
		row := ruleOf(l)
		res := tx.DB.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return fmt.Errorf("roster: add policy line: %w", res.Error)
		}
		if res.RowsAffected > 0 {
			tx.added, tx.removed = netChange(tx.added, tx.removed, l)
		}
	}
	return nil
}

// netChange records that line l went one way (into to), unless the same
// transaction moved it the other way before (it is in from): then the two
// cancel out and neither list names it, so the changelog and the index see
// only the transaction's net effect.
func netChange(to, from []access.Line, l access.Line) ([]access.Line, []access.Line) {
	if i := slices.Index(from, l); i >= 0 {
		return to, slices.Delete(from, i, i+1)
	}
	return append(to, l), from
}

// RemoveLines deletes policy lines, each matched on every column (casbin's
// own adapter widens a delete when a value is empty; this never does). A line
// that does not exist is not reported as removed.
func (tx *Tx) RemoveLines(lines ...access.Line) error {
	for _, l := range lines {
		cond, args := access.LineSQL(l)
		res := tx.DB.Where(cond, args...).Delete(&Rule{})
		if res.Error != nil {
			return fmt.Errorf("roster: remove policy line: %w", res.Error)
		}
		if res.RowsAffected > 0 {
			tx.removed, tx.added = netChange(tx.removed, tx.added, l)
		}
	}
	return nil
}

// Audit records an audit event in the transaction. details may be nil.
func (tx *Tx) Audit(action, target string, details map[string]any) {
	tx.events = append(tx.events, auditRow{Action: action, Target: target, details: details})
}

// AfterCommit schedules f to run after the transaction commits and the index
// has the change, outside every lock; it never runs if the transaction fails.
func (tx *Tx) AfterCommit(f func()) { tx.after = append(tx.after, f) }

// Mutate runs fn as one audited mutation of workspace ws by actor, as the
// package documentation describes, and returns the committed change once
// the index holds it. A mutation that writes no policy line and no audit
// event is rolled back (any row it wrote goes too) and returns the current
// version: a call that changes nothing takes no version.
//
// When the change commits but the index cannot take it (the changelog
// versions before it cannot be read), Mutate retries for ApplyRetry at most
// (less if ctx ends first), then wakes Options.Behind and returns the change
// with an *access.NotAppliedError carrying its version: the change is
// committed, the index lacks it. The functions given to AfterCommit run in
// either case.
func (s *Store) Mutate(ctx context.Context, ws string, actor access.Actor, fn func(*Tx) error) (Change, error) {
	if s.closed.Load() {
		return Change{}, ErrClosed
	}
	var ch Change
	var after []func()
	err := s.DB.WithContext(ctx).Transaction(func(db *gorm.DB) error {
		version, err := s.nextVersion(db)
		if err != nil {
			return err
		}
		tx := &Tx{DB: db, Workspace: ws, Actor: actor, Now: s.Now().UTC(), Dialect: s.Dialect}
		if err := fn(tx); err != nil {
			return err
		}
		if len(tx.added) == 0 && len(tx.removed) == 0 && len(tx.events) == 0 {
			return errNoChange
		}
		ch = Change{Version: version, Workspace: ws, Added: tx.added, Removed: tx.removed}
		if err := s.writeChange(db, tx, ch); err != nil {
			return err
		}
		if err := s.notify(db, version); err != nil {
			return err
		}
		after = tx.after
		return nil
	})
	if errors.Is(err, errNoChange) {
		return Change{Version: s.Applied(), Workspace: ws}, nil
	}
	if err != nil {
		return Change{}, err
	}
	err = s.settle(ctx, ch)
	for _, f := range after {
		f()
	}
	return ch, err
}

// ApplyRetry bounds how long Mutate keeps retrying to apply its own
// committed change when reading the changelog fails.
const ApplyRetry = time.Second

// settle hands the committed change ch to the index, retrying with a short
// backoff (10 ms, doubling, up to 200 ms apart) for ApplyRetry at most, or
// until ctx ends. The change is committed whatever becomes of the caller's
// context, so every attempt runs without its cancellation; ctx only cuts the
// waits between them. If the index still lacks ch, it wakes the follower
// (Options.Behind) and returns an *access.NotAppliedError.
func (s *Store) settle(ctx context.Context, ch Change) error {
	bg := context.WithoutCancel(ctx)
	err := s.deliver(bg, ch)
	if err == nil {
		return nil
	}
	start := time.Now() // real time, not s.Now: a fake clock must not stall the retries
	for delay := 10 * time.Millisecond; s.applied.Load() < ch.Version && time.Since(start)+delay <= ApplyRetry; delay = min(2*delay, 200*time.Millisecond) {
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return s.notApplied(ch, err)
		case <-t.C:
		}
		if err = s.deliver(bg, ch); err == nil {
			return nil
		}
	}
	if s.applied.Load() >= ch.Version {
		return nil
	}
	return s.notApplied(ch, err)
}

// notApplied wakes the follower to go on trying and returns the error of a
// change committed at ch.Version that the index does not hold.
func (s *Store) notApplied(ch Change, err error) error {
	if s.behind != nil {
		s.behind()
	}
	s.Log.Error("roster: a committed change could not be applied to this instance's index; the follower goes on trying",
		"version", ch.Version, "error", err)
	return &access.NotAppliedError{Version: ch.Version, Err: err}
}

// errNoChange rolls back a mutation that changed nothing, so that it takes
// no version and leaves no changelog row.
var errNoChange = errors.New("roster: no change")

// nextVersion increments the version row. Being the transaction's first
// write, it takes the lock that serializes roster's writers (see the package
// documentation); on SQLite the transaction is immediate anyway.
func (s *Store) nextVersion(db *gorm.DB) (int64, error) {
	var v int64
	err := db.Raw(`UPDATE roster_version SET version = version + 1 WHERE id = 1 RETURNING version`).Scan(&v).Error
	if err != nil {
		return 0, fmt.Errorf("roster: next version: %w", err)
	}
	return v, nil
}

func (s *Store) writeChange(db *gorm.DB, tx *Tx, ch Change) error {
	added, err := json.Marshal(linesJSON(ch.Added))
	if err != nil {
		return err
	}
	removed, err := json.Marshal(linesJSON(ch.Removed))
	if err != nil {
		return err
	}
	row := changeRow{Version: ch.Version, WorkspaceID: ch.Workspace, Added: string(added), Removed: string(removed), CreatedAt: tx.Now}
	if err := db.Create(&row).Error; err != nil {
		return fmt.Errorf("roster: changelog: %w", err)
	}
	for _, e := range tx.events {
		if err := insertAudit(db, tx, ch.Version, e); err != nil {
			return err
		}
	}
	return nil
}

// deliver hands committed changes to the index in version order. A change
// that arrives ahead of one not yet delivered (another goroutine committed
// first but has not reached deliver) pulls the missing versions from the
// changelog first, so the index never skips a version. If that catch-up
// reloaded instead (see CatchUp), the reload holds ch already. It returns
// the error that kept ch from the index, nil once the index holds ch.
func (s *Store) deliver(ctx context.Context, ch Change) error {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	if ch.Version <= s.applied.Load() {
		return nil
	}
	if ch.Version > s.applied.Load()+1 {
		if err := s.catchUpLocked(ctx, ch.Version-1); err != nil {
			s.Log.Warn("roster: reading the changelog failed; the index lacks a committed change until a catch-up succeeds",
				"from_version", s.applied.Load()+1, "version", ch.Version, "error", err)
			return err
		}
	}
	switch {
	case ch.Version == s.applied.Load()+1:
		s.applyLocked(ch)
	case ch.Version > s.applied.Load(): // the versions between are missing from the changelog
		if err := s.reloadLocked(ctx, fmt.Sprintf("version %d is missing from the changelog", s.applied.Load()+1)); err != nil {
			s.Log.Warn("roster: reloading the index failed; the index lacks a committed change until a catch-up succeeds",
				"version", ch.Version, "error", err)
			return err
		}
	}
	return nil
}

func (s *Store) applyLocked(ch Change) {
	if s.apply != nil {
		s.apply(ch)
	}
	s.setAppliedLocked(ch.Version)
}

// setAppliedLocked records the applied version and wakes those waiting for
// it to move (see Advanced). applyMu must be held.
func (s *Store) setAppliedLocked(v int64) {
	s.applied.Store(v)
	next := make(chan struct{})
	close(*s.advanced.Swap(&next))
}

// Advanced returns a channel that is closed the next time the applied
// version moves. AwaitVersion-style waiters read Applied, then wait on it.
func (s *Store) Advanced() <-chan struct{} { return *s.advanced.Load() }

// CatchUp applies every committed change above the applied version, reading
// them from the changelog, and returns the applied version. A backlog the
// changelog cannot replay, because a version is missing from it (a pruned
// changelog) or because it is longer than DefaultReloadAfter changes, is
// reloaded instead (see Reload). It waits for a catch-up or reload in
// progress only as long as ctx lasts. On a closed store it returns
// ErrClosed. Health reports the time and error of the last catch-up.
func (s *Store) CatchUp(ctx context.Context) (int64, error) {
	if err := s.applyMu.LockContext(ctx); err != nil {
		return s.applied.Load(), err
	}
	defer s.applyMu.Unlock()
	if s.closed.Load() {
		return s.applied.Load(), ErrClosed
	}
	start := s.Now()
	err := s.catchUpLocked(ctx, 0)
	s.healthMu.Lock()
	defer s.healthMu.Unlock()
	if err == nil {
		s.caughtUp = start
	}
	if ctx.Err() == nil || err == nil {
		s.lastErr = err // a caller that gave up says nothing about the database
	}
	return s.applied.Load(), err
}

// Applied returns the highest version the index has. It never waits.
func (s *Store) Applied() int64 { return s.applied.Load() }

// SetApplied records the version a freshly loaded index reflects.
func (s *Store) SetApplied(v int64) {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	s.setAppliedLocked(v)
	s.healthMu.Lock()
	defer s.healthMu.Unlock()
	s.caughtUp = s.Now()
}

// Health is what the store knows of its own staleness.
type Health struct {
	Applied  int64     // the highest version the index has
	CaughtUp time.Time // when a catch-up last read the whole changelog above Applied; zero if none did
	Err      error     // the error of the last catch-up; nil if it succeeded
	Reloads  int64     // how many reloads replaced a backlog (see CatchUp)
}

// Health returns the store's Health. It never waits for a catch-up.
func (s *Store) Health() Health {
	s.healthMu.Lock()
	defer s.healthMu.Unlock()
	return Health{Applied: s.applied.Load(), CaughtUp: s.caughtUp, Err: s.lastErr, Reloads: s.reloads}
}

// catchUpLocked applies changelog rows above s.applied.Load(), up to upTo (0: the
// committed version), or reloads when the rows cannot be replayed: more
// than s.reloadAfter of them, or a version missing. The committed version
// is read before the rows: a changelog row commits with its version, so
// every row up to it must be there, and one that is not is a gap.
func (s *Store) catchUpLocked(ctx context.Context, upTo int64) error {
	if upTo == 0 {
		v, err := s.CurrentVersion(ctx)
		if err != nil {
			return fmt.Errorf("roster: read the committed version: %w", err)
		}
		upTo = v
	}
	if upTo <= s.applied.Load() {
		return nil
	}
	var rows []changeRow
	err := s.DB.WithContext(ctx).Where("version > ? AND version <= ?", s.applied.Load(), upTo).Order("version").
		Limit(int(s.reloadAfter) + 1).Find(&rows).Error
	if err != nil {
		return fmt.Errorf("roster: read changelog: %w", err)
	}
	if int64(len(rows)) > s.reloadAfter {
		return s.reloadLocked(ctx, fmt.Sprintf("more than %d changes behind", s.reloadAfter))
	}
	for _, r := range rows {
		if r.Version != s.applied.Load()+1 {
			break
		}
		ch, err := r.change()
		if err != nil {
			return err
		}
		s.applyLocked(ch)
	}
	if s.applied.Load() < upTo {
		return s.reloadLocked(ctx, fmt.Sprintf("version %d is missing from the changelog", s.applied.Load()+1))
	}
	return nil
}

// CurrentVersion reads the committed version from the database.
func (s *Store) CurrentVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.DB.WithContext(ctx).Raw(`SELECT version FROM roster_version WHERE id = 1`).Scan(&v).Error
	return v, err
}

// View runs fn in a read-only transaction of workspace ws, for reads that
// must check the actor's permission against a consistent state. Lines and
// audit events must not be written through it.
func (s *Store) View(ctx context.Context, ws string, actor access.Actor, fn func(*Tx) error) error {
	if s.closed.Load() {
		return ErrClosed
	}
	return s.DB.WithContext(ctx).Transaction(func(db *gorm.DB) error {
		return fn(&Tx{DB: db, Workspace: ws, Actor: actor, Now: s.Now().UTC(), Dialect: s.Dialect})
	}, readOnlyTx(s.Dialect))
}

// Changed returns how many policy lines the transaction has added and
// removed so far. Callers compare it before and after a step to audit only
// steps that changed something.
func (tx *Tx) Changed() int { return len(tx.added) + len(tx.removed) }
