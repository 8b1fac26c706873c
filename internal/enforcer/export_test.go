package enforcer

import (
	"context"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/persist"

	"github.com/rosterhq/roster/internal/store"
)

// What the external tests (which need rostertest, and so the root package)
// reach inside.

func Load(ctx context.Context, st *store.Store, ws string) (*Enforcer, error) {
	return load(ctx, st, ws)
}

func (s *Set) Register(ctx context.Context, st *store.Store, e *Enforcer) error {
	return st.AtApplied(func(a int64) error { return s.register(ctx, st, e, a) })
}

func (s *Set) Live(ws string) *Enforcer {
	e, _, _ := s.lookup(ws)
	return e
}

func (e *Enforcer) At() int64                      { return e.at }
func (e *Enforcer) Synced() *casbin.SyncedEnforcer { return e.se }
func (e *Enforcer) Apply(ch store.Change) error    { return e.apply(ch) }

type Adapter interface {
	persist.FilteredAdapter
	persist.BatchAdapter
	persist.UpdatableAdapter
}

func ReadOnlyAdapter() Adapter { return readOnly{} }
