package users

import (
	"fmt"
	"strings"

	"github.com/rosterhq/roster/access"
)

// Errors of package users. Each wraps one of access's sentinels, so callers
// may branch on the broad kind (errors.Is(err, roster.ErrConflict)) or the
// exact rule (errors.Is(err, users.ErrLastAdmin)).
var (
	ErrUserNotFound     = fmt.Errorf("%w: user", access.ErrNotFound)
	ErrDuplicate        = fmt.Errorf("%w: a user with this email exists", access.ErrConflict)
	ErrCuratorViaGroups = fmt.Errorf("%w: the curator role comes from group curator flags and cannot be set", access.ErrInvalid)
	ErrInvalidRole      = fmt.Errorf("%w: not a role", access.ErrInvalid)
	ErrSelfChange       = fmt.Errorf("%w: you cannot change your own role, deactivate or delete yourself", access.ErrConflict)
	ErrLastAdmin        = fmt.Errorf("%w: the change would leave the workspace without an active admin", access.ErrConflict)
	ErrUserActive       = fmt.Errorf("%w: deactivate the user before deleting it", access.ErrConflict)
	ErrOwnsResources    = fmt.Errorf("%w: the user owns document sets or agents", access.ErrConflict)
	ErrNotAdmin         = fmt.Errorf("%w: only an admin may do this", access.ErrForbidden)
)

// OwnsResourcesError is returned by Delete while the user still owns document
// sets or agents. It matches ErrOwnsResources and access.ErrConflict, and
// names what blocks the delete; TransferOwnership moves them.
type OwnsResourcesError struct {
	UserID    string
	Resources []access.Resource
}

// Error names the user and the resources that block the delete.
func (e *OwnsResourcesError) Error() string {
	names := make([]string, len(e.Resources))
	for i, r := range e.Resources {
		names[i] = r.String()
	}
	return fmt.Sprintf("roster: user %s still owns %s; transfer ownership first", e.UserID, strings.Join(names, ", "))
}

// Unwrap makes errors.Is match ErrOwnsResources.
func (e *OwnsResourcesError) Unwrap() error { return ErrOwnsResources }
