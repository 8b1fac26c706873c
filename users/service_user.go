package users

import (
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/errs"
	"github.com/rosterhq/roster/internal/store"
)

// validServiceRole refuses a role a service user (an API key's) may not
// hold, anything but basic, limited and admin, with an error matching
// ErrInvalidRole.
func validServiceRole(role Role) error {
	switch role {
	case access.Basic, access.Limited, access.Admin:
		return nil
	}
	return errs.Errorf(ErrInvalidRole, "An API key's role is basic, limited or admin.", "%v: %q for a service user", ErrInvalidRole, role)
}

// createServiceTx creates service user id with email and role inside a
// transaction whose actor package roster has checked (Workspace.CreateAPIKey
// composes it with the key). A service user passes no invite gate and no
// domain check (the hooks do not run) and never becomes the first admin: its
// role is the one asked, basic, limited or admin.
func (s *Service) createServiceTx(tx *store.Tx, id, email string, role Role) (User, error) {
	if err := validServiceRole(role); err != nil {
		return User{}, err
	}
	e, err := NormalizeEmail(email)
	if err != nil {
		return User{}, err
	}
	if err := emailFree(tx, e); err != nil {
		return User{}, err
	}
	r := row{ID: id, WorkspaceID: s.ws, Email: e, Kind: string(KindService), Source: string(SourceService), CreatedAt: tx.Now}
	if err := tx.DB.Create(&r).Error; err != nil {
		return User{}, err
	}
	if err := tx.AddLines(access.RoleLine(s.ws, id, role)); err != nil {
		return User{}, err
	}
	tx.Audit("user.register", id, map[string]any{"source": SourceService, "role": role, "kind": KindService})
	return r.user(state{stored: role, active: true}), nil
}

// isService reports whether user id of tx's workspace is a service user, or
// returns ErrUserNotFound.
func isService(tx *store.Tx, id string) (bool, error) {
	r, _, err := mustLoad(tx, id)
	return r.Kind == string(KindService), err
}

// loadService returns service user id, or ErrUserNotFound if id is not a
// service user of tx's workspace.
func loadService(tx *store.Tx, id string) (row, state, error) {
	r, st, err := mustLoad(tx, id)
	if err == nil && r.Kind != string(KindService) {
		return row{}, state{}, ErrUserNotFound
	}
	return r, st, err
}

// setServiceRoleTx sets a service user's role (basic, limited or admin)
// inside a transaction whose actor package roster has checked. A service
// user is never the admin the last-admin rule protects.
func (s *Service) setServiceRoleTx(tx *store.Tx, id string, role Role) (User, error) {
	if err := validServiceRole(role); err != nil {
		return User{}, err
	}
	r, st, err := loadService(tx, id)
	if err != nil {
		return User{}, err
	}
	if st.stored != role || st.curator {
		if err := s.replaceRole(tx, id, st, role); err != nil {
			return User{}, err
		}
		tx.Audit("user.set_role", id, map[string]any{"from": st.role(), "to": role})
		st.stored, st.curator = role, false
	}
	return r.user(st), nil
}

// deleteServiceTx deletes service user id, active or not, with what Delete
// removes (the hooks' clean-up, every policy line, the row), inside a
// transaction whose actor package roster has checked. While it still owns
// document sets or agents the refusal is an *OwnsResourcesError naming the
// user by its API key's name, keyName.
func (s *Service) deleteServiceTx(tx *store.Tx, id, keyName string) error {
	if _, _, err := loadService(tx, id); err != nil {
		return err
	}
	owned, err := ownedBlocking(tx, id)
	if err != nil {
		return err
	}
	if len(owned) > 0 {
		return &OwnsResourcesError{UserID: id, KeyName: keyName, Resources: owned}
	}
	for _, h := range s.hooks.BeforeDelete {
		if err := h(tx, id); err != nil {
			return err
		}
	}
	if err := removeAllLines(tx, id); err != nil {
		return err
	}
	tx.Audit("user.delete", id, map[string]any{"kind": KindService})
	return tx.DB.Delete(&row{}, "id = ? AND workspace_id = ?", id, s.ws).Error
}
