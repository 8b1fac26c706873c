package access

import "errors"

// Sentinel errors of package access. The root package re-exports the ones
// callers branch on; every error roster returns wraps one of them.
var (
	// ErrInvalid is returned for input that can never succeed: an unknown
	// kind, action or role, an empty or over-long id.
	ErrInvalid = errors.New("roster: invalid input")
	// ErrNotFound is returned for an unknown workspace, user, group or
	// resource, and for one the caller may not see.
	ErrNotFound = errors.New("roster: not found")
	// ErrForbidden is returned when the actor's role does not allow the call.
	ErrForbidden = errors.New("roster: forbidden")
	// ErrConflict is returned when the call contradicts the current state: a
	// duplicate, the last admin, an active user, owned resources.
	ErrConflict = errors.New("roster: conflict")
	// ErrClosed is returned by every call on a closed Directory.
	ErrClosed = errors.New("roster: directory closed")
)
