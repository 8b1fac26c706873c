package groups

import (
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/authz"
	"github.com/rosterhq/roster/internal/errs"
	"github.com/rosterhq/roster/internal/store"
)

// requireScope returns nil when tx's actor may change group id's members,
// curator flags and attachments (see the package documentation), and
// ErrGroupNotFound, ErrOutOfScope or the actor's refusal otherwise. The
// actor of a live SCIM token of the workspace has scope over every group
// (provisioning manages members); SetCurator refuses it before this check.
func requireScope(tx *store.Tx, id string) error {
	if authz.IsSCIM(tx) {
		if err := authz.RequireSCIMToken(tx); err != nil {
			return err
		}
		return exists(tx, id)
	}
	if err := exists(tx, id); err != nil {
		return err
	}
	role, err := authz.ActorRole(tx)
	if err != nil {
		return err
	}
	if role == access.Admin {
		return nil
	}
	actorID, _ := tx.Actor.UserID()
	ok, err := curatable(tx, actorID, role, id)
	if err != nil || ok {
		return err
	}
	member, err := tx.HasLine(access.MemberLine(tx.Workspace, actorID, id))
	if err != nil {
		return err
	}
	switch {
	case member && role == access.Curator:
		return outOfScope(tx, id)
	case member:
		return errs.Errorf(access.ErrForbidden, "Only admins and curators may change groups.", "groups: only admins and curators change groups")
	}
	return ErrGroupNotFound
}

// curatable reports whether a user with the given effective role may curate
// group id: a global curator who is a member, or a curator holding the
// group's flag.
func curatable(tx *store.Tx, userID string, role access.Role, id string) (bool, error) {
	switch role {
	case access.GlobalCurator:
		return tx.HasLine(access.MemberLine(tx.Workspace, userID, id))
	case access.Curator:
		return tx.HasLine(access.CuratorLine(tx.Workspace, userID, id))
	}
	return false, nil
}
