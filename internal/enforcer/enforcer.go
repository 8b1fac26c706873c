// Package enforcer keeps casbin SyncedEnforcers over roster's policy, one per
// workspace, for applications that speak casbin (the root package's
// CasbinView). Roster's own checks never use them: they run on the access
// index.
//
// An [Enforcer] is loaded from a read-only snapshot of the database at a
// known version, through gorm-adapter's filtered adapter (the workspace's p
// lines and g lines, see access.DomainFilters) wrapped so that every
// persisting call is an error ([ErrReadOnly]); auto-save is off and
// auto-loading is never started. From then on it changes only by the
// committed changes the store hands over in version order, applied with
// casbin's Self* calls under the enforcer's lock, so a reader sees each
// change entirely or not at all. [Set] builds enforcers lazily and registers
// each at exactly the store's applied version, so none misses or repeats a
// change.
//
// An enforcer holds only roster's lines: a casbin_rule row access.ParseLine
// refuses (one another tool wrote, with a v4 or v5 value, a role given to a
// group, an action roster does not know, ...) is left out when loading and
// skipped when applying a change, as the access index ignores it. Such a
// row never grants, never makes the enforcer fail, and never makes it
// disagree with Access.Can.
package enforcer

import (
	"context"
	"fmt"
	"slices"

	"github.com/casbin/casbin/v2"
	gormadapter "github.com/casbin/gorm-adapter/v3"
	"gorm.io/gorm"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/store"
)

// Enforcer is one workspace's casbin enforcer. Its query methods are safe
// for concurrent use with each other and with apply.
type Enforcer struct {
	ws string
	se *casbin.SyncedEnforcer
	at int64 // the version the policy reflects; written only under the store's apply lock, or before the Enforcer is registered
}

// load builds the enforcer of workspace ws from a snapshot of the database.
func load(ctx context.Context, st *store.Store, ws string) (*Enforcer, error) {
	var e *Enforcer
	err := st.Snapshot(ctx, func(db *gorm.DB, version int64) error {
		// TurnOffAutoMigrate rewrites the *gorm.DB it is given: give it a copy.
		adb := db.Session(&gorm.Session{})
		gormadapter.TurnOffAutoMigrate(adb)
		ga, err := gormadapter.NewFilteredAdapterByDB(adb, "", store.Rule{}.TableName())
		if err != nil {
			return fmt.Errorf("roster: casbin adapter: %w", err)
		}
		se, err := access.NewSyncedEnforcer(readOnly{a: ga})
		if err != nil {
			return err
		}
		if err := se.LoadFilteredPolicy(filterOf(access.DomainFilters(ws))); err != nil {
			return fmt.Errorf("roster: load the casbin policy of workspace %q: %w", ws, err)
		}
		e = &Enforcer{ws: ws, se: se, at: version}
		return nil
	})
	return e, err
}

// filterOf turns access's row filters into gorm-adapter filters, one each.
// A slice of filters is the form of gorm-adapter's batch filter that a
// caller can build (BatchFilter's field is unexported).
func filterOf(filters [][7][]string) []gormadapter.Filter {
	fs := make([]gormadapter.Filter, len(filters))
	for i, f := range filters {
		fs[i] = gormadapter.Filter{Ptype: f[0], V0: f[1], V1: f[2], V2: f[3], V3: f[4], V4: f[5], V5: f[6]}
	}
	return fs
}

