package groups

import (
	"fmt"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/errs"
	"github.com/rosterhq/roster/internal/store"
)

// Errors of package groups; each wraps an access sentinel. Their Error text
// starts "groups: "; access.Sentence gives the sentence a person reads.
var (
	ErrGroupNotFound     = newError("groups: group not found", "The group does not exist.", access.ErrNotFound)
	ErrDuplicateName     = newError("groups: a group with this name exists", "A group with this name already exists.", access.ErrConflict)
	ErrInvalidName       = newError(fmt.Sprintf("groups: a group name is 1 to %d characters", MaxNameLen), fmt.Sprintf("A group name is 1 to %d characters long.", MaxNameLen), access.ErrInvalid)
	ErrOutOfScope        = newError("groups: curators may change only the groups they curate", "Curators may change only the groups they curate.", access.ErrForbidden)
	ErrNotAMember        = newError("groups: the user is not a member of the group", "The user is not a member of the group.", access.ErrInvalid)
	ErrAlreadyPrivileged = newError("groups: admins and global curators already have curator powers", "Admins and global curators already have curator powers.", access.ErrInvalid)
	ErrNotEligible       = newError("groups: limited users cannot be curators", "Limited users cannot be curators.", access.ErrInvalid)
)

// newError is errs.New under this package's own name: go doc prints the
// sentinels' declarations above, and an application reading them should see
// nothing it cannot import.
func newError(text, sentence string, wraps ...error) error {
	return errs.New(text, sentence, wraps...)
}

// outOfScope is ErrOutOfScope naming group id, which the actor, a member,
// may see. Package resources refuses with it too (authz.OutOfScope), so a
// person reads one sentence whichever package refuses.
func outOfScope(tx *store.Tx, id string) error {
	r, err := load(tx.DB, tx.Workspace, id)
	if err != nil {
		return err
	}
	return errs.Errorf(ErrOutOfScope, `You do not curate the group "`+r.Name+`"; curators may change only the groups they curate.`,
		"%v: %q", ErrOutOfScope, id)
}

// duplicateName is ErrDuplicateName naming the group.
func duplicateName(name string) error {
	return errs.Errorf(ErrDuplicateName, `A group named "`+name+`" already exists.`, "%v: %q", ErrDuplicateName, name)
}
