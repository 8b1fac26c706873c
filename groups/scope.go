package groups

import (
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/errs"
	"github.com/rosterhq/roster/internal/store"
	"github.com/rosterhq/roster/users"
)

// RequireScope returns nil when tx's actor may change group id's members,
// curator flags and attachments (see the package documentation), and
// ErrGroupNotFound, ErrOutOfScope or the actor's refusal otherwise.
func RequireScope(tx *store.Tx, id string) error {
	if err := Exists(tx, id); err != nil {
		return err
	}
	role, err := users.ActorRole(tx)
	if err != nil {
		return err
	}
	if role == access.Admin {
		return nil
	}
	actorID, _ := tx.Actor.UserID()
	ok, err := Curatable(tx, actorID, role, id)
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

// Curatable reports whether a user with the given effective role may curate
// group id: a global curator who is a member, or a curator holding the
// group's flag.
func Curatable(tx *store.Tx, userID string, role access.Role, id string) (bool, error) {
	switch role {
	case access.GlobalCurator:
		return tx.HasLine(access.MemberLine(tx.Workspace, userID, id))
	case access.Curator:
		return tx.HasLine(access.CuratorLine(tx.Workspace, userID, id))
	}
	return false, nil
}
