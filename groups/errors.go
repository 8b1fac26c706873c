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
	ErrGroupNotFound     = errs.New("groups: group not found", "The group does not exist.", access.ErrNotFound)
	ErrDuplicateName     = errs.New("groups: a group with this name exists", "A group with this name already exists.", access.ErrConflict)
	ErrInvalidName       = errs.New(fmt.Sprintf("groups: a group name is 1 to %d characters", MaxNameLen), fmt.Sprintf("A group name is 1 to %d characters long.", MaxNameLen), access.ErrInvalid)
	ErrOutOfScope        = errs.New("groups: curators may change only the groups they curate", "Curators may change only the groups they curate.", access.ErrForbidden)
	ErrNotAMember        = errs.New("groups: the user is not a member of the group", "The user is not a member of the group.", access.ErrInvalid)
	ErrAlreadyPrivileged = errs.New("groups: admins and global curators already have curator powers", "Admins and global curators already have curator powers.", access.ErrInvalid)
	ErrNotEligible       = errs.New("groups: limited users cannot be curators", "Limited users cannot be curators.", access.ErrInvalid)
)

// outOfScope is ErrOutOfScope naming group id, which the actor, a member,
// may see.
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
