package tokens

import (
	"context"

	"github.com/google/uuid"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/authz"
	"github.com/rosterhq/roster/internal/store"
)

// Service manages the bearer tokens of one workspace: listing both kinds,
// and creating and revoking SCIM tokens (API keys are created, changed and
// deleted with their service users by package roster's Workspace). Every
// method is for active admins (and System) only: it refuses anyone else
// (users.ErrNotAdmin for a user who is not an admin, an error matching
// access.ErrForbidden for a deactivated or unknown user or a SCIM token's
// actor), writing nothing. A Service is safe for concurrent use;
// package roster's Workspace.Tokens returns it, and its zero value is not
// usable.
type Service struct {
	st *store.Store
	ws string
}

// newService returns the tokens of workspace ws. Package roster calls it
// through package construct.
func newService(st *store.Store, ws string) *Service { return &Service{st: st, ws: ws} }

// List returns the workspace's tokens of kind, ordered by name, without raw
// values or hashes. An API key's Role is its service user's current role.
// Admin only; an unknown kind is ErrInvalidKind.
func (s *Service) List(ctx context.Context, actor access.Actor, kind Kind) ([]Token, error) {
	if !kind.Valid() {
		return nil, ErrInvalidKind
	}
	var out []Token
	err := s.st.View(ctx, s.ws, actor, func(tx *store.Tx) error {
		if err := authz.RequireAdmin(tx); err != nil {
			return err
		}
		var rows []row
		if err := tx.DB.Where("workspace_id = ? AND kind = ?", s.ws, string(kind)).Order("name").Find(&rows).Error; err != nil {
			return err
		}
		out = make([]Token, len(rows))
		for i, r := range rows {
			t, err := withRole(tx, r.token())
			if err != nil {
				return err
			}
			out[i] = t
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CreateSCIM creates a SCIM token named name (trimmed; 1 to MaxNameLen
// characters, unique among the workspace's SCIM tokens) and returns it with
// its raw value, which is never returned again: show it to the admin once.
// Admin only. It returns ErrInvalidName, ErrDuplicateName, or the actor's
// refusal.
func (s *Service) CreateSCIM(ctx context.Context, actor access.Actor, name string) (Token, string, error) {
	var t Token
	var raw string
	_, err := s.st.Mutate(ctx, s.ws, actor, func(tx *store.Tx) error {
		if err := authz.RequireAdmin(tx); err != nil {
			return err
		}
		var err error
		t, raw, err = createTx(tx, uuid.NewString(), KindSCIM, name, "")
		return err
	})
	if err != nil {
		return Token{}, "", err
	}
	return t, raw, nil
}

// Revoke revokes the SCIM token id at once: Directory.Authenticate refuses
// it from the commit on, on every instance, and its actor is refused by
// every call. Admin only. An id that is not a SCIM token of this workspace
// (an API key's id included: Workspace.DeleteAPIKey deletes those) is
// ErrTokenNotFound.
func (s *Service) Revoke(ctx context.Context, actor access.Actor, id string) error {
	_, err := s.st.Mutate(ctx, s.ws, actor, func(tx *store.Tx) error {
		if err := authz.RequireAdmin(tx); err != nil {
			return err
		}
		_, err := deleteTx(tx, id, KindSCIM)
		return err
	})
	return err
}
