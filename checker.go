package roster

import (
	"context"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/errs"
)

// Access answers "who may see or edit what" in one workspace, from the
// in-memory index compiled from the policy lines: a check is a few map
// lookups, whatever the number of lines (casbin's Enforce scans every line).
// The index holds every change committed through this Directory when the
// mutating call returns; changes by other instances arrive with
// Directory.AwaitVersion. Access is safe for concurrent use.
//
// Every answer denies by default: an unknown user or resource, a
// deactivated user, or a closed Directory never gets "yes".
type Access struct{ w *Workspace }

// Page asks for one page of ids: those after the cursor After (exclusive),
// at most Limit of them (all if Limit is zero).
type Page struct {
	After string
	Limit int
}

// Access returns the workspace's access checks, built once with the
// workspace's handle.
func (w *Workspace) Access() *Access { return w.access }

func (a *Access) index() (*access.Index, error) {
	if a.w.d.st.Closed() {
		return nil, ErrClosed
	}
	return a.w.d.index, nil
}

// Can reports whether the user may act on the resource, as docs/contract.md
// defines view and edit. It answers false with an error for a closed
// Directory (ErrClosed), an unknown action or kind (ErrInvalid), and an
// unknown user or resource (ErrNotFound); false without error for a
// deactivated user or a plain denial. Config.OnCheck, if set, sees every
// answer.
func (a *Access) Can(ctx context.Context, userID string, act access.Action, r access.Resource) (allowed bool, err error) {
	if on := a.w.d.cfg.OnCheck; on != nil {
		defer func() { on(act, r.Kind, allowed && err == nil) }()
	}
	ix, err := a.index()
	if err != nil {
		return false, err
	}
	if err := a.known(ix, userID, act, r); err != nil {
		return false, err
	}
	return ix.Can(a.w.id, userID, act, r), nil
}

func (a *Access) known(ix *access.Index, userID string, act access.Action, r access.Resource) error {
	if !act.Valid() {
		return errs.Errorf(ErrInvalid, "That is not a known action.", "roster: unknown action %q", act)
	}
	if err := r.Validate(); err != nil {
		return err
	}
	if err := a.knownUser(ix, userID); err != nil {
		return err
	}
	if !ix.Exists(a.w.id, r) {
		return errs.Errorf(ErrNotFound, "The "+r.Kind.Noun()+" does not exist.", "roster: resource %s not found", r)
	}
	return nil
}

// knownUser returns ErrNotFound unless userID is a user of the workspace.
func (a *Access) knownUser(ix *access.Index, userID string) error {
	if _, ok := ix.Role(a.w.id, userID); !ok {
		return errs.Errorf(ErrNotFound, "The user does not exist.", "roster: user %q not found", userID)
	}
	return nil
}

// Visible returns one page of the ids of resources of a kind the user may
// view, ascending, and the cursor of the next page ("" when done). A page is
// never silently truncated: a non-empty next means there is more.
func (a *Access) Visible(ctx context.Context, userID string, kind access.Kind, p Page) (ids []string, next string, err error) {
	ix, err := a.index()
	if err != nil {
		return nil, "", err
	}
	if !kind.Valid() || p.Limit < 0 {
		return nil, "", errs.Errorf(ErrInvalid, "The kind of resource or the page limit is not valid.", "roster: kind %q, limit %d", kind, p.Limit)
	}
	if err := a.knownUser(ix, userID); err != nil {
		return nil, "", err
	}
	ids, next = ix.Visible(a.w.id, userID, kind, p.After, p.Limit)
	return ids, next, nil
}

// WhoCan returns the ids of the users who may act on the resource, sorted.
func (a *Access) WhoCan(ctx context.Context, r access.Resource, act access.Action) ([]string, error) {
	ix, err := a.index()
	if err != nil {
		return nil, err
	}
	if !act.Valid() {
		return nil, errs.Errorf(ErrInvalid, "That is not a known action.", "roster: unknown action %q", act)
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return ix.WhoCan(a.w.id, r, act), nil
}

// Explain tells why Can answers as it does: the policy lines that granted,
// or the reason of the denial.
func (a *Access) Explain(ctx context.Context, userID string, act access.Action, r access.Resource) (access.Explanation, error) {
	ix, err := a.index()
	if err != nil {
		return access.Explanation{}, err
	}
	return ix.Explain(a.w.id, userID, act, r), nil
}

// ACLFor returns the user's ACL tokens for search-index filtering: a user
// may see a document iff ACLFor(user) and ACLOf(document's resource)
// intersect, exactly when Can(view) allows. A deactivated user's set is
// empty; an unknown user is ErrNotFound, as for Can.
func (a *Access) ACLFor(ctx context.Context, userID string) ([]string, error) {
	ix, err := a.index()
	if err != nil {
		return nil, err
	}
	if err := a.knownUser(ix, userID); err != nil {
		return nil, err
	}
	return ix.ACLFor(a.w.id, userID), nil
}

// ACLOf returns the ACL tokens to index beside a resource's documents.
// Tokens name groups by id, so renaming a group requires no re-indexing.
func (a *Access) ACLOf(ctx context.Context, r access.Resource) ([]string, error) {
	ix, err := a.index()
	if err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return ix.ACLOf(a.w.id, r), nil
}
