package roster

import (
	"context"
	"errors"
	"fmt"

	"github.com/rosterhq/roster/internal/construct"
	"github.com/rosterhq/roster/internal/store"
	"github.com/rosterhq/roster/tokens"
)

// Tokens returns the workspace's bearer tokens: its SCIM tokens, and the
// listing of its API keys (which CreateAPIKey, UpdateAPIKey and
// DeleteAPIKey manage with their service users). It is built once with the
// workspace's handle.
func (w *Workspace) Tokens() *tokens.Service { return w.tokens }

// Authenticate returns the bearer token whose raw value is raw, with the
// workspace it belongs to: a SCIM token (act as access.SCIMActor(t.ID)) or
// an API key (act as access.UserActor(t.UserID), its service user, whose
// role t.Role is). Every raw value it does not accept (empty, malformed, of
// another prefix, unknown, revoked, an API key whose user is gone) is one
// error matching tokens.ErrInvalidToken, so the caller learns nothing about
// which. It hashes raw, finds the token by the hash and compares the hashes
// in constant time; it reads the database on every call, so a revocation
// committed by any instance sharing the database is effective at once. A
// deactivated service user's key authenticates, and every call of that user
// is refused as any deactivated user's is. The token's last use is recorded
// at most once a minute, unaudited.
func (d *Directory) Authenticate(ctx context.Context, raw string) (tokens.Token, error) {
	if d.st.Closed() {
		return tokens.Token{}, ErrClosed
	}
	t, err := construct.Get[func(context.Context, *store.Store, string) (tokens.Token, error)]("tokens.Authenticate")(ctx, d.st, raw)
	if err != nil && !errors.Is(err, tokens.ErrInvalidToken) && !errors.Is(err, ErrClosed) {
		return tokens.Token{}, fmt.Errorf("roster: authenticate a token: %w", err)
	}
	return t, err
}
