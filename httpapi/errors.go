package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/time/rate"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/internal/errs"
	"github.com/rosterhq/roster/invites"
	"github.com/rosterhq/roster/ratelimit"
	"github.com/rosterhq/roster/users"
)

// The machine codes of docs/http.md, and the two this package adds for failures
// docs/http.md does not list (a closed Directory and a method the path does not
// serve). CodePayloadTooLarge (413) answers a request body over the limit.
const (
	CodeInvalidInput      = "INVALID_INPUT"
	CodeCuratorViaGroups  = "CURATOR_VIA_GROUPS"
	CodeNotAMember        = "NOT_A_MEMBER"
	CodeAlreadyPrivileged = "ALREADY_PRIVILEGED"
	CodeNotEligible       = "NOT_ELIGIBLE"
	CodeInviteInvalid     = "INVITE_INVALID"
	CodeNotSignedIn       = "NOT_SIGNED_IN"
	CodeForbidden         = "FORBIDDEN"
	CodeOutOfScope        = "OUT_OF_SCOPE"
	CodeInviteRequired    = "INVITE_REQUIRED"
	CodeDomainNotAllowed  = "DOMAIN_NOT_ALLOWED"
	CodeNotFound          = "NOT_FOUND"
	CodeDuplicate         = "DUPLICATE"
	CodeSelfChange        = "SELF_CHANGE"
	CodeLastAdmin         = "LAST_ADMIN"
	CodeUserActive        = "USER_ACTIVE"
	CodeOwnsResources     = "OWNS_RESOURCES"
	CodeRateLimited       = "RATE_LIMITED"
	CodeThrottled         = "THROTTLED"
	CodeMethodNotAllowed  = "METHOD_NOT_ALLOWED"
	CodePayloadTooLarge   = "PAYLOAD_TOO_LARGE"
	CodeUnavailable       = "UNAVAILABLE"
	CodeInternal          = "INTERNAL"
)

// ErrNotSignedIn is the error for a request without a valid signed-in,
// active user: the authenticator failed or named nobody, or the user is
// unknown or deactivated. It answers 401 NOT_SIGNED_IN. It is the API's own
// and matches none of roster's sentinels: no library call returns it.
var ErrNotSignedIn = newError("httpapi: not signed in", "You are not signed in.")

// ErrPayloadTooLarge is the error for a request body over the limit
// (Config.MaxBodyBytes, or DecodeJSON's limit). It answers 413
// PAYLOAD_TOO_LARGE, and matches roster.ErrInvalid too, as all bad input
// does. The errors this package returns for it name the limit in their
// sentence; an application refusing its own oversized bodies (a form, say)
// may wrap it the same way.
var ErrPayloadTooLarge = newError("httpapi: request body too large", "The request body is too large.", access.ErrInvalid)

// tooLarge is ErrPayloadTooLarge with the limit in the sentence.
func tooLarge(limit int64) error {
	return errs.Errorf(ErrPayloadTooLarge, fmt.Sprintf("The request body is larger than the limit of %d bytes.", limit),
		"httpapi: request body larger than %d bytes", limit)
}

// newError is errs.New under this package's own name: go doc prints the
// sentinels' declarations above, and an application reading them should see
// nothing it cannot import.
func newError(text, sentence string, wraps ...error) error {
	return errs.New(text, sentence, wraps...)
}

