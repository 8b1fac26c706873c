// Package enforcer keeps casbin SyncedEnforcers over roster's policy, one per
// workspace, for applications that speak casbin (the root package's
// CasbinView). Roster's own checks never use them: they run on the access
// index.
//
// An [Enforcer] is loaded from a read-only snapshot of the database at a
// known version, through gorm-adapter's filtered adapter (the workspace's p
// lines and g lines, see access.DomainPatterns) wrapped so that every
// persisting call is an error ([ErrReadOnly]); auto-save is off and
// auto-loading is never started. From then on it changes only by the
// committed changes the store hands over in version order, applied with
// casbin's Self* calls under the enforcer's lock, so a reader sees each
// change entirely or not at all. [Set] builds enforcers lazily and registers
// each at exactly the store's applied version, so none misses or repeats a
// change.
package enforcer

import (
	"context"
	"fmt"
	"slices"

	"github.com/casbin/casbin/v2"
	gormadapter "github.com/casbin/gorm-adapter/v3"
	"gorm.io/gorm"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/errs"
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
		if err := se.LoadFilteredPolicy(filterOf(access.DomainPatterns(ws))); err != nil {
			return fmt.Errorf("roster: load the casbin policy of workspace %q: %w", ws, err)
		}
		if err := checkShapes(se); err != nil {
			return err
		}
		e = &Enforcer{ws: ws, se: se, at: version}
		return nil
	})
	return e, err
}

// filterOf turns line patterns into gorm-adapter filters, one per pattern.
// A slice of filters is the form of gorm-adapter's batch filter that a
// caller can build (BatchFilter's field is unexported).
func filterOf(patterns []access.Line) []gormadapter.Filter {
	one := func(v string) []string {
		if v == "" {
			return nil
		}
		return []string{v}
	}
	fs := make([]gormadapter.Filter, len(patterns))
	for i, p := range patterns {
		fs[i] = gormadapter.Filter{Ptype: one(p.PType), V0: one(p.V0), V1: one(p.V1), V2: one(p.V2), V3: one(p.V3)}
	}
	return fs
}

// checkShapes returns an error if the loaded policy holds a line the model
// cannot hold (a p line with other than four values, a g line with other
// than three): casbin would index past its end, or ignore a value.
func checkShapes(se *casbin.SyncedEnforcer) error {
	for ptype, want := range map[string]int{"p": 4, "g": 3} {
		rules, err := se.GetNamedPolicy(ptype)
		if ptype == "g" {
			rules, err = se.GetNamedGroupingPolicy(ptype)
		}
		if err != nil {
			return err
		}
		for _, r := range rules {
			if len(r) != want {
				return errs.Errorf(access.ErrInvalid, "The stored access rules are not valid.", "roster: casbin_rule holds %s line %q, which roster's casbin model cannot hold", ptype, r)
			}
		}
	}
	return nil
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
	removed, err := rulesOf(e.ws, ch.Removed)
	if err != nil {
		return err
	}
	added, err := rulesOf(e.ws, ch.Added)
	if err != nil {
		return err
	}
	lock := e.se.GetLock()
	lock.Lock()
	defer lock.Unlock()
	// Removals first, as the index applies them; one lock for the whole
	// change, so a reader never sees half of it.
	for _, ptype := range []string{"p", "g"} {
		if rs := removed[ptype]; len(rs) > 0 {
			if _, err := e.se.Enforcer.SelfRemovePolicies(ptype, ptype, rs); err != nil {
				return fmt.Errorf("roster: casbin enforcer of workspace %q: %w", e.ws, err)
			}
		}
	}
	for _, ptype := range []string{"p", "g"} {
		if rs := added[ptype]; len(rs) > 0 {
			if _, err := e.se.Enforcer.SelfAddPoliciesEx(ptype, ptype, rs); err != nil {
				return fmt.Errorf("roster: casbin enforcer of workspace %q: %w", e.ws, err)
			}
		}
	}
	e.at = ch.Version
	return nil
}

// rulesOf returns the rules of the workspace's lines, by policy type.
func rulesOf(ws string, lines []access.Line) (map[string][][]string, error) {
	var out map[string][][]string
	for _, l := range lines {
		if l.Domain() != ws {
			continue
		}
		ptype, rule, ok := l.Rule()
		if !ok {
			return nil, errs.Errorf(access.ErrInvalid, "The stored access rules are not valid.", "roster: the casbin model cannot hold line %q", l)
		}
		if out == nil {
			out = map[string][][]string{}
		}
		out[ptype] = append(out[ptype], rule)
	}
	return out, nil
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
	out := make([]access.Line, len(rules))
	for i, r := range rules {
		out[i] = access.Line{PType: "p", V0: r[0], V1: r[1], V2: r[2], V3: r[3]}
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
