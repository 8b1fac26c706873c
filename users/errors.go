package users

import (
	"fmt"
	"strings"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/errs"
)

// Errors of package users. Each wraps one of access's sentinels, so callers
// may branch on the broad kind (errors.Is(err, roster.ErrConflict)) or the
// exact rule (errors.Is(err, users.ErrLastAdmin)). Their Error text starts
// "users: "; access.Sentence gives the sentence a person reads.
var (
	ErrUserNotFound     = newError("users: user not found", "The user does not exist.", access.ErrNotFound)
	ErrDuplicate        = newError("users: a user with this email exists", "A user with this email address already exists.", access.ErrConflict)
	ErrCuratorViaGroups = newError("users: the curator role comes from group curator flags and cannot be set", "The curator role cannot be set directly; make the user a curator of a group instead.", access.ErrInvalid)
	ErrInvalidRole      = newError("users: not a role", "That is not a role.", access.ErrInvalid)
	ErrSelfChange       = newError("users: you cannot change your own role, deactivate or delete yourself", "You cannot change your own role, deactivate or delete yourself.", access.ErrConflict)
	ErrLastAdmin        = newError("users: the change would leave the workspace without an active admin", "The workspace must keep at least one active admin.", access.ErrConflict)
	ErrUserActive       = newError("users: deactivate the user before deleting it", "Deactivate the user before deleting them.", access.ErrConflict)
	ErrOwnsResources    = newError("users: the user owns document sets or agents", "The user still owns document sets or agents; transfer them to someone else first.", access.ErrConflict)
	ErrNotAdmin         = newError("users: only an admin may do this", "Only an admin may do this.", access.ErrForbidden)
	// ErrServiceEmail refuses a change of a service user's email, which
	// roster makes up for its API key.
	ErrServiceEmail = newError("users: a service user's email cannot be changed", "An API key's user has no email address to change.", access.ErrInvalid)
	// ErrServiceUser refuses Delete of a service user: it is deleted with
	// its API key (roster.Workspace.DeleteAPIKey).
	ErrServiceUser = newError("users: a service user is deleted with its API key", "An API key's user is deleted by deleting the API key.", access.ErrConflict)
	// ErrSCIMNotAllowed refuses a SCIM token's actor a call provisioning may
	// not make: roles, deletion, ownership, curator flags, and every admin
	// call outside provisioning.
	ErrSCIMNotAllowed = newError("users: SCIM provisioning may not do this", "SCIM provisioning may not do this.", access.ErrForbidden)
	// ErrSCIMAdminStatus refuses SCIM provisioning a change of an admin's
	// status: an admin demotes them first.
	ErrSCIMAdminStatus = newError("users: SCIM provisioning never changes an admin's status", "Provisioning never changes an admin's status; an admin must demote them first.", access.ErrForbidden)
	// ErrSCIMAdminEmail refuses SCIM provisioning a change of an admin's
	// email: the email is how an admin signs in (a password reset goes to
	// it), so a SCIM token changing it could take the admin account over.
	// An admin demotes them first.
	ErrSCIMAdminEmail = newError("users: SCIM provisioning never changes an admin's email", "Provisioning never changes an admin's email; an admin must demote them first.", access.ErrForbidden)
)

// newError is errs.New under this package's own name: go doc prints the
// sentinels' declarations above, and an application reading them should see
// nothing it cannot import.
func newError(text, sentence string, wraps ...error) error {
	return errs.New(text, sentence, wraps...)
}

// OwnsResourcesError is returned by Delete while the user still owns document
// sets or agents. It matches ErrOwnsResources and access.ErrConflict, and
// names what blocks the delete; TransferOwnership moves them.
type OwnsResourcesError struct {
	UserID string
	// Email is the user's email address, which the sentence names them by.
	Email string
	// KeyName is, for a service user, the name of its API key, which the
	// sentence names it by instead of its made-up email.
	KeyName   string
	Resources []access.Resource
}

// Error names the user by id and the resources that block the delete.
func (e *OwnsResourcesError) Error() string {
	names := make([]string, len(e.Resources))
	for i, r := range e.Resources {
		names[i] = r.String()
	}
	return fmt.Sprintf("users: user %s still owns %s; transfer ownership first", e.UserID, strings.Join(names, ", "))
}

// Sentence names the user by email (a service user by its API key's name)
// and the resources through name, as in
// `The user ada@example.com still owns the agent "Helper" and the document
// set "Handbook"; transfer them to someone else first.`
func (e *OwnsResourcesError) Sentence(name func(access.Resource) string) string {
	who := "The user"
	switch {
	case e.KeyName != "":
		who = `The API key "` + e.KeyName + `"`
	case e.Email != "":
		who += " " + e.Email
	}
	names := make([]string, len(e.Resources))
	for i, r := range e.Resources {
		names[i] = name(r)
	}
	what, them := "document sets or agents", "them"
	switch n := len(names); {
	case n == 1:
		what, them = names[0], "it"
	case n > 1:
		what = strings.Join(names[:n-1], ", ") + " and " + names[n-1]
	}
	return who + " still owns " + what + "; transfer " + them + " to someone else first."
}

// Unwrap makes errors.Is match ErrOwnsResources.
func (e *OwnsResourcesError) Unwrap() error { return ErrOwnsResources }
