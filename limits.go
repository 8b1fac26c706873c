package roster

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rosterhq/roster/internal/construct"
	"github.com/rosterhq/roster/internal/store"
	"github.com/rosterhq/roster/ratelimit"
	"github.com/rosterhq/roster/users"
)

// LimitsConfig configures token rate limits; see package ratelimit. The zero
// value uses the defaults.
type LimitsConfig struct {
	// FlushInterval is how often, in real time, the bucket levels and the
	// usage recorded in memory are written to the database; a crash loses at
	// most one interval of them. Close writes them too. At the same pace,
	// limits are read back from the database (a backstop: an edit made by
	// another process binds this one as soon as this Directory applies its
	// change, see ratelimit.Service) and full buckets are swept. Unless
	// Shared is set, bucket levels are per process: several processes
	// sharing a database each enforce the limits on their own traffic.
	// DefaultLimitsFlushInterval if not positive.
	FlushInterval time.Duration
	// Retention is how long hourly usage rows are kept; older ones are deleted
	// at every flush. DefaultUsageRetention if not positive.
	Retention time.Duration
	// MaxBuckets caps the per-user buckets each workspace holds in memory.
	// DefaultMaxBuckets if below 1.
	MaxBuckets int
	// Shared keeps the token buckets in the database instead of in this
	// process, so that every Directory on the database (one per instance of
	// the application) draws on the same buckets and N instances together
	// admit what one would. Every Check and Status is one query and every
	// Record one statement on PostgreSQL's clock (package ratelimit, Shared
	// buckets, says what they do and cost). It needs PostgreSQL: Open
	// refuses it on SQLite with an error matching ErrInvalid. False by
	// default: buckets in memory, the fastest for a single instance.
	Shared bool
}

// limitsState is the Directory's rate-limit state. The zero value is ready:
// handles are built (and wired) before startLimits runs.
type limitsState struct {
	mu       sync.Mutex                    // guards services, cancel, done
	services map[string]*ratelimit.Service // by workspace id
	cancel   context.CancelFunc            // stops the flusher; nil if not running
	done     chan struct{}                 // closed when the flusher has returned
	closeFor time.Duration                 // bounds Close's last flush; CloseFlushTimeout if zero
}

// CloseFlushTimeout bounds the last flush of Directory.Close: the bucket
// levels and usage still in memory are written within it or not at all (a
// database that does not answer then loses at most what one FlushInterval
// would), so that Close returns even when the database hangs.
const CloseFlushTimeout = 5 * time.Second

// Limits returns the workspace's token rate limits: Check before a model
// call, Record after it, and the admin's limits and usage reports.
// It is built once with the workspace's handle.
func (w *Workspace) Limits() *ratelimit.Service { return w.limits }

// all returns the rate-limit service of every workspace with a handle.
func (l *limitsState) all() []*ratelimit.Service {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]*ratelimit.Service, 0, len(l.services))
	for _, s := range l.services {
		out = append(out, s)
	}
	return out
}

// newLimits creates the workspace's rate-limit service and adds its
// clean-up to the workspace's hooks: a deleted group's limits go with it, a
// deleted user's buckets too (their usage stays).
func (w *Workspace) newLimits(uh *userHooks, gh *construct.GroupHooks) *ratelimit.Service {
	d := w.d
	newService := construct.Get[func(*store.Store, string, construct.LimitsConfig) *ratelimit.Service]("ratelimit.NewService")
	deleteGroupLimits := construct.Get[func(*ratelimit.Service, *store.Tx, string) error]("ratelimit.DeleteGroupLimits")
	forgetUser := construct.Get[func(*ratelimit.Service, *store.Tx, string) error]("ratelimit.ForgetUser")
	svc := newService(d.st, w.id, construct.LimitsConfig{
		Now:        d.cfg.Now,
		MaxBuckets: d.cfg.Limits.MaxBuckets,
		Index:      d.index,
		IsService: func(ctx context.Context, userID string) (bool, error) {
			u, err := w.users.Get(ctx, userID)
			if errors.Is(err, users.ErrUserNotFound) {
				return false, nil
			}
			return u.Kind == users.KindService, err
		},
		Logger: d.cfg.Logger,
		Shared: d.cfg.Limits.Shared,
	})
	d.limits.mu.Lock()
	if d.limits.services == nil {
		d.limits.services = make(map[string]*ratelimit.Service)
	}
	d.limits.services[w.id] = svc
	d.limits.mu.Unlock()
	gh.BeforeDelete = append(gh.BeforeDelete, func(tx *store.Tx, groupID string) error { return deleteGroupLimits(svc, tx, groupID) })
	uh.BeforeDelete = append(uh.BeforeDelete, func(tx *store.Tx, userID string) error { return forgetUser(svc, tx, userID) })
	return svc
}