// errorTable maps roster's errors to docs/http.md's status and machine code. The
// first entry the error matches (errors.Is) wins, so finer errors come before
// the broad sentinels they wrap.
var errorTable = []struct {
	err    error
	status int
	code   string
}{
	{ErrNotSignedIn, http.StatusUnauthorized, CodeNotSignedIn},
	{ratelimit.ErrRateLimited, http.StatusTooManyRequests, CodeRateLimited},
	{invites.ErrThrottled, http.StatusTooManyRequests, CodeThrottled},
	// Any other refusal that waiting lifts is a throttle too.
	{access.ErrLimited, http.StatusTooManyRequests, CodeThrottled},
	{ErrPayloadTooLarge, http.StatusRequestEntityTooLarge, CodePayloadTooLarge},
	{invites.ErrInviteInvalid, http.StatusForbidden, CodeInviteInvalid},
	{invites.ErrInvalidToken, http.StatusForbidden, CodeInviteInvalid},
	{invites.ErrInviteRequired, http.StatusForbidden, CodeInviteRequired},
	{invites.ErrDomainNotAllowed, http.StatusForbidden, CodeDomainNotAllowed},
	{users.ErrCuratorViaGroups, http.StatusBadRequest, CodeCuratorViaGroups},
	{groups.ErrNotAMember, http.StatusBadRequest, CodeNotAMember},
	{groups.ErrAlreadyPrivileged, http.StatusBadRequest, CodeAlreadyPrivileged},
	{groups.ErrNotEligible, http.StatusBadRequest, CodeNotEligible},
	{groups.ErrOutOfScope, http.StatusForbidden, CodeOutOfScope},
	{users.ErrSelfChange, http.StatusConflict, CodeSelfChange},
	{users.ErrLastAdmin, http.StatusConflict, CodeLastAdmin},
	{users.ErrUserActive, http.StatusConflict, CodeUserActive},
	{users.ErrOwnsResources, http.StatusConflict, CodeOwnsResources},
	{access.ErrInvalid, http.StatusBadRequest, CodeInvalidInput},
	{ratelimit.ErrInvalid, http.StatusBadRequest, CodeInvalidInput},
	{access.ErrNotFound, http.StatusNotFound, CodeNotFound},
	{ratelimit.ErrNotFound, http.StatusNotFound, CodeNotFound},
	{access.ErrForbidden, http.StatusForbidden, CodeForbidden},
	// Every other conflict roster reports is a name or id that exists.
	{access.ErrConflict, http.StatusConflict, CodeDuplicate},
	// A write committed that this instance's index could not apply yet:
	// before the database error it wraps can match anything else.
	{access.ErrNotApplied, http.StatusServiceUnavailable, CodeUnavailable},
	{access.ErrClosed, http.StatusServiceUnavailable, CodeUnavailable},
	{ErrVersionNotReached, http.StatusServiceUnavailable, CodeUnavailable},
	{ErrDatabaseUnavailable, http.StatusServiceUnavailable, CodeUnavailable},
	// The request's context ended: the client went away or a deadline
	// passed. Nothing is wrong with the server, so it is not an INTERNAL
	// error and is not logged as one.
	{context.Canceled, http.StatusServiceUnavailable, CodeUnavailable},
	{context.DeadlineExceeded, http.StatusServiceUnavailable, CodeUnavailable},
}

// Classify returns the HTTP status and machine code docs/http.md gives err, and
// whether err is one of roster's errors. A failure to reach the database
// (see ErrDatabaseUnavailable) is 503 UNAVAILABLE, known. Anything else is
// 500 INTERNAL.
func Classify(err error) (status int, code string, known bool) {
	for _, e := range errorTable {
		if errors.Is(err, e.err) {
			return e.status, e.code, true
		}
	}
	if databaseDown(err) {
		return http.StatusServiceUnavailable, CodeUnavailable, true
	}
	return http.StatusInternalServerError, CodeInternal, false
}

// unavailable returns ErrDatabaseUnavailable joined to err when err is a
// failure to reach the database that no entry of the table matches, so that
// its sentence and Retry-After are those of ErrDatabaseUnavailable; else
// err.
func unavailable(err error) error {
	for _, e := range errorTable {
		if errors.Is(err, e.err) {
			return err
		}
	}
	if databaseDown(err) {
		return fmt.Errorf("%w: %w", ErrDatabaseUnavailable, err)
	}
	return err
}

// errorBody is the JSON body of every error response.
type errorBody struct {
	Detail string `json:"detail"`
	Code   string `json:"code"`
}

