package groups

import (
	"fmt"

	"github.com/rosterhq/roster/access"
)

// Errors of package groups; each wraps an access sentinel.
var (
	ErrGroupNotFound     = fmt.Errorf("%w: group", access.ErrNotFound)
	ErrDuplicateName     = fmt.Errorf("%w: a group with this name exists", access.ErrConflict)
	ErrInvalidName       = fmt.Errorf("%w: a group name is 1 to %d characters", access.ErrInvalid, MaxNameLen)
	ErrOutOfScope        = fmt.Errorf("%w: curators may change only the groups they curate", access.ErrForbidden)
	ErrNotAMember        = fmt.Errorf("%w: the user is not a member of the group", access.ErrInvalid)
	ErrAlreadyPrivileged = fmt.Errorf("%w: admins and global curators already have curator powers", access.ErrInvalid)
	ErrNotEligible       = fmt.Errorf("%w: limited users cannot be curators", access.ErrInvalid)
)
