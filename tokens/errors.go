package tokens

import (
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/errs"
)

// Errors of package tokens. Each wraps one of access's sentinels, so callers
// may branch on the broad kind (errors.Is(err, roster.ErrNotFound)) or the
// exact rule. Their Error text starts "tokens: "; access.Sentence gives the
// sentence a person reads.
var (
	// ErrTokenNotFound is returned for a token id that is not a token of
	// the workspace and kind asked about (tokens of other workspaces are
	// never visible). It matches access.ErrNotFound.
	ErrTokenNotFound = newError("tokens: token not found", "The token does not exist.", access.ErrNotFound)
	// ErrInvalidToken is returned by Directory.Authenticate for every raw
	// token it does not accept: empty, malformed, of an unknown prefix,
	// unknown, or revoked. One error for all, so a caller learns nothing
	// about which. It matches access.ErrForbidden (HTTP callers answer 401).
	ErrInvalidToken = newError("tokens: invalid bearer token", "The token is not valid.", access.ErrForbidden)
	// ErrTokenRevoked refuses the actor of a SCIM token that is not a live
	// SCIM token of the call's workspace (revoked, unknown or another
	// workspace's). It matches access.ErrForbidden.
	ErrTokenRevoked = newError("tokens: the SCIM token is revoked or unknown", "The SCIM token has been revoked.", access.ErrForbidden)
	// ErrInvalidName is returned for a token name that is empty after
	// trimming, longer than MaxNameLen characters, or holds control
	// characters. It matches access.ErrInvalid.
	ErrInvalidName = newError("tokens: invalid token name", "A token name is 1 to 100 characters long, without control characters.", access.ErrInvalid)
	// ErrDuplicateName is returned when the workspace already has a token of
	// that kind and name. It matches access.ErrConflict.
	ErrDuplicateName = newError("tokens: a token with this name exists", "A token with this name already exists.", access.ErrConflict)
	// ErrInvalidKind is returned for a Kind other than KindSCIM and
	// KindAPIKey. It matches access.ErrInvalid.
	ErrInvalidKind = newError("tokens: unknown token kind", "The token kind is not known.", access.ErrInvalid)
)

// newError is errs.New under this package's own name, so that go doc shows
// the sentinels' declarations without an internal package.
func newError(text, sentence string, wraps ...error) error {
	return errs.New(text, sentence, wraps...)
}

// notFound returns ErrTokenNotFound with a sentence naming the kind.
func notFound(kind Kind, id string) error {
	return errs.Errorf(ErrTokenNotFound, "The "+kind.noun()+" does not exist.", "%v: %q", ErrTokenNotFound, id)
}

// duplicate returns ErrDuplicateName with a sentence naming the kind and name.
func duplicate(kind Kind, name string) error {
	return errs.Errorf(ErrDuplicateName, kind.article()+` named "`+name+`" already exists.`, "%v: %q", ErrDuplicateName, name)
}
