package users

import (
	"errors"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/errs"
	"github.com/rosterhq/roster/internal/store"
)

// The transaction-level forms of Service's calls that package scim composes
// with its SCIM record in one transaction (registered in construct.go).

// registerTx is Register inside a transaction the caller runs, as the
// transaction's actor.
func (s *Service) registerTx(tx *store.Tx, reg Registration) (User, error) {
	email, err := NormalizeEmail(reg.Email)
	if err != nil {
		return User{}, err
	}
	if reg.Source == "" {
		reg.Source = SourcePassword
	}
	if !reg.Source.Valid() {
		return User{}, errs.Errorf(access.ErrInvalid, "The sign-up source is not known.", "users: unknown sign-up source %q", reg.Source)
	}
	reg.Actor = tx.Actor
	return s.register(tx, uuid.NewString(), email, reg)
}

// getTx returns user id of tx's workspace, or ErrUserNotFound.
func getTx(tx *store.Tx, id string) (User, error) {
	r, st, err := mustLoad(tx, id)
	if err != nil {
		return User{}, err
	}
	return r.user(st), nil
}

// byEmailTx returns the user of tx's workspace with the email (normalized
// first), or ErrUserNotFound.
func byEmailTx(tx *store.Tx, email string) (User, error) {
	e, err := NormalizeEmail(email)
	if err != nil {
		return User{}, err
	}
	var r row
	err = tx.DB.Where("workspace_id = ? AND email = ?", tx.Workspace, e).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return User{}, ErrUserNotFound
	}
	if err != nil {
		return User{}, err
	}
	st, err := loadState(tx.DB, tx.Workspace, r.ID)
	return r.user(st), err
}