// WriteError writes err as docs/http.md's JSON error {"detail", "code"} with the
// status Classify gives it, and a Retry-After header on 429. The detail is
// the sentence a person reads (access.Sentence), resources named by kind
// only; [Handler.WriteError] names them through Config.ResourceName. The
// detail of an error Classify does not know is generic; such errors go to
// logger (nil discards them), with the request's method and path but never
// its body. A request whose context ended (context.Canceled,
// context.DeadlineExceeded) is 503 UNAVAILABLE with a generic detail, logged
// at debug level only.
func WriteError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	writeError(w, r, logger, err, nil)
}

// WriteError writes err as the package's WriteError does, with h's logger,
// naming resources in the detail through Config.ResourceName in the
// workspace of the request's caller: the one Handler or Guard resolved
// (CallerFrom), else the one Config.Authenticate names. An application
// serving its own routes beside the Handler uses it so that its refusals read
// like the API's.
func (h *Handler) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	var name func(access.Resource) string
	if h.cfg.ResourceName != nil {
		ws, looked := "", false
		name = func(res access.Resource) string {
			if !looked {
				ws, looked = h.workspaceOf(r), true
			}
			if ws == "" {
				return ""
			}
			return h.cfg.ResourceName(r.Context(), ws, res)
		}
	}
	writeError(w, r, h.cfg.Logger, err, name)
}

// workspaceOf returns the workspace of the request's caller, or "" when it
// has none.
func (h *Handler) workspaceOf(r *http.Request) string {
	if c, ok := CallerFrom(r.Context()); ok {
		return c.Workspace.ID()
	}
	ws, user, err := h.cfg.Authenticate(r)
	switch {
	case err != nil || user == "":
		return ""
	case ws == "":
		return roster.DefaultWorkspace
	}
	return ws
}

func writeError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error, name func(access.Resource) string) {
	err = unavailable(err)
	status, code, known := Classify(err)
	detail := access.Sentence(err, name)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		detail = "The request was canceled or timed out."
		if logger != nil {
			logger.Debug("httpapi: request ended early", "method", r.Method, "path", r.URL.Path, "error", err)
		}
	}
	if !known {
		detail = "Something went wrong." // generic: err may hold internals
		if logger != nil {
			logger.Error("httpapi: request failed", "method", r.Method, "path", r.URL.Path, "error", err)
		}
	}
	if status == http.StatusTooManyRequests {
		if s, ok := retryAfter(err); ok {
			w.Header().Set("Retry-After", s)
		}
	}
	if errors.Is(err, ErrDatabaseUnavailable) || errors.Is(err, ErrVersionNotReached) {
		w.Header().Set("Retry-After", "1")
	}
	var na *access.NotAppliedError
	if errors.As(err, &na) {
		// The write is saved at na.Version: Roster-Version names it, so
		// that the client can ask for it (Roster-Min-Version) anywhere.
		w.Header().Set("Retry-After", "1")
		w.Header().Set(VersionHeader, strconv.FormatInt(na.Version, 10))
	}
	writeJSON(w, status, errorBody{Detail: detail, Code: code})
}

// retryAfter returns the Retry-After value, in whole seconds rounded up and
// at least 1, of a rate-limit or throttle refusal. It reports false when no
// wait helps (the request asks for more than a whole budget).
func retryAfter(err error) (string, bool) {
	var d time.Duration
	var le *ratelimit.LimitError
	var te *invites.ThrottledError
	switch {
	case errors.As(err, &le):
		d = le.RetryAfter
	case errors.As(err, &te):
		d = te.RetryAfter
	default:
		return "", false
	}
	if d == rate.InfDuration || d < 0 {
		return "", false
	}
	return strconv.FormatInt(max(1, int64(math.Ceil(d.Seconds()))), 10), true
}

// invalid returns a 400 INVALID_INPUT error naming the field; format says
// what is wrong with it as the rest of a sentence whose subject is the field
// ("is required", "must be true or false").
func invalid(field, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	subject := "The field " + field
	if field == "body" {
		subject = "The request body"
	}
	return errs.Errorf(access.ErrInvalid, subject+" "+msg+".", "httpapi: invalid %s: %s", field, msg)
}
