package httpapi

import (
	"net/http"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/tokens"
)

// errBadKey answers a request whose Authorization header is a bearer token
// that is no live API key: malformed, unknown, deleted, or a SCIM token. One
// error for all of them, so the answer tells nothing about which.
var errBadKey = newError("httpapi: bearer token is not a valid API key",
	"The bearer token is not a valid API key.", ErrNotSignedIn)

// WithAPIKeys returns an Authenticator that accepts roster's API keys
// beside the application's own sessions: a request carrying
// "Authorization: Bearer <key>" acts as the key's service user, in the key's
// workspace, with the powers of the key's role (basic, limited or admin);
// every other request goes to next, the application's session
// authenticator.
//
// A bearer token is judged on its own and never falls back to next: a
// malformed one, an unknown or deleted key, and a SCIM token (SCIM tokens
// serve /scim/v2 only) are all refused, which New's Handler and Guard answer
// 401 NOT_SIGNED_IN. A key that cannot be read because the database does not
// answer is that error (503 UNAVAILABLE), not a refusal. Each request reads the key from the database
// ([roster.Directory.Authenticate]), so a key deleted on any instance is
// refused on its very next request. An Authorization header of another
// scheme (Basic, say) is not roster's and goes to next. A nil next refuses
// every request without a bearer token.
//
// Pass the result as Config.Authenticate and to Guard. It is safe for
// concurrent use when next is.
func WithAPIKeys(dir *roster.Directory, next Authenticator) Authenticator {
	if dir == nil {
		panic("httpapi: WithAPIKeys needs a Directory")
	}
	return func(r *http.Request) (string, string, error) {
		raw, bearer := bearerToken(r)
		if !bearer {
			if next == nil {
				return "", "", ErrNotSignedIn
			}
			return next(r)
		}
		if raw == "" {
			return "", "", errBadKey
		}
		t, err := dir.Authenticate(r.Context(), raw)
		if couldNotLook(err) {
			return "", "", err // 503, not a refused key: the database does not answer
		}
		if err != nil || t.Kind != tokens.KindAPIKey || t.UserID == "" {
			return "", "", errBadKey
		}
		return t.Workspace, t.UserID, nil
	}
}

// bearerToken returns the token of an Authorization header of the Bearer
// scheme (RFC 6750; the scheme name is case-insensitive), "" when the header
// names the scheme but holds no single token, and false when the request
// carries no bearer token.
func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Values("Authorization")
	if len(h) == 0 {
		return "", false
	}
	scheme, rest, _ := strings.Cut(strings.TrimSpace(h[0]), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok := strings.TrimSpace(rest)
	if len(h) > 1 || tok == "" || strings.ContainsAny(tok, " \t") {
		return "", true
	}
	return tok, true
}
