package ratelimit

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/construct"
	"github.com/rosterhq/roster/internal/store"
)

// Service is the token rate limits of one workspace, kept in the database: the
// limits (admin-managed and audited), an [Engine] holding their buckets, the bucket
// levels saved across restarts, and the hourly usage for reports. Most callers want
// [Service.Check] before a model call and [Service.Record] after it; the roster
// package returns a workspace's Service from roster.Workspace.Limits and flushes it
// in the background.
//
// The limits are loaded from the database on first use (roster.Open loads every
// workspace's), with the saved bucket levels refilled by the time elapsed since they
// were saved. Edits of the limits apply to the next Check of this process once they
// commit. Edits made by another process sharing the database apply to the next Check
// once this process has applied their change (the Directory's follower does within
// its poll interval, roster.Directory.AwaitVersion at once): every applied change of
// the workspace marks its limits stale, and the next Check, Record or Status reads
// them again first (one query, however many changes came in between).
// [Service.Reload] reads them unconditionally. Bucket levels and usage live in memory
// until [Service.Flush] writes them, unless the buckets are shared (see the package
// documentation, Shared buckets).
//
// Check and Record do not allocate once the user's buckets exist: the Service keeps,
// for each user that called, their kind and their groups as the access index gave
// them, read again after any change of the workspace (see principal.go).
//
// A Service is safe for concurrent use. Package roster creates it; the zero value
// is not usable.
type Service struct {
	st  *store.Store
	ws  string
	ix  *access.Index
	eng *Engine
	svc func(ctx context.Context, userID string) (bool, error)
	now func() time.Time
	log *slog.Logger

	loadMu sync.Mutex    // serializes loading and reloading the limits
	loaded atomic.Bool   // the limits and saved buckets have been loaded
	want   atomic.Uint64 // counts the applied changes of the workspace (see changed)
	have   atomic.Uint64 // the count of changes the loaded limits reflect

	shared bool // buckets live in PostgreSQL (shared.go); the engine's stay empty

	knownMu sync.RWMutex     // guards known
	known   map[string]known // by user id: what principal read from the index (principal.go)

	flushMu sync.Mutex // serializes flushes; guards pending
	pending []UsageRow // usage drained but not yet written (a failed flush)
}

// newService returns the rate limits of workspace ws. Package roster calls it
// through package construct, with every field of cfg set; applications get a
// Service from roster.Workspace.Limits.
func newService(st *store.Store, ws string, cfg construct.LimitsConfig) *Service {
	eng := New(Config{Now: cfg.Now, MaxBuckets: cfg.MaxBuckets})
	return &Service{st: st, ws: ws, ix: cfg.Index, eng: eng, svc: cfg.IsService,
		now: cfg.Now, log: cfg.Logger, known: make(map[string]known), shared: cfg.Shared}
}

// Stats reports the workspace's buckets in memory and their evictions; see
// [Engine.Stats]. The engine itself stays private: changes to limits go
// through the Service, which audits and stores them.
func (s *Service) Stats() Stats { return s.eng.Stats() }

// Sweep drops the buckets that have refilled completely and returns how many
// went; see [Engine.Sweep]. The roster package sweeps at every flush.
func (s *Service) Sweep() int { return s.eng.Sweep() }

// Check reports whether user userID may make a model call now, with the estimated
// tokens of the call or 0 if unknown; see [Engine.Check] for the rules. The user's
// groups come from the access index at the time of the call. A service principal
// (users.KindService) meets global limits only, and so does an id that is not a
// user of the workspace, or "" for an anonymous caller.
//
// A refusal is a [*LimitError] matching [ErrRateLimited]. Bad input is an
// [*InvalidError] matching [ErrInvalid] and roster.ErrInvalid; after the Directory
// is closed Check fails with roster.ErrClosed.
func (s *Service) Check(ctx context.Context, userID string, estimate int64) error {
	p, err := s.principal(ctx, userID)
	if err != nil {
		return err
	}
	if s.shared {
		return s.checkShared(ctx, p, estimate)
	}
	return s.eng.Check(p, estimate)
}

