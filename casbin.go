package roster

import (
	"context"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/enforcer"
)

// CasbinView answers casbin's questions about one workspace, for plugins
// whose authors already speak casbin. It is read-only: it has no method that
// writes, and its enforcer's adapter refuses every write, so policy changes
// only through roster's API (audited, checked, versioned).
//
// The model is roster's RBAC with domains (access.ModelConf), domain = the
// workspace: requests are (sub, obj, act) with sub "u:<user id>", obj
// "<kind>:<id>" (access.Resource.String) and act "view" or "edit"; the
// policy lines are spelled as access.Line documents. Enforce answers
// exactly as Access.Can does for a user and resource roster knows.
//
// The view holds roster's lines only. A casbin_rule row roster never writes
// (one access.ParseLine refuses: a fifth or sixth value, a role given to a
// group, an action the model does not know, ...), put there by another
// tool, is not loaded and not applied, just as the access index ignores it:
// it never grants, never makes a call fail, and never makes the view
// disagree with Access.Can. HasPolicy and GetFilteredPolicy do not see it.
//
// Behind the view is a casbin SyncedEnforcer for this workspace only, built
// on the first call that needs it (none exists after Open): loaded from one
// consistent snapshot of the database through gorm-adapter's filtered
// adapter (the workspace's p and g lines), with auto-save off and no
// auto-loading. After that it takes every committed change in version
// order, applied under its lock, so it is current when a write through this
// Directory returns, as Access is, and takes other processes' changes when
// this Directory polls or awaits them (Directory.AwaitVersion). A change it
// cannot take drops it and the next call rebuilds it.
//
// Cost: the enforcer holds a copy of the workspace's lines (memory linear in
// them), and casbin's Enforce scans every p line of the workspace: for
// plugins and tools, not request paths; use Access.Can there. The first
// call pays for loading the workspace.
//
// A CasbinView is safe for concurrent use and stays valid until the
// Directory is closed; then every method returns an error matching
// ErrClosed, as does every method of the zero value. Every method answers
// false or nothing along with an error. Most callers want Enforce.
type CasbinView Workspace // a conversion of the Workspace, so Workspace.Casbin allocates nothing

// Casbin returns the workspace's read-only casbin view. It builds nothing:
// the enforcer behind it is built on first use.
func (w *Workspace) Casbin() *CasbinView { return (*CasbinView)(w) }

// enforcer returns the workspace's enforcer, building it on first use.
func (v *CasbinView) enforcer(ctx context.Context) (*enforcer.Enforcer, error) {
	w := (*Workspace)(v)
	if w.d == nil || w.d.st.Closed() {
		return nil, ErrClosed
	}
	return w.d.casbin.Get(ctx, w.d.st, w.id)
}

// Enforce reports whether the request (sub, obj, act) is allowed in the
// workspace by roster's casbin model, as casbin's Enforce(sub, workspace,
// obj, act) does. For a user and a resource roster knows it agrees with
// Access.Can(userID, act, resource) given sub "u:<userID>" and
// obj resource.String(); anything else is denied.
func (v *CasbinView) Enforce(ctx context.Context, sub, obj, act string) (bool, error) {
	e, err := v.enforcer(ctx)
	if err != nil {
		return false, err
	}
	return e.Enforce(sub, obj, act)
}

// HasPolicy reports whether the workspace holds the p line (sub, workspace,
// obj, act), as casbin's HasPolicy does.
func (v *CasbinView) HasPolicy(ctx context.Context, sub, obj, act string) (bool, error) {
	e, err := v.enforcer(ctx)
	if err != nil {
		return false, err
	}
	return e.HasPolicy(sub, obj, act)
}

// GetFilteredPolicy returns the workspace's p lines whose subject, object
// and action equal sub, obj and act, an empty argument matching any value,
// as casbin's GetFilteredPolicy(0, sub, workspace, obj, act) does. The
// lines are in the order the enforcer holds them.
func (v *CasbinView) GetFilteredPolicy(ctx context.Context, sub, obj, act string) ([]access.Line, error) {
	e, err := v.enforcer(ctx)
	if err != nil {
		return nil, err
	}
	return e.FilteredPolicy(sub, obj, act)
}

// GetImplicitRolesForUser returns, sorted, what sub holds through g lines in
// the workspace, directly or through other roles, as casbin's
// GetImplicitRolesForUser(sub, workspace) does: for a user "u:<id>", its
// stored role ("role:admin", ...), its groups ("g:<id>") and "deactivated"
// if it is.
func (v *CasbinView) GetImplicitRolesForUser(ctx context.Context, sub string) ([]string, error) {
	e, err := v.enforcer(ctx)
	if err != nil {
		return nil, err
	}
	return e.ImplicitRoles(sub)
}

// GetImplicitUsersForRole returns, sorted, the subjects that hold role
// through g lines in the workspace, directly or through other roles, as
// casbin's GetImplicitUsersForRole(role, workspace) does: for "g:<id>" the
// group's members, for "role:admin" the admins (deactivated ones too: the
// role line stays).
func (v *CasbinView) GetImplicitUsersForRole(ctx context.Context, role string) ([]string, error) {
	e, err := v.enforcer(ctx)
	if err != nil {
		return nil, err
	}
	return e.ImplicitUsers(role)
}
