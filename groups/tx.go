package groups

import "github.com/rosterhq/roster/internal/store"

// The transaction-level forms of Service's calls that package scim composes
// with its SCIM record in one transaction (registered in construct.go).

// renameNamed normalizes name and renames group id inside tx.
func renameNamed(tx *store.Tx, id, name string) (Group, error) {
	n, err := normalizeName(name)
	if err != nil {
		return Group{}, err
	}
	return renameTx(tx, id, n)
}

// addMembersTx is AddMembers inside a transaction the caller runs.
func addMembersTx(tx *store.Tx, id string, userIDs []string) error {
	if err := requireScope(tx, id); err != nil {
		return err
	}
	return addMembers(tx, id, userIDs)
}

// removeMembersTx is RemoveMembers inside a transaction the caller runs.
func removeMembersTx(tx *store.Tx, id string, userIDs []string) error {
	if err := requireScope(tx, id); err != nil {
		return err
	}
	return removeMembers(tx, id, userIDs)
}

// getTx returns group id of tx's workspace, or ErrGroupNotFound.
func getTx(tx *store.Tx, id string) (Group, error) {
	r, err := load(tx.DB, tx.Workspace, id)
	return r.group(), err
}
