package roster

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/store"
)

// follower keeps the index up to date with the changelog: changes committed
// by other processes sharing the database, and any of this process's own
// that could not be applied in order at commit. Two goroutines: the
// catch-up loop, which reads the changelog every Config.PollInterval and
// whenever it is woken, and, on PostgreSQL, the listener, which wakes it as
// soon as a notification names a version the index lacks, and after each
// (re)connect, since notifications sent meanwhile reached nobody.
type follower struct {
	cancel context.CancelFunc
	done   sync.WaitGroup
	wake   chan struct{} // capacity 1: wakes coalesce

	mu        sync.Mutex // guards the fields below
	listening bool       // the listener is connected and listening
	listenErr error      // the listener's last connection error, nil while listening
	notified  int64      // the highest version a notification named
}

// startFollowing starts the follower unless following is turned off.
func (d *Directory) startFollowing() {
	if d.cfg.PollInterval < 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &follower{cancel: cancel, wake: make(chan struct{}, 1)}
	d.follow = f
	f.done.Go(func() { d.runFollower(ctx, f) })
	if d.st.CanListen() {
		f.done.Go(func() { d.runListener(ctx, f) })
	} else if d.st.Dialect == store.Postgres {
		d.cfg.Logger.Warn("roster: the PostgreSQL connection given in Config.DB has no DSN to listen with; changes of other instances arrive by polling only")
	}
}

// followerRetry is the first wait before the follower retries a failed
// catch-up; it doubles up to Config.PollInterval.
const followerRetry = 50 * time.Millisecond

func (d *Directory) runFollower(ctx context.Context, f *follower) {
	tick := time.NewTicker(d.cfg.PollInterval)
	defer tick.Stop()
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	var backoff time.Duration
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-f.wake:
		case <-retry.C:
		}
		got, err := d.st.CatchUp(ctx)
		switch {
		case err == nil:
			backoff = 0
			retry.Stop()
			f.forgetAbove(got)
		case ctx.Err() == nil:
			// A failed catch-up is retried soon, not only at the next poll:
			// a write of this instance's own, or AwaitVersion's waiters, may
			// be waiting for it.
			backoff = min(max(2*backoff, followerRetry), d.cfg.PollInterval)
			retry.Reset(backoff)
			d.cfg.Logger.Warn("roster: reading the changelog failed; the index answers from its last good state until a later catch-up succeeds",
				"version", d.st.Applied(), "retry_in", backoff, "error", err)
		}
	}
}

func (d *Directory) runListener(ctx context.Context, f *follower) {
	err := d.st.Listen(ctx, store.ListenHooks{
		Connected: func() {
			f.setListening(true, nil)
			f.poke()
		},
		Notified: func(v int64) {
			f.mu.Lock()
			f.notified = max(f.notified, v)
			f.mu.Unlock()
			if v > d.st.Applied() {
				f.poke()
			}
		},
		Error: func(err error) {
			if errors.Is(err, store.ErrNotAVersion) {
				d.cfg.Logger.Warn("roster: a change notification that is not a version was ignored", "error", err)
				return
			}
			f.setListening(false, err)
			d.cfg.Logger.Warn("roster: listening for changes failed; reconnecting, and polling meanwhile", "error", err)
		},
	})
	if err != nil && ctx.Err() == nil {
		d.cfg.Logger.Error("roster: listening for changes stopped; polling only", "error", err)
	}
}

