package roster

import (
	"context"

	"github.com/google/uuid"

	"github.com/rosterhq/roster/internal/authz"
	"github.com/rosterhq/roster/internal/construct"
	"github.com/rosterhq/roster/internal/store"
	"github.com/rosterhq/roster/tokens"
	"github.com/rosterhq/roster/users"
)

// serviceEmailDomain is the domain of the made-up emails of API keys'
// service users: ".invalid" is reserved (RFC 2606), so no mailbox and no
// person's address can ever be one of them.
const serviceEmailDomain = "api-key.invalid"

// CreateAPIKey creates an API key named name and the service user it acts
// as (users.KindService, role basic, limited or admin), in one transaction,
// and returns the key with its raw value, which is never returned again:
// show it to the admin once. The service user's email is made up and unique
// ("<key id>@api-key.invalid"); it passes no invite gate or domain check,
// never becomes the first admin, never counts as the admin the last-admin
// rule protects, meets global rate limits only, and is listed apart from
// people (users.Filter.Kinds). Admin only (users.ErrNotAdmin); a role other
// than basic, limited or admin matches users.ErrInvalidRole; a bad or taken
// name is tokens.ErrInvalidName or tokens.ErrDuplicateName. A refusal
// writes nothing.
func (w *Workspace) CreateAPIKey(ctx context.Context, actor Actor, name string, role users.Role) (tokens.Token, string, error) {
	createService := construct.Get[func(*users.Service, *store.Tx, string, string, users.Role) (users.User, error)]("users.CreateService")
	createToken := construct.Get[func(*store.Tx, string, tokens.Kind, string, string) (tokens.Token, string, error)]("tokens.Create")
	var t tokens.Token
	var raw string
	_, err := w.d.st.Mutate(ctx, w.id, actor, func(tx *store.Tx) error {
		if err := authz.RequireAdmin(tx); err != nil {
			return err
		}
		keyID := uuid.NewString()
		u, err := createService(w.users, tx, uuid.NewString(), keyID+"@"+serviceEmailDomain, role)
		if err != nil {
			return err
		}
		t, raw, err = createToken(tx, keyID, tokens.KindAPIKey, name, u.ID)
		return err
	})
	if err != nil {
		return tokens.Token{}, "", err
	}
	return t, raw, nil
}

// UpdateAPIKey renames API key id and sets its service user's role (basic,
// limited or admin), in one transaction, and returns the key. Admin only;
// an id that is not an API key of this workspace is tokens.ErrTokenNotFound.
// A name and role as they are change nothing.
func (w *Workspace) UpdateAPIKey(ctx context.Context, actor Actor, id, name string, role users.Role) (tokens.Token, error) {
	rename := construct.Get[func(*store.Tx, string, tokens.Kind, string) (tokens.Token, error)]("tokens.Rename")
	setRole := construct.Get[func(*users.Service, *store.Tx, string, users.Role) (users.User, error)]("users.SetServiceRole")
	var t tokens.Token
	_, err := w.d.st.Mutate(ctx, w.id, actor, func(tx *store.Tx) error {
		if err := authz.RequireAdmin(tx); err != nil {
			return err
		}
		var err error
		if t, err = rename(tx, id, tokens.KindAPIKey, name); err != nil {
			return err
		}
		u, err := setRole(w.users, tx, t.UserID, role)
		t.Role = u.Role
		return err
	})
	if err != nil {
		return tokens.Token{}, err
	}
	return t, nil
}

// DeleteAPIKey deletes API key id and its service user, with everything
// deleting a user deletes (memberships, curator flags, shares, rate-limit
// state), in one transaction: from the commit on the key no longer
// authenticates and the index denies its user every access. Admin only; an
// id that is not an API key of this workspace is tokens.ErrTokenNotFound; a
// service user that still owns document sets or agents is a
// *users.OwnsResourcesError naming the key (transfer them first).
func (w *Workspace) DeleteAPIKey(ctx context.Context, actor Actor, id string) error {
	deleteToken := construct.Get[func(*store.Tx, string, tokens.Kind) (tokens.Token, error)]("tokens.Delete")
	deleteService := construct.Get[func(*users.Service, *store.Tx, string, string) error]("users.DeleteService")
	_, err := w.d.st.Mutate(ctx, w.id, actor, func(tx *store.Tx) error {
		if err := authz.RequireAdmin(tx); err != nil {
			return err
		}
		t, err := deleteToken(tx, id, tokens.KindAPIKey)
		if err != nil {
			return err
		}
		return deleteService(w.users, tx, t.UserID, t.Name)
	})
	return err
}