// changed tells workspace ws's limits, if it has a handle, that a change of
// it was applied: the next Check reads its limits again, so an edit made by
// another process binds this one from the version of its change on. The
// Directory's apply calls it for every change, under the store's apply lock;
// it only counts.
func (l *limitsState) changed(ws string) {
	l.mu.Lock()
	svc := l.services[ws]
	l.mu.Unlock()
	if svc != nil {
		construct.Get[func(*ratelimit.Service)]("ratelimit.Changed")(svc)
	}
}

// reloaded marks the limits of the reloaded workspaces stale (every
// workspace's when ws is nil): a reload replaces changes that never passed
// through apply, limit edits among them.
func (l *limitsState) reloaded(ws []string) {
	if ws == nil {
		for _, svc := range l.all() {
			construct.Get[func(*ratelimit.Service)]("ratelimit.Changed")(svc)
		}
		return
	}
	for _, id := range ws {
		l.changed(id)
	}
}

// check refuses Shared on a database other than PostgreSQL; Open calls it
// before it touches the database.
func (c LimitsConfig) check(d store.Dialect) error {
	if c.Shared && d != store.Postgres {
		return fmt.Errorf("roster: LimitsConfig.Shared needs PostgreSQL, and this database is %s: %w", d, ErrInvalid)
	}
	return nil
}

// startLimits loads every workspace's limits and saved bucket levels (refilled
// by the time elapsed since they were saved), then starts the one goroutine
// that flushes them every FlushInterval.
func (d *Directory) startLimits(ctx context.Context) error {
	infos, err := d.Workspaces(ctx)
	if err != nil {
		return err
	}
	for _, info := range infos {
		if err := d.handle(info.ID).Limits().Load(ctx); err != nil {
			return err
		}
	}
	fctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	d.limits.mu.Lock()
	d.limits.cancel, d.limits.done = cancel, done
	d.limits.mu.Unlock()
	go d.runLimits(fctx, done, d.cfg.Limits)
	return nil
}

// runLimits flushes every interval, in real time, until ctx ends.
func (d *Directory) runLimits(ctx context.Context, done chan<- struct{}, cfg LimitsConfig) {
	defer close(done)
	tick := time.NewTicker(cfg.FlushInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if err := d.flushLimits(ctx, cfg, true); err != nil && ctx.Err() == nil {
				d.cfg.Logger.Error("roster: flushing rate-limit state failed; retrying at the next flush", "error", err)
			}
		}
	}
}

// flushLimits writes every workspace's bucket levels and usage; with upkeep
// it also prunes old usage, picks up limit edits of other processes and
// sweeps full buckets.
func (d *Directory) flushLimits(ctx context.Context, cfg LimitsConfig, upkeep bool) error {
	var errs []error
	for _, s := range d.limits.all() {
		errs = append(errs, s.Flush(ctx))
		if upkeep {
			errs = append(errs, s.Prune(ctx, d.cfg.Now().Add(-cfg.Retention)), s.Reload(ctx))
			s.Sweep()
		}
	}
	return errors.Join(errs...)
}

// stopLimits stops the flusher, waits for it, and flushes a last time, for
// CloseFlushTimeout at most; it runs before the database closes. Calls after the first do nothing.
func (d *Directory) stopLimits() error {
	d.limits.mu.Lock()
	cancel, done := d.limits.cancel, d.limits.done
	d.limits.cancel = nil
	d.limits.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	<-done
	timeout := d.limits.closeFor
	if timeout <= 0 {
		timeout = CloseFlushTimeout
	}
	ctx, stop := context.WithTimeout(context.Background(), timeout)
	defer stop()
	return d.flushLimits(ctx, d.cfg.Limits, false)
}