// poke wakes the catch-up loop, unless a wake is pending already. A nil
// follower (following is off) has nothing to wake.
func (f *follower) poke() {
	if f == nil {
		return
	}
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// forgetAbove discards a notified version above v, the committed version a
// successful catch-up just read and applied: no change was committed with
// it (a stray or forged notification), so it must not make Status report a
// lag. A real change committed since notifies again, or has poked the
// catch-up loop already.
func (f *follower) forgetAbove(v int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notified = min(f.notified, v)
}

func (f *follower) setListening(on bool, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.listening, f.listenErr = on, err
}

// state returns whether the listener listens, its last error and the
// highest version notified. A nil follower neither listens nor knows.
func (f *follower) state() (bool, error, int64) {
	if f == nil {
		return false, nil, 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.listening, f.listenErr, f.notified
}

// stopFollowing stops the follower's goroutines and waits for them; the
// listener closes its connection before returning.
func (d *Directory) stopFollowing() {
	if d.follow == nil {
		return
	}
	d.follow.cancel()
	d.follow.done.Wait()
	d.follow.setListening(false, nil) // the listener's connection is closed
}

// reload takes a state of the policy the store read from one snapshot
// because the changelog could not be replayed (see store.Reload): it builds
// a fresh index of the reloaded workspaces aside, then swaps it in, so
// readers keep answering from the previous state until the new one is
// whole. Casbin enforcers of those workspaces are dropped, to be rebuilt on
// next use. It runs under the store's apply lock.
func (d *Directory) reload(r store.Reload) error {
	fresh := access.NewIndex()
	if err := r.Lines(func(lines []access.Line) { fresh.Apply(lines, nil) }); err != nil {
		return err
	}
	if n := fresh.Ignored(); n > 0 {
		d.cfg.Logger.Warn("roster: policy lines the index does not understand were ignored", "version", r.Version, "count", n)
	}
	d.index.Replace(fresh, r.Workspaces)
	d.casbin.Reset(r.Workspaces)
	d.limits.reloaded(r.Workspaces)
	if r.Workspaces == nil {
		d.cfg.Logger.Warn("roster: reloaded the whole index from the database", "reason", r.Reason, "version", r.Version)
	} else {
		d.cfg.Logger.Warn("roster: reloaded workspaces from the database", "reason", r.Reason, "version", r.Version, "workspaces", r.Workspaces)
	}
	return nil
}

// ErrVersionNotCommitted is returned by AwaitVersion for a version above
// the last one committed to the database: no write returned it, so waiting
// cannot bring it. It matches ErrInvalid.
var ErrVersionNotCommitted = newError("roster: the version asked for has not been committed",
	"The version asked for has not been committed; send back a version a write returned.", access.ErrInvalid)

// awaitClosedCheck is how often AwaitVersion looks whether the Directory
// was closed while it waits.
const awaitClosedCheck = 200 * time.Millisecond

// AwaitVersion returns once the index holds version v or later (the token a
// write returned, on this instance or another sharing the database), so
// that the checks that follow answer at least as of that write. Unless the
// index holds v already, it reads the committed version once: a v above it
// is ErrVersionNotCommitted at once. Otherwise it wakes the follower and
// waits for it to apply v (the follower retries a failed catch-up within
// milliseconds), so any number of waiters share one catch-up at a time
// and read nothing else; with following turned off
// (Config.PollInterval < 0) it reads the changelog itself. It returns ctx's
// error if v is not applied before ctx ends, ErrClosed on a closed
// Directory, and the database's error if the committed version (or, without
// a follower, the changelog) cannot be read.
func (d *Directory) AwaitVersion(ctx context.Context, v int64) error {
	if d.st.Closed() {
		return ErrClosed
	}
	if d.st.Applied() >= v {
		return nil
	}
	committed, err := d.CommittedVersion(ctx)
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		return err
	case v > committed:
		return fmt.Errorf("%w: version %d, committed %d", ErrVersionNotCommitted, v, committed)
	}
	if d.follow == nil {
		// One catch-up reads up to the committed version, which is v or more.
		_, err := d.st.CatchUp(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	d.follow.poke()
	for {
		advanced := d.st.Advanced()
		if d.st.Applied() >= v {
			return nil
		}
		if d.st.Closed() {
			return ErrClosed
		}
		timer := time.NewTimer(awaitClosedCheck)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-advanced:
			timer.Stop()
		case <-timer.C:
		}
	}
}

// Status is what a Directory knows of how current its index is. Status
// returns it.
type Status struct {
	// Version is the version of the last change the index holds.
	Version int64
	// Committed is the version of the last change committed to the
	// database, as Status read it; when the database did not answer, the
	// highest version known (from notifications or the index itself), where
	// a notification naming a version never committed counts only until the
	// next successful catch-up.
	Committed int64
	// CaughtUp is when the index last held every change committed before
	// it (a catch-up read the whole changelog above Version then), on the
	// Directory's clock; zero if never. While Lag is above zero or Err is
	// set, Now minus CaughtUp bounds how stale the index's answers are.
	CaughtUp time.Time
	// Listening is true while the Directory receives PostgreSQL's change
	// notifications; false on SQLite, with following turned off, and while
	// the listener reconnects (the poll covers meanwhile), and once the
	// Directory is closed.
	Listening bool
	// Reloads counts the times the index was reloaded from the database
	// because the changelog could not be replayed (a missing version, or a
	// backlog too long to replay).
	Reloads int64
	// Err says why the index may be stale: the database did not answer
	// Status, the last catch-up failed, or the listener lost its
	// connection. Nil when none of these holds. The index keeps answering
	// from its last good state meanwhile.
	Err error
}

// Lag returns how many committed changes the index has yet to apply.
func (s Status) Lag() int64 { return max(0, s.Committed-s.Version) }

// Status reports how current the index is: it reads the committed version
// (one small query bounded by ctx) and says what the follower last saw. It
// never fails: what it could not learn is in Status.Err. On a closed
// Directory Err is ErrClosed.
func (d *Directory) Status(ctx context.Context) Status {
	h := d.st.Health()
	listening, listenErr, notified := d.follow.state()
	s := Status{Version: h.Applied, Committed: max(h.Applied, notified), CaughtUp: h.CaughtUp,
		Listening: listening, Reloads: h.Reloads}
	if d.st.Closed() {
		s.Err = ErrClosed
		return s
	}
	committed, err := d.CommittedVersion(ctx)
	switch {
	case err != nil:
		s.Err = err
	case h.Err != nil:
		s.Committed, s.Err = committed, h.Err
	case listenErr != nil:
		s.Committed, s.Err = committed, listenErr
	default:
		s.Committed = committed
	}
	return s
}