// Record charges tokens, the actual usage of a model call by user userID, to every
// bucket that applies (see [Engine.Record]) and adds them to the user's hourly usage.
// Principals are resolved as by [Service.Check]. It never refuses; it returns an
// [*InvalidError] for a negative count.
func (s *Service) Record(ctx context.Context, userID string, tokens int64) error {
	p, err := s.principal(ctx, userID)
	if err != nil {
		return err
	}
	if s.shared {
		return s.recordShared(ctx, p, tokens)
	}
	return s.eng.Record(p, tokens)
}

// Status reports the remaining budget per scope of user userID, as Check sees it now.
func (s *Service) Status(ctx context.Context, userID string) (Status, error) {
	p, err := s.principal(ctx, userID)
	if err != nil {
		return Status{}, err
	}
	if s.shared {
		return s.statusShared(ctx, p)
	}
	return s.eng.Status(p)
}

// ready loads the limits and saved buckets on first use, and reads the limits
// again when a change of the workspace was applied since they were read.
func (s *Service) ready(ctx context.Context) error {
	if !s.loaded.Load() {
		return s.Load(ctx)
	}
	if s.have.Load() >= s.want.Load() {
		return nil
	}
	return s.reloadStale(ctx)
}

// reloadStale reads the limits again unless a concurrent call did while this one
// waited for the lock: a burst of Checks after a change costs one query.
func (s *Service) reloadStale(ctx context.Context) error {
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	g := s.want.Load()
	if s.have.Load() >= g {
		return nil
	}
	if err := s.reloadLocked(ctx); err != nil {
		return err
	}
	s.caughtUp(g)
	return nil
}

// changed records that a committed change of the workspace was applied to this
// process's index: its limits may have been edited by another process, so the
// next Check reads them again (see ready). Package roster calls it from the
// Directory's apply, under the store's apply lock, so it only counts.
func (s *Service) changed() { s.want.Add(1) }

// caughtUp records that the limits just read reflect at least the changes counted
// in g (read before the limits were). It requires s.loadMu held.
func (s *Service) caughtUp(g uint64) {
	if g > s.have.Load() {
		s.have.Store(g)
	}
}

// Load reads the workspace's limits and saved bucket levels into the engine, unless
// done already. The roster package calls it for every workspace at Open; otherwise
// the first call that needs the limits does.
func (s *Service) Load(ctx context.Context) error {
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	if s.loaded.Load() {
		return nil
	}
	g := s.want.Load()
	if err := s.reloadLocked(ctx); err != nil {
		return err
	}
	if !s.shared { // shared buckets live in the database, not in the engine
		states, err := s.savedBuckets(ctx)
		if err != nil {
			return err
		}
		if err := s.eng.Restore(states); err != nil {
			return err
		}
	}
	s.caughtUp(g)
	s.loaded.Store(true)
	return nil
}

// Reload replaces the engine's limits with the database's, keeping the levels of
// the buckets whose limits stay: it picks up edits committed by other processes.
// The roster package calls it at every flush, as a backstop; the next Check after
// a change of the workspace reloads too.
func (s *Service) Reload(ctx context.Context) error {
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	if !s.loaded.Load() {
		return nil // Load will read them
	}
	g := s.want.Load()
	if err := s.reloadLocked(ctx); err != nil {
		return err
	}
	s.caughtUp(g)
	return nil
}

func (s *Service) reloadLocked(ctx context.Context) error {
	db, err := s.st.Read(ctx)
	if err != nil {
		return err
	}
	limits, err := loadLimits(db, s.ws)
	if err != nil {
		return err
	}
	// An unchanged set is not published again: a new set makes every user's cached
	// group resolution stale, and this runs at every flush.
	slices.SortFunc(limits, func(a, b Limit) int { return strings.Compare(a.ID, b.ID) })
	if slices.Equal(limits, s.eng.Limits()) {
		return nil
	}
	return s.eng.SetLimits(limits)
}

// reloadAfterCommit applies a committed edit of the limits. Reading them back from
// the database, serialized by loadMu, makes the engine end at the latest committed
// state whatever the order in which concurrent edits reach here.
func (s *Service) reloadAfterCommit() {
	if err := s.Reload(context.Background()); err != nil {
		s.log.Error("ratelimit: applying a committed limit edit failed; it applies at the next reload",
			"workspace", s.ws, "error", err)
	}
}
