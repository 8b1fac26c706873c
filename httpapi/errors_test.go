package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/httpapi"
	"github.com/rosterhq/roster/invites"
	"github.com/rosterhq/roster/ratelimit"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// Every error the library reports maps to docs/http.md's status and code; the
// finer error wins over the sentinel it wraps.
func TestClassify(t *testing.T) {
	cases := []struct {
		err    error
		status int
		code   string
	}{
		{httpapi.ErrNotSignedIn, 401, httpapi.CodeNotSignedIn},
		{httpapi.ErrPayloadTooLarge, 413, httpapi.CodePayloadTooLarge},
		{users.ErrCuratorViaGroups, 400, httpapi.CodeCuratorViaGroups},
		{users.ErrInvalidRole, 400, httpapi.CodeInvalidInput},
		{users.ErrInvalidEmail, 400, httpapi.CodeInvalidInput},
		{groups.ErrNotAMember, 400, httpapi.CodeNotAMember},
		{groups.ErrAlreadyPrivileged, 400, httpapi.CodeAlreadyPrivileged},
		{groups.ErrNotEligible, 400, httpapi.CodeNotEligible},
		{groups.ErrInvalidName, 400, httpapi.CodeInvalidInput},
		{invites.ErrInvalidRequest, 400, httpapi.CodeInvalidInput},
		{invites.ErrInvalidSettings, 400, httpapi.CodeInvalidInput},
		{&ratelimit.InvalidError{Field: "Budget", Reason: "too big"}, 400, httpapi.CodeInvalidInput},
		{resources.ErrDocumentSetRule, 400, httpapi.CodeInvalidInput},
		{invites.ErrInviteInvalid, 403, httpapi.CodeInviteInvalid},
		{invites.ErrInvalidToken, 403, httpapi.CodeInviteInvalid},
		{&invites.SignupError{Err: invites.ErrInviteRequired}, 403, httpapi.CodeInviteRequired},
		{&invites.SignupError{Err: invites.ErrDomainNotAllowed, Domain: "x.example"}, 403, httpapi.CodeDomainNotAllowed},
		{groups.ErrOutOfScope, 403, httpapi.CodeOutOfScope},
		{users.ErrNotAdmin, 403, httpapi.CodeForbidden},
		{users.ErrUserNotFound, 404, httpapi.CodeNotFound},
		{groups.ErrGroupNotFound, 404, httpapi.CodeNotFound},
		{invites.ErrInviteNotFound, 404, httpapi.CodeNotFound},
		{ratelimit.ErrNotFound, 404, httpapi.CodeNotFound},
		{roster.ErrWorkspaceNotFound, 404, httpapi.CodeNotFound},
		{users.ErrDuplicate, 409, httpapi.CodeDuplicate},
		{groups.ErrDuplicateName, 409, httpapi.CodeDuplicate},
		{resources.ErrExists, 409, httpapi.CodeDuplicate},
		{users.ErrSelfChange, 409, httpapi.CodeSelfChange},
		{users.ErrLastAdmin, 409, httpapi.CodeLastAdmin},
		{users.ErrUserActive, 409, httpapi.CodeUserActive},
		{&users.OwnsResourcesError{UserID: "u", Resources: []access.Resource{{Kind: access.Agent, ID: "a"}}}, 409, httpapi.CodeOwnsResources},
		{&ratelimit.LimitError{Scope: ratelimit.ScopeGroup, RetryAfter: time.Second}, 429, httpapi.CodeRateLimited},
		{&invites.ThrottledError{RetryAfter: time.Second}, 429, httpapi.CodeThrottled},
		{roster.ErrClosed, 503, httpapi.CodeUnavailable},
		{context.Canceled, 503, httpapi.CodeUnavailable},
		{context.DeadlineExceeded, 503, httpapi.CodeUnavailable},
		{errors.New("disk on fire"), 500, httpapi.CodeInternal},
	}
	for _, c := range cases {
		wrapped := fmt.Errorf("context: %w", c.err)
		status, code, known := httpapi.Classify(wrapped)
		if status != c.status || code != c.code || known != (c.status != 500) {
			t.Errorf("Classify(%v) = %d %s %v, want %d %s", c.err, status, code, known, c.status, c.code)
		}
	}
}

func TestWriteErrorRetryAfter(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{&invites.ThrottledError{RetryAfter: 1500 * time.Millisecond}, "2"},
		{&invites.ThrottledError{RetryAfter: time.Millisecond}, "1"},
		{&ratelimit.LimitError{RetryAfter: time.Minute}, "60"},
		{&ratelimit.LimitError{RetryAfter: rate.InfDuration}, ""}, // no wait helps: the request is larger than the budget
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		httpapi.WriteError(rec, httptest.NewRequest(http.MethodGet, "/", nil), nil, c.err)
		if rec.Code != 429 || rec.Header().Get("Retry-After") != c.want {
			t.Errorf("%v: %d Retry-After %q, want 429 %q", c.err, rec.Code, rec.Header().Get("Retry-After"), c.want)
		}
	}
}

// An unexpected error's detail is generic: it may hold internals.
func TestWriteErrorHidesInternals(t *testing.T) {
	rec := httptest.NewRecorder()
	httpapi.WriteError(rec, httptest.NewRequest(http.MethodGet, "/", nil), nil, errors.New("pq: password authentication failed"))
	var e apiError
	decodeBody(t, rec, &e)
	if rec.Code != 500 || e.Code != httpapi.CodeInternal || e.Detail != "Something went wrong." {
		t.Errorf("got %d %+v", rec.Code, e)
	}
}

// A request whose client went away or whose deadline passed is 503
// UNAVAILABLE, not 500 INTERNAL, and nothing is logged at error level.
func TestWriteErrorContextEnded(t *testing.T) {
	for _, cause := range []error{context.Canceled, context.DeadlineExceeded} {
		var logs bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
		rec := httptest.NewRecorder()
		httpapi.WriteError(rec, httptest.NewRequest(http.MethodGet, "/", nil), logger, fmt.Errorf("query users: %w", cause))
		var e apiError
		decodeBody(t, rec, &e)
		if rec.Code != http.StatusServiceUnavailable || e.Code != httpapi.CodeUnavailable {
			t.Errorf("%v: got %d %+v, want 503 %s", cause, rec.Code, e, httpapi.CodeUnavailable)
		}
		if logs.Len() != 0 {
			t.Errorf("%v: logged %q, want nothing at info level or above", cause, logs.String())
		}
	}
}
