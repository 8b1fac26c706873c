package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/errs"
)

// Guard returns middleware that lets a request through to the wrapped
// handler only when its signed-in user may perform act on the resource of
// kind whose id idFrom reads from the request (for a pattern like
// "GET /agents/{id}", idFrom is func(r *http.Request) string { return
// r.PathValue("id") }). It answers, as API.md's status-code rule says:
//
//   - 401 NOT_SIGNED_IN when authenticate fails or names nobody, or the user
//     is unknown or deactivated;
//   - 404 NOT_FOUND when the resource is unknown, its id malformed, or the
//     user may not view it, so its existence does not leak;
//   - 403 FORBIDDEN when the user may view it but not perform act.
//
// The wrapped handler finds the caller with CallerFrom. Guard panics if an
// argument is nil or act or kind is unknown: that is a programming error.
// The middleware is safe for concurrent use.
func Guard(dir *roster.Directory, authenticate Authenticator, act access.Action, kind access.Kind,
	idFrom func(*http.Request) string) func(http.Handler) http.Handler {
	if dir == nil || authenticate == nil || idFrom == nil || !act.Valid() || !kind.Valid() {
		panic(fmt.Sprintf("httpapi: Guard(%q, %q) needs a Directory, an authenticator, an id function and a known action and kind", act, kind))
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := resolve(r.Context(), dir, authenticate, r)
			if err == nil {
				err = allowed(r.Context(), c, act, access.Resource{Kind: kind, ID: idFrom(r)})
			}
			if err != nil {
				WriteError(w, r, nil, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, c)))
		})
	}
}

// allowed returns nil when the caller may act on res, ErrNotFound when they
// may not view it (or it does not exist), and ErrForbidden when they may view
// it but not act.
func allowed(ctx context.Context, c Caller, act access.Action, res access.Resource) error {
	notFound := errs.Errorf(access.ErrNotFound, "The "+res.Kind.Noun()+" does not exist.", "httpapi: %s %q not found", res.Kind, res.ID)
	if res.Validate() != nil {
		return notFound
	}
	ac := c.Workspace.Access()
	view, err := ac.Can(ctx, c.User.ID, access.View, res)
	if errors.Is(err, access.ErrNotFound) || (err == nil && !view) {
		return notFound
	}
	if err != nil || act == access.View {
		return err
	}
	can, err := ac.Can(ctx, c.User.ID, act, res)
	if err == nil && !can {
		return errs.Named(access.ErrForbidden, fmt.Sprintf("httpapi: you may not %s %s %q", act, res.Kind, res.ID), "You may not "+string(act)+" %s.", res)
	}
	return err
}
