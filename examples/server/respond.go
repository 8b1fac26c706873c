package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/time/rate"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/httpapi"
	"github.com/rosterhq/roster/invites"
)

// errorBody is docs/http.md's error: {"detail": "...", "code": "MACHINE_CODE"}.
type errorBody struct {
	Detail string `json:"detail"`
	Code   string `json:"code"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) // a failed write is the client's: nothing to do
}

// fail writes err as docs/http.md's JSON error, through httpapi's one table from
// roster's errors to status and code, with the error's sentence as the
// detail, naming resources from the application's tables (resourceName); a
// sign-in throttle refusal gets its Retry-After header here.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.metrics.countRefusal(err)
	setRetryAfter(w, err)
	s.api.WriteError(w, r, err)
}

// refusal is an error of the application's own routes: Go text for logs, a
// sentence for people, and the roster sentinel it matches, so that httpapi's
// one table answers it. Implementing access.Sentencer is all an application
// needs for its refusals to read like roster's.
type refusal struct {
	text, sentence string
	kind           error
}

var _ access.Sentencer = (*refusal)(nil)

func (e *refusal) Error() string                                { return e.text }
func (e *refusal) Unwrap() error                                { return e.kind }
func (e *refusal) Sentence(func(access.Resource) string) string { return e.sentence }

// tooLarge refuses a request body over limit bytes: 413 PAYLOAD_TOO_LARGE,
// with httpapi's sentence.
func tooLarge(limit int64) error {
	return &refusal{fmt.Sprintf("server: request body larger than %d bytes", limit),
		fmt.Sprintf("The request body is larger than the limit of %d bytes.", limit), httpapi.ErrPayloadTooLarge}
}

// setRetryAfter sets the Retry-After header, in whole seconds rounded up, of
// a sign-in or invite throttle refusal. (httpapi.WriteError sets it for
// roster's refusals too; pages need it here.)
func setRetryAfter(w http.ResponseWriter, err error) {
	var d time.Duration
	var te *throttledError
	var ie *invites.ThrottledError
	switch {
	case errors.As(err, &te):
		d = te.retryAfter
	case errors.As(err, &ie) && ie.RetryAfter != rate.InfDuration:
		d = ie.RetryAfter
	default:
		return
	}
	w.Header().Set("Retry-After", strconv.FormatInt(max(1, int64(math.Ceil(d.Seconds()))), 10))
}

// throttledError refuses a sign-in attempt: 429 THROTTLED with Retry-After.
type throttledError struct{ retryAfter time.Duration }

func (e *throttledError) Error() string {
	return fmt.Sprintf("server: too many sign-in attempts; retry after %v", e.retryAfter.Round(time.Second))
}

// Sentence gives the wait in whole seconds, rounded up as Retry-After is.
func (e *throttledError) Sentence(func(access.Resource) string) string {
	n := max(1, int64(math.Ceil(e.retryAfter.Seconds())))
	unit := "seconds"
	if n == 1 {
		unit = "second"
	}
	return fmt.Sprintf("Too many attempts; try again in %d %s.", n, unit)
}

// Unwrap makes httpapi.Classify answer 429 THROTTLED.
func (e *throttledError) Unwrap() error { return invites.ErrThrottled }

// invalid returns a 400 INVALID_INPUT error naming the field; format says
// what is wrong as the rest of a sentence whose subject is the field ("is
// required").
func invalid(field, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	subject := "The field " + field
	if field == "body" {
		subject = "The request body"
	}
	return &refusal{text: "server: invalid " + field + ": " + msg, sentence: subject + " " + msg + ".", kind: access.ErrInvalid}
}

// decode reads the request body as exactly one JSON value into dst, with
// httpapi's rules and errors, so the application's routes answer bad input
// exactly as roster's do.
func (s *server) decode(w http.ResponseWriter, r *http.Request, dst any) error {
	return httpapi.DecodeJSON(w, r, s.cfg.MaxBodyBytes, dst)
}

// who is the least role a route admits before roster's own checks, so that
// roles a route never serves learn nothing about the objects it names.
type who int

const (
	signedIn  who = iota // every active user, limited ones too
	basicUp              // everyone but limited users
	curatorUp            // curators, global curators and admins
)

func (w who) admits(role access.Role) bool {
	switch w {
	case basicUp:
		return role != access.Limited
	case curatorUp:
		return role == access.Curator || role == access.GlobalCurator || role == access.Admin
	}
	return true
}

var errRole = &refusal{"server: your role does not allow this", "Your role does not allow this.", access.ErrForbidden}

// endpoint is one signed-in route's work: decode, call roster and the
// application's tables, encode.
type endpoint func(w http.ResponseWriter, r *http.Request, c httpapi.Caller) error

// handle registers an endpoint behind the session and the role gate.
func (s *server) handle(mux *http.ServeMux, pattern string, allow who, ep endpoint) {
	s.route(mux, pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := s.caller(r)
		if err == nil && !allow.admits(c.User.Role) {
			err = errRole
		}
		if err == nil {
			err = ep(w, r, c)
		}
		if err != nil {
			s.fail(w, r, err)
		}
	}))
}

// handleAnyone registers a route that needs no session.
func (s *server) handleAnyone(mux *http.ServeMux, pattern string, fn func(w http.ResponseWriter, r *http.Request) error) {
	s.route(mux, pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			s.fail(w, r, err)
		}
	}))
}
