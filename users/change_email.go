package users

import (
	"context"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/store"
)

// ChangeEmail changes a user's email (the identity SCIM's userName carries),
// normalized as NormalizeEmail does. An admin or the actor of a live SCIM
// token of the workspace may, for a user who is not an admin (an admin's
// email is ErrSCIMAdminEmail for it: the email is how the admin signs in,
// so provisioning changing it could hand the admin account to whoever
// reads the new address's mail); the email of another user of the
// workspace is ErrDuplicate, and a service user's synthetic email cannot
// be changed (access.ErrInvalid). The same email (after normalizing) changes nothing.
// The audit event "user.email" names the old and new email domains (never
// the addresses: the trail carries ids) and, for provisioning, "by":
// "scim".
func (s *Service) ChangeEmail(ctx context.Context, actor access.Actor, id, email string) (User, error) {
	var u User
	_, err := s.st.Mutate(ctx, s.ws, actor, func(tx *store.Tx) error {
		var err error
		u, err = s.changeEmailTx(tx, id, email)
		return err
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// changeEmailTx is ChangeEmail inside a transaction the caller runs.
func (s *Service) changeEmailTx(tx *store.Tx, id, email string) (User, error) {
	scim, err := requireAdminOrSCIM(tx)
	if err != nil {
		return User{}, err
	}
	e, err := NormalizeEmail(email)
	if err != nil {
		return User{}, err
	}
	r, st, err := mustLoad(tx, id)
	if err != nil {
		return User{}, err
	}
	u := r.user(st)
	if r.Email == e {
		return u, nil
	}
	if r.Kind != string(KindPerson) {
		return User{}, ErrServiceEmail
	}
	if scim && st.stored == access.Admin {
		return User{}, ErrSCIMAdminEmail
	}
	if err := emailFree(tx, e); err != nil {
		return User{}, err
	}
	if err := tx.DB.Model(&row{}).Where("id = ? AND workspace_id = ?", id, s.ws).Update("email", e).Error; err != nil {
		if store.IsUniqueViolation(err) {
			return User{}, ErrDuplicate
		}
		return User{}, err
	}
	details := map[string]any{"from_domain": domainOf(r.Email), "to_domain": domainOf(e)}
	if scim {
		details["by"] = "scim"
	}
	tx.Audit("user.email", id, details)
	u.Email = e
	return u, nil
}

// emailFree refuses an email another user of tx's workspace has.
func emailFree(tx *store.Tx, email string) error {
	var n int64
	if err := tx.DB.Model(&row{}).Where("workspace_id = ? AND email = ?", tx.Workspace, email).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return ErrDuplicate
	}
	return nil
}
