package users

import (
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/errs"
	"github.com/rosterhq/roster/internal/store"
)

// actorRole returns the effective role of the actor inside tx: Admin for
// System; the user's role for an active user of tx's
// workspace. Any other actor (unknown, deactivated, of another workspace) is
// refused with access.ErrForbidden.
func actorRole(tx *store.Tx) (Role, error) {
	if tx.Actor.Privileged() {
		return access.Admin, nil
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

// activeAdmins counts the workspace's active admins inside tx. Mutations are
// serialized by the store, so the count cannot change before commit.
func activeAdmins(tx *store.Tx) (int64, error) {
	var n int64
	isAdmin, args := access.UserHasRoleSQL(userCol, wsCol, access.Admin)
	err := tx.DB.Model(&row{}).Where("workspace_id = ?", tx.Workspace).
		Where(isAdmin, args...).
		Where("NOT " + access.UserDeactivatedSQL(userCol, wsCol)).
		Count(&n).Error
	return n, err
}

// guardLastAdmin refuses a change that takes an active admin away when they
// are the last one.
func guardLastAdmin(tx *store.Tx, st state) error {
	if st.stored != access.Admin || !st.active {
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