// apply applies one committed change to the policy, unless the enforcer
// holds it already (it was loaded at that version or later). A change that
// is not the next version is an error: the enforcer would miss one. The
// store's apply lock must be held.
func (e *Enforcer) apply(ch store.Change) error {
	if ch.Version <= e.at {
		return nil
	}
	if ch.Version != e.at+1 {
		return fmt.Errorf("roster: the casbin enforcer of workspace %q is at version %d and got version %d", e.ws, e.at, ch.Version)
	}
	removed, added := rulesOf(e.ws, ch.Removed), rulesOf(e.ws, ch.Added)
	lock := e.se.GetLock()
	lock.Lock()
	defer lock.Unlock()
	// Removals first, as the index applies them; one lock for the whole
	// change, so a reader never sees half of it.
	ptypes := [...]string{access.PolicyType, access.GroupingType}
	for _, ptype := range ptypes {
		if rs := removed[ptype]; len(rs) > 0 {
			if _, err := e.se.Enforcer.SelfRemovePolicies(ptype, ptype, rs); err != nil {
				return fmt.Errorf("roster: casbin enforcer of workspace %q: %w", e.ws, err)
			}
		}
	}
	for _, ptype := range ptypes {
		if rs := added[ptype]; len(rs) > 0 {
			if _, err := e.se.Enforcer.SelfAddPoliciesEx(ptype, ptype, rs); err != nil {
				return fmt.Errorf("roster: casbin enforcer of workspace %q: %w", e.ws, err)
			}
		}
	}
	e.at = ch.Version
	return nil
}

// rulesOf returns the rules of the workspace's lines, by policy type,
// skipping every line that is not roster's (see keep).
func rulesOf(ws string, lines []access.Line) map[string][][]string {
	var out map[string][][]string
	for _, l := range lines {
		if l.Domain() != ws || !keep(l) {
			continue
		}
		ptype, rule, _ := l.Rule() // keep holds only lines Rule accepts
		if out == nil {
			out = map[string][][]string{}
		}
		out[ptype] = append(out[ptype], rule)
	}
	return out
}

// keep reports whether an enforcer holds line l: only when it is one of
// roster's lines, exactly the lines the access index reads. Every line
// ParseLine accepts is one casbin's model can hold (Rule accepts it).
func keep(l access.Line) bool {
	_, ok := access.ParseLine(l)
	return ok
}

// Enforce answers the request (sub, workspace, obj, act) with roster's model.
func (e *Enforcer) Enforce(sub, obj, act string) (bool, error) {
	return e.se.Enforce(sub, e.ws, obj, act)
}

// HasPolicy reports whether the workspace holds the p line (sub, obj, act).
func (e *Enforcer) HasPolicy(sub, obj, act string) (bool, error) {
	return e.se.HasPolicy(sub, e.ws, obj, act)
}

// FilteredPolicy returns the workspace's p lines whose subject, object and
// action equal the given ones, an empty one matching any, in load order.
func (e *Enforcer) FilteredPolicy(sub, obj, act string) ([]access.Line, error) {
	rules, err := e.se.GetFilteredPolicy(0, sub, e.ws, obj, act)
	if err != nil {
		return nil, err
	}
	out := make([]access.Line, 0, len(rules))
	for _, r := range rules {
		if l, ok := access.RuleLine(access.PolicyType, r); ok { // every rule held is one (see keep)
			out = append(out, l)
		}
	}
	return out, nil
}

// ImplicitRoles returns the roles sub holds in the workspace, directly or
// through other roles, sorted.
func (e *Enforcer) ImplicitRoles(sub string) ([]string, error) {
	lock := e.se.GetLock()
	lock.RLock()
	defer lock.RUnlock()
	roles, err := e.se.Enforcer.GetImplicitRolesForUser(sub, e.ws)
	return sorted(roles), err
}

// ImplicitUsers returns the subjects that hold role in the workspace,
// directly or through other roles, sorted.
func (e *Enforcer) ImplicitUsers(role string) ([]string, error) {
	// SyncedEnforcer does not wrap GetImplicitUsersForRole: take its lock.
	lock := e.se.GetLock()
	lock.RLock()
	defer lock.RUnlock()
	users, err := e.se.Enforcer.GetImplicitUsersForRole(role, e.ws)
	return sorted(users), err
}

func sorted(xs []string) []string {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	return slices.Compact(xs)
}
