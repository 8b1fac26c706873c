package users

import (
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/authz"
	"github.com/rosterhq/roster/internal/errs"
	"github.com/rosterhq/roster/internal/store"
)

// actorRole returns the effective role of the actor inside tx: Admin for
// System; the user's role for an active user of tx's
// workspace. Any other actor (unknown, deactivated, of another workspace) is
// refused with access.ErrForbidden. A SCIM token's actor has no role: it is
// refused here (ErrSCIMNotAllowed) and accepted only by the calls
// provisioning may make, which check its token themselves.
func actorRole(tx *store.Tx) (Role, error) {
	if tx.Actor.Privileged() {
		return access.Admin, nil
	}
	if _, scim := tx.Actor.SCIMTokenID(); scim {
		return "", ErrSCIMNotAllowed
	}
	id, ok := tx.Actor.UserID()
	if !ok {
		return "", errs.Errorf(access.ErrForbidden, "You are not allowed to do this.", "users: unknown actor %q", tx.Actor)
	}
	var n int64
	if err := tx.DB.Model(&row{}).Where("id = ? AND workspace_id = ?", id, tx.Workspace).Count(&n).Error; err != nil {
		return "", err
	}
	if n == 0 {
		return "", errs.Errorf(access.ErrForbidden, "You are not a user of this workspace.", "users: the actor is not a user of this workspace")
	}
	st, err := loadState(tx.DB, tx.Workspace, id)
	if err != nil {
		return "", err
	}
	if !st.active {
		return "", errs.Errorf(access.ErrForbidden, "Your account is deactivated.", "users: the actor is deactivated")
	}
	return st.role(), nil
}

// requireAdmin refuses every actor but an active admin and System.
func requireAdmin(tx *store.Tx) error {
	role, err := actorRole(tx)
	if err != nil {
		return err
	}
	if role != access.Admin {
		return ErrNotAdmin
	}
	return nil
}

// requireAdminOrSCIM accepts an active admin and System (false), and the
// actor of a live SCIM token of tx's workspace (true); it refuses everyone
// else as requireAdmin does, and a revoked token's actor with
// tokens.ErrTokenRevoked.
func requireAdminOrSCIM(tx *store.Tx) (scim bool, err error) {
	if authz.IsSCIM(tx) {
		return true, authz.RequireSCIMToken(tx)
	}
	return false, requireAdmin(tx)
}

// refuseSelf refuses an actor acting on their own user.
func refuseSelf(tx *store.Tx, target string) error {
	if id, ok := tx.Actor.UserID(); ok && id == target {
		return ErrSelfChange
	}
	return nil
}

// mustLoad returns the target user's row and state, or ErrUserNotFound if the
// id is not a user of tx's workspace.
func mustLoad(tx *store.Tx, id string) (row, state, error) {
	var r row
	res := tx.DB.Where("id = ? AND workspace_id = ?", id, tx.Workspace).Limit(1).Find(&r)
	if res.Error != nil {
		return row{}, state{}, res.Error
	}
	if res.RowsAffected == 0 {
		return row{}, state{}, ErrUserNotFound
	}
	st, err := loadState(tx.DB, tx.Workspace, id)
	return r, st, err
}

// activeAdmins counts the workspace's active admins who are people inside
// tx: service users (API keys) never count as the admin the last-admin rule
// protects. Mutations are serialized by the store, so the count cannot
// change before commit.
func activeAdmins(tx *store.Tx) (int64, error) {
	var n int64
	isAdmin, args := access.UserHasRoleSQL(userCol, wsCol, access.Admin)
	err := tx.DB.Model(&row{}).Where("workspace_id = ? AND kind = ?", tx.Workspace, string(KindPerson)).
		Where(isAdmin, args...).
		Where("NOT " + access.UserDeactivatedSQL(userCol, wsCol)).
		Count(&n).Error
	return n, err
}

// guardLastAdmin refuses a change that takes an active admin away when they
// are the last one. Only people count and are protected: a service user's
// change never leaves the workspace without an admin, and an admin service
// user does not make its last person admin removable.
func guardLastAdmin(tx *store.Tx, r row, st state) error {
	if st.stored != access.Admin || !st.active || r.Kind != string(KindPerson) {
		return nil
	}
	n, err := activeAdmins(tx)
	if err != nil {
		return err
	}
	if n <= 1 {
		return ErrLastAdmin
	}
	return nil
}

// exists returns nil if id is a user of tx's workspace, else ErrUserNotFound.
func exists(tx *store.Tx, id string) error {
	_, _, err := mustLoad(tx, id)
	return err
}

// roleOf returns the effective role of user id inside tx, or
// ErrUserNotFound.
func roleOf(tx *store.Tx, id string) (Role, error) {
	_, st, err := mustLoad(tx, id)
	return st.role(), err
}
