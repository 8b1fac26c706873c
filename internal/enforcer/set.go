package enforcer

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/store"
)

// Set holds the enforcers built so far, at most one per workspace. Nothing
// is built until Get asks for a workspace. The zero value is an empty Set,
// ready to use. A Set is safe for concurrent use.
//
// Lock order: a workspace's build slot, then the store's apply lock, then
// mu. Apply runs under the store's apply lock and takes mu only to copy the
// list of enforcers.
type Set struct {
	mu     sync.Mutex               // guards the fields below
	live   map[string]*Enforcer     // registered enforcers: they receive every change
	slots  map[string]chan struct{} // per workspace, held while building its enforcer
	closed bool
}

// Get returns the enforcer of workspace ws, building it on first use: it is
// loaded from a snapshot of st at the committed version V, then, under the
// store's apply lock, brought from V to the applied version A with the
// changelog's changes (or, if A < V, told to skip the changes up to V when
// they arrive) and registered, so it receives every later change exactly
// once. A failed build is not kept: the next Get tries again. After Close it
// returns access.ErrClosed.
func (s *Set) Get(ctx context.Context, st *store.Store, ws string) (*Enforcer, error) {
	e, slot, err := s.lookup(ws)
	if e != nil || err != nil {
		return e, err
	}
	select {
	case slot <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-slot }()
	// Another caller may have built it while this one waited.
	if e, _, err := s.lookup(ws); e != nil || err != nil {
		return e, err
	}
	e, err = load(ctx, st, ws)
	if err != nil {
		return nil, err
	}
	err = st.AtApplied(func(applied int64) error { return s.register(ctx, st, e, applied) })
	if err != nil {
		return nil, err
	}
	return e, nil
}

// lookup returns the registered enforcer of ws, or the build slot of ws.
func (s *Set) lookup(ws string) (*Enforcer, chan struct{}, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, nil, access.ErrClosed
	}
	if e := s.live[ws]; e != nil {
		return e, nil, nil
	}
	if s.slots == nil {
		s.slots = map[string]chan struct{}{}
	}
	slot := s.slots[ws]
	if slot == nil {
		slot = make(chan struct{}, 1)
		s.slots[ws] = slot
	}
	return nil, slot, nil
}

// register brings e to the applied version and makes it live. The store's
// apply lock must be held.
func (s *Set) register(ctx context.Context, st *store.Store, e *Enforcer, applied int64) error {
	if applied > e.at {
		changes, err := st.Changes(ctx, e.at, applied)
		if err != nil {
			return err
		}
		for _, ch := range changes {
			if err := e.apply(ch); err != nil {
				return err
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return access.ErrClosed
	}
	if s.live == nil {
		s.live = map[string]*Enforcer{}
	}
	s.live[e.ws] = e
	return nil
}

// Apply applies a committed change to every registered enforcer. The store
// hands changes over in version order under its apply lock, which Apply
// relies on. An enforcer that cannot take the change is dropped (the next
// Get rebuilds it from the database) and the error says so.
func (s *Set) Apply(ch store.Change) error {
	s.mu.Lock()
	if len(s.live) == 0 {
		s.mu.Unlock()
		return nil
	}
	live := make([]*Enforcer, 0, len(s.live))
	for _, e := range s.live {
		live = append(live, e)
	}
	s.mu.Unlock()
	var errs []error
	for _, e := range live {
		if err := e.apply(ch); err != nil {
			s.drop(e)
			errs = append(errs, fmt.Errorf("%w; dropped, to be rebuilt on next use", err))
		}
	}
	return errors.Join(errs...)
}

func (s *Set) drop(e *Enforcer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.live[e.ws] == e {
		delete(s.live, e.ws)
	}
}

// Built reports whether the enforcer of workspace ws is built and live.
func (s *Set) Built(ws string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.live[ws] != nil
}

// Close drops every enforcer; Get returns access.ErrClosed from then on.
// No enforcer runs a goroutine, so there is nothing to stop.
func (s *Set) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.live, s.slots = nil, nil
}

// Reset drops the enforcers of workspaces (of every workspace if nil), so
// that the next Get rebuilds them from the database. A reload of the index,
// which skips the changelog, calls it under the store's apply lock: the
// dropped enforcers would otherwise miss the changes the reload skipped.
func (s *Set) Reset(workspaces []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if workspaces == nil {
		clear(s.live)
		return
	}
	for _, ws := range workspaces {
		delete(s.live, ws)
	}
}
