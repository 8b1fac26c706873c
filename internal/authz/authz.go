// Package authz answers, inside a write transaction, who the actor is and
// what they may touch: the checks one noun runs before changing another's
// facts (a group's members are users, a resource's attachments are groups).
// Each check belongs to the noun whose rows and policy lines it reads, and
// returns that noun's errors (users.ErrNotAdmin, groups.ErrOutOfScope); those
// packages register the implementations with package construct, because they
// call these checks too and so cannot be imported from here. This package
// gives them typed names for the module's other packages.
package authz

import (
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/construct"
	"github.com/rosterhq/roster/internal/store"
)

// ActorRole returns the effective role of tx's actor: Admin for System, the
// user's role for an active user of tx's workspace, and an error matching
// access.ErrForbidden for any other actor (package users).
func ActorRole(tx *store.Tx) (access.Role, error) {
	return construct.Get[func(*store.Tx) (access.Role, error)]("users.ActorRole")(tx)
}

// RequireAdmin refuses every actor but an active admin and System with
// users.ErrNotAdmin (package users).
func RequireAdmin(tx *store.Tx) error {
	return construct.Get[func(*store.Tx) error]("users.RequireAdmin")(tx)
}

// RoleOf returns the effective role of user id, or users.ErrUserNotFound
// (package users).
func RoleOf(tx *store.Tx, id string) (access.Role, error) {
	return construct.Get[func(*store.Tx, string) (access.Role, error)]("users.RoleOf")(tx, id)
}

// UserExists returns nil if id is a user of tx's workspace, else
// users.ErrUserNotFound (package users).
func UserExists(tx *store.Tx, id string) error {
	return construct.Get[func(*store.Tx, string) error]("users.Exists")(tx, id)
}

// GroupExists returns nil if id is a group of tx's workspace, else
// groups.ErrGroupNotFound (package groups).
func GroupExists(tx *store.Tx, id string) error {
	return construct.Get[func(*store.Tx, string) error]("groups.Exists")(tx, id)
}

// GroupsOf returns the ids of the groups user userID is a member of
// (package groups).
func GroupsOf(tx *store.Tx, userID string) ([]string, error) {
	return construct.Get[func(*store.Tx, string) ([]string, error)]("groups.GroupsOf")(tx, userID)
}

// RequireScope returns nil when tx's actor may change group id's members,
// curator flags and attachments, and groups.ErrGroupNotFound,
// groups.ErrOutOfScope or the actor's refusal otherwise (package groups).
func RequireScope(tx *store.Tx, id string) error {
	return construct.Get[func(*store.Tx, string) error]("groups.RequireScope")(tx, id)
}

// OutOfScope returns groups.ErrOutOfScope for group id, whose sentence names
// the group: the one refusal, worded alike whichever package refuses, for an
// actor who is a member of group id but may not curate it (a member may see
// the group's name). It returns the error of reading the group if that fails
// (package groups).
func OutOfScope(tx *store.Tx, id string) error {
	return construct.Get[func(*store.Tx, string) error]("groups.OutOfScope")(tx, id)
}

// Curatable reports whether a user with the given effective role may curate
// group id: a global curator who is a member, or a curator holding the
// group's flag (package groups).
func Curatable(tx *store.Tx, userID string, role access.Role, id string) (bool, error) {
	return construct.Get[func(*store.Tx, string, access.Role, string) (bool, error)]("groups.Curatable")(tx, userID, role, id)
}

// RequireSCIMToken accepts tx's actor only while it is the actor of a live
// SCIM token of tx's workspace (access.SCIMActor), checked in tx, and
// refuses it with tokens.ErrTokenRevoked otherwise (package tokens).
func RequireSCIMToken(tx *store.Tx) error {
	return construct.Get[func(*store.Tx) error]("tokens.RequireSCIMToken")(tx)
}

// IsSCIM reports whether tx's actor is a SCIM token's actor, live or not.
// Callers that give SCIM a power check RequireSCIMToken as well.
func IsSCIM(tx *store.Tx) bool {
	_, ok := tx.Actor.SCIMTokenID()
	return ok
}

// RequireAdminOrSCIM accepts an active admin, System, and the actor of a
// live SCIM token of tx's workspace: the calls provisioning may make. A
// SCIM actor whose token is revoked is tokens.ErrTokenRevoked; anyone else
// gets RequireAdmin's refusal.
func RequireAdminOrSCIM(tx *store.Tx) error {
	if IsSCIM(tx) {
		return RequireSCIMToken(tx)
	}
	return RequireAdmin(tx)
}

// IsService reports whether user id of tx's workspace is a service user (an
// API key's), or returns users.ErrUserNotFound (package users).
func IsService(tx *store.Tx, id string) (bool, error) {
	return construct.Get[func(*store.Tx, string) (bool, error)]("users.IsService")(tx, id)
}
