package tokens

import (
	"errors"

	"gorm.io/gorm"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/authz"
	"github.com/rosterhq/roster/internal/store"
)

// createTx creates a token of kind k with id and name (for an API key,
// acting as user userID) inside a transaction whose actor the caller has
// checked, and returns it with its raw value.
func createTx(tx *store.Tx, id string, k Kind, name, userID string) (Token, string, error) {
	n, err := normalizeName(name)
	if err != nil {
		return Token{}, "", err
	}
	if err := nameFree(tx, k, n); err != nil {
		return Token{}, "", err
	}
	raw, prefix, hash, err := newRaw(k)
	if err != nil {
		return Token{}, "", err
	}
	r := row{ID: id, WorkspaceID: tx.Workspace, Kind: string(k), Name: n, Prefix: prefix, Hash: hash,
		UserID: userID, CreatedAt: tx.Now, CreatedBy: string(tx.Actor)}
	if err := tx.DB.Create(&r).Error; err != nil {
		if store.IsUniqueViolation(err) {
			return Token{}, "", duplicate(k, n)
		}
		return Token{}, "", err
	}
	details := map[string]any{"kind": k, "name": n}
	if userID != "" {
		details["user_id"] = userID
	}
	tx.Audit("token.create", id, details)
	t, err := withRole(tx, r.token())
	return t, raw, err
}

// nameFree refuses a name the workspace's tokens of kind k already use.
func nameFree(tx *store.Tx, k Kind, name string) error {
	var n int64
	err := tx.DB.Model(&row{}).Where("workspace_id = ? AND kind = ? AND name = ?", tx.Workspace, string(k), name).Count(&n).Error
	if err != nil {
		return err
	}
	if n > 0 {
		return duplicate(k, name)
	}
	return nil
}

// loadTx returns token id of kind k of tx's workspace, or ErrTokenNotFound.
func loadTx(tx *store.Tx, id string, k Kind) (Token, error) {
	r, err := loadRow(tx, id, k)
	if err != nil {
		return Token{}, err
	}
	return withRole(tx, r.token())
}

func loadRow(tx *store.Tx, id string, k Kind) (row, error) {
	var r row
	err := tx.DB.Where("id = ? AND workspace_id = ? AND kind = ?", id, tx.Workspace, string(k)).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row{}, notFound(k, id)
	}
	return r, err
}

// renameTx renames token id of kind k; the same name changes nothing.
func renameTx(tx *store.Tx, id string, k Kind, name string) (Token, error) {
	n, err := normalizeName(name)
	if err != nil {
		return Token{}, err
	}
	r, err := loadRow(tx, id, k)
	if err != nil {
		return Token{}, err
	}
	if r.Name != n {
		if err := nameFree(tx, k, n); err != nil {
			return Token{}, err
		}
		if err := tx.DB.Model(&row{}).Where("id = ?", id).Update("name", n).Error; err != nil {
			return Token{}, err
		}
		tx.Audit("token.rename", id, map[string]any{"kind": k, "from": r.Name, "to": n})
		r.Name = n
	}
	return withRole(tx, r.token())
}

// deleteTx deletes token id of kind k, which revokes it, and returns what it
// was.
func deleteTx(tx *store.Tx, id string, k Kind) (Token, error) {
	r, err := loadRow(tx, id, k)
	if err != nil {
		return Token{}, err
	}
	if err := tx.DB.Delete(&row{}, "id = ?", id).Error; err != nil {
		return Token{}, err
	}
	tx.Audit("token.revoke", id, map[string]any{"kind": k, "name": r.Name})
	return r.token(), nil
}

// withRole fills an API key's Role with its service user's role.
func withRole(tx *store.Tx, t Token) (Token, error) {
	if t.Kind != KindAPIKey || t.UserID == "" {
		return t, nil
	}
	role, err := authz.RoleOf(tx, t.UserID)
	if errors.Is(err, access.ErrNotFound) {
		return t, nil // no user, no role: Authenticate refuses such a key
	}
	t.Role = role
	return t, err
}

// requireSCIMToken accepts tx's actor only if it is the actor of a live
// SCIM token of tx's workspace; any other actor is ErrTokenRevoked.
func requireSCIMToken(tx *store.Tx) error {
	id, ok := tx.Actor.SCIMTokenID()
	if !ok {
		return ErrTokenRevoked
	}
	var n int64
	err := tx.DB.Model(&row{}).Where("id = ? AND workspace_id = ? AND kind = ?", id, tx.Workspace, string(KindSCIM)).Count(&n).Error
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrTokenRevoked
	}
	return nil
}
