package resources

import (
	"fmt"
	"slices"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/internal/authz"
	"github.com/rosterhq/roster/internal/errs"
	"github.com/rosterhq/roster/internal/store"
)

// factsState tells authorizeFacts whether the resource is new, whether the
// actor owns it and whether it is public already.
type factsState struct {
	isNew     bool
	owned     bool
	wasPublic bool
	oldOwner  string
	oldShares []string // normalized, as Facts.normalized leaves them
}

// updateState is the factsState of an Update of a resource whose facts are old.
func updateState(tx *store.Tx, old Facts) factsState {
	return factsState{owned: actorIs(tx, old.Owner), wasPublic: old.Public, oldOwner: old.Owner, oldShares: old.normalized().SharedWith}
}

// authorizeFacts is the creation scope (Onyx's
// validate_object_creation_for_user, with roster's fixes): may tx's actor
// give resource r the facts f?
func authorizeFacts(tx *store.Tx, r access.Resource, f Facts, st factsState) error {
	role, err := authz.ActorRole(tx)
	if err != nil {
		return err
	}
	if role == access.Admin {
		return nil
	}
	if err := checkOwner(tx, r, f, st); err != nil {
		return err
	}
	if role == access.Limited {
		return errs.Errorf(access.ErrForbidden, "Limited users cannot register resources.", "resources: limited users register no resources")
	}
	// An agent's direct shares are its owner's (and admins') to change: a
	// curator's edit access does not include them, on any route.
	if r.Kind == access.Agent && !st.isNew && !st.owned && !slices.Equal(f.SharedWith, st.oldShares) {
		return errs.Errorf(access.ErrForbidden, "Only the owner of an agent or an admin may change whom it is shared with.", "resources: only an agent's owner or an admin changes its direct shares")
	}
	if r.Kind == access.Agent && (st.isNew || st.owned) {
		return agentScope(tx, f)
	}
	// Connectors, document sets, and agents edited by a curator who does not
	// own them (requireEdit let them in: every attached group is theirs).
	return curatorScope(tx, role, f, st)
}

// checkOwner lets a non-admin name only themselves as the owner of a new
// resource (and requires it of a new agent: an ownerless agent would be
// editable by admins alone), and keep the owner of an existing one.
func checkOwner(tx *store.Tx, r access.Resource, f Facts, st factsState) error {
	if st.isNew {
		if f.Owner != "" && !actorIs(tx, f.Owner) {
			return errs.Errorf(access.ErrForbidden, "Only an admin may register a resource for another owner.", "resources: only an admin registers a resource for another owner")
		}
		if r.Kind == access.Agent && f.Owner == "" {
			return errs.Errorf(access.ErrInvalid, "An agent needs an owner.", "resources: an agent is registered by its owner (Facts.Owner)")
		}
		return nil
	}
	if f.Owner != st.oldOwner {
		return errs.Errorf(access.ErrForbidden, "Only an admin may change who owns a resource.", "resources: only an admin changes a resource's owner")
	}
	return nil
}

// agentScope: any user from basic up may register agents they own, attached
// only to groups they are a member of (Onyx let anyone set any group).
func agentScope(tx *store.Tx, f Facts) error {
	actorID, _ := tx.Actor.UserID()
	mine, err := authz.GroupsOf(tx, actorID)
	if err != nil {
		return err
	}
	for _, g := range f.Groups {
		if !slices.Contains(mine, g) {
			return errs.Errorf(groups.ErrGroupNotFound, "Agents can be attached only to groups you belong to.", "%v: %q: agents are attached only to groups you belong to", groups.ErrGroupNotFound, g)
		}
	}
	return nil
}

// curatorScope covers connectors and document sets, and agents a curator
// edits without owning them: basic users register none; curators and global curators make a resource public only when it is
// new, owned by them or public already, must otherwise name at least one
// group, and every group they name must be one they curate.
func curatorScope(tx *store.Tx, role access.Role, f Facts, st factsState) error {
	if role != access.Curator && role != access.GlobalCurator {
		return errs.Errorf(access.ErrForbidden, "Basic users cannot register connectors or document sets.", "resources: basic users cannot register connectors or document sets")
	}
	if f.Public && !st.isNew && !st.owned && !st.wasPublic {
		return errs.Errorf(access.ErrForbidden, "Curators may make public only the resources they create or own.", "resources: curators make public only the resources they create or own")
	}
	if len(f.Groups) == 0 && !f.Public {
		return ErrNoGroups
	}
	actorID, _ := tx.Actor.UserID()
	for _, g := range f.Groups {
		ok, err := authz.Curatable(tx, actorID, role, g)
		if err != nil {
			return err
		}
		if !ok {
			return scopeRefusal(tx, actorID, g)
		}
	}
	return nil
}

// scopeRefusal refuses a group the actor may not curate: ErrOutOfScope for
// a member, ErrGroupNotFound for anyone else, so that a group's existence
// does not leak to non-members (as groups' scope check does).
func scopeRefusal(tx *store.Tx, actorID, g string) error {
	member, err := tx.HasLine(access.MemberLine(tx.Workspace, actorID, g))
	if err != nil {
		return err
	}
	if member {
		return authz.OutOfScope(tx, g)
	}
	return fmt.Errorf("%w: %q", groups.ErrGroupNotFound, g)
}
