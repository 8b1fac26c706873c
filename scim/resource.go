package scim

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/internal/construct"
	"github.com/rosterhq/roster/internal/errs"
	"github.com/rosterhq/roster/internal/store"
	"github.com/rosterhq/roster/tokens"
	"github.com/rosterhq/roster/users"
)

// call is one authenticated request: the token's workspace and actor.
type call struct {
	h     *Handler
	w     http.ResponseWriter
	r     *http.Request
	ws    *roster.Workspace
	actor access.Actor
	st    *store.Store
}

// resource serves /Users and /Groups: it authenticates the bearer token,
// throttles it, and dispatches.
func (h *Handler) resource(w http.ResponseWriter, r *http.Request, segs []string) {
	tok, e := h.authenticate(r)
	if e != nil {
		if e.Status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="scim"`)
		}
		h.fail(w, r, e)
		return
	}
	if ok, wait := h.throttle.allow(tok.ID); !ok {
		w.Header().Set("Retry-After", strconv.FormatInt(errs.Seconds(wait), 10))
		h.fail(w, r, scimErr(http.StatusTooManyRequests, "", "Too many requests for this SCIM token; try again in "+errs.Wait(wait)+"."))
		return
	}
	ws, err := h.dir.Workspace(r.Context(), tok.Workspace)
	if err != nil {
		h.fail(w, r, h.fromError(err))
		return
	}
	c := &call{h: h, w: w, r: r, ws: ws, actor: access.SCIMActor(tok.ID),
		st: construct.Get[func(*roster.Directory) *store.Store]("roster.Store")(h.dir)}
	id := ""
	if len(segs) == 2 {
		id = segs[1]
	}
	var e2 *Error
	if segs[0] == "Users" {
		e2 = c.users(id)
	} else {
		e2 = c.groups(id)
	}
	if e2 != nil {
		h.fail(w, r, e2)
	}
}

// authenticate accepts only a SCIM token (an API key is 401 too), and only
// of Config.Workspace when that is set.
func (h *Handler) authenticate(r *http.Request) (tokens.Token, *Error) {
	unauthorized := scimErr(http.StatusUnauthorized, "", "A valid SCIM bearer token is required.")
	scheme, raw, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	raw = strings.TrimSpace(raw)
	if !ok || !strings.EqualFold(scheme, "Bearer") || raw == "" {
		return tokens.Token{}, unauthorized
	}
	tok, err := h.dir.Authenticate(r.Context(), raw)
	switch {
	case errors.Is(err, tokens.ErrInvalidToken):
		return tokens.Token{}, unauthorized
	case err != nil:
		return tokens.Token{}, h.fromError(err)
	case tok.Kind != tokens.KindSCIM:
		return tokens.Token{}, unauthorized
	case h.cfg.Workspace != "" && tok.Workspace != h.cfg.Workspace:
		return tokens.Token{}, unauthorized
	}
	return tok, nil
}

// fromError answers a roster error: its sentence (access.Sentence) with
// the status of its kind. A SCIM token revoked while its request ran is
// 401; an unknown user or group 404 (callers that mean "an unknown member"
// say so first); anything unexpected is logged and 500.
func (h *Handler) fromError(err error) *Error {
	detail := access.Sentence(err, nil)
	switch {
	case errors.Is(err, tokens.ErrTokenRevoked):
		return scimErr(http.StatusUnauthorized, "", "A valid SCIM bearer token is required.")
	case errors.Is(err, users.ErrDuplicate), errors.Is(err, groups.ErrDuplicateName):
		return scimErr(http.StatusConflict, TypeUniqueness, detail)
	case errors.Is(err, access.ErrInvalid):
		return badRequest(TypeInvalidValue, detail)
	case errors.Is(err, access.ErrNotFound):
		return notFound()
	case errors.Is(err, access.ErrForbidden):
		return scimErr(http.StatusForbidden, "", detail)
	case errors.Is(err, access.ErrConflict):
		return scimErr(http.StatusConflict, "", detail)
	case errors.Is(err, access.ErrClosed), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return scimErr(http.StatusServiceUnavailable, "", "The service is not available right now.")
	case errors.Is(err, access.ErrNotApplied):
		return scimErr(http.StatusServiceUnavailable, "", "The change was saved, but this server has not caught up with it yet.")
	case store.DatabaseDown(err):
		return scimErr(http.StatusServiceUnavailable, "", "The database does not answer.")
	}
	h.cfg.Logger.Error("scim: request failed", "error", err)
	return scimErr(http.StatusInternalServerError, "", "Something went wrong.")
}

// mutate runs fn as one audited transaction of the token's workspace, as
// its actor, and answers fn's refusal or the roster error.
func (c *call) mutate(fn func(tx *store.Tx) *Error) *Error {
	var refusal *Error
	_, err := c.st.Mutate(c.r.Context(), c.ws.ID(), c.actor, func(tx *store.Tx) error {
		if e := fn(tx); e != nil {
			refusal = e
			return e
		}
		return nil
	})
	if refusal != nil {
		return refusal
	}
	if err != nil {
		return c.h.fromError(err)
	}
	return nil
}

// view runs fn in a read-only transaction of the token's workspace.
func (c *call) view(fn func(tx *store.Tx) *Error) *Error {
	var refusal *Error
	err := c.st.View(c.r.Context(), c.ws.ID(), c.actor, func(tx *store.Tx) error {
		if e := fn(tx); e != nil {
			refusal = e
			return e
		}
		return nil
	})
	if refusal != nil {
		return refusal
	}
	if err != nil {
		return c.h.fromError(err)
	}
	return nil
}

// listParams are a list request's startIndex (1-based) and count, capped
// at MaxCount (RFC 7644 section 3.4.2.4: a start below 1 is 1, a negative
// count 0).
func listParams(r *http.Request) (start, count int) {
	q := r.URL.Query()
	start, count = 1, DefaultCount
	if v, err := strconv.Atoi(q.Get("startIndex")); err == nil && v > 1 {
		start = v
	}
	if v, err := strconv.Atoi(q.Get("count")); err == nil {
		count = min(max(v, 0), MaxCount)
	}
	return start, count
}

// projection is a request's attributes and excludedAttributes (RFC 7644
// section 3.9), lower-cased top-level names.
type projection struct {
	only, excluded map[string]bool
}

func projectionOf(r *http.Request) projection {
	set := func(v string) map[string]bool {
		if v == "" {
			return nil
		}
		m := map[string]bool{}
		ext := strings.ToLower(EnterpriseUserSchema)
		for _, a := range strings.Split(v, ",") {
			a = strings.ToLower(strings.TrimSpace(a))
			switch {
			case strings.HasPrefix(a, ext): // the extension, or one of its attributes: the extension's object
				a = ext
			case strings.HasPrefix(a, "urn:"): // a core attribute with its schema URN
				a = a[strings.LastIndex(a, ":")+1:]
				fallthrough
			default:
				a, _, _ = strings.Cut(a, ".")
			}
			m[a] = true
		}
		return m
	}
	q := r.URL.Query()
	return projection{only: set(q.Get("attributes")), excluded: set(q.Get("excludedAttributes"))}
}

// wants reports whether the response includes the attribute.
func (p projection) wants(name string) bool {
	n := strings.ToLower(name)
	if n == "id" || n == "schemas" {
		return true
	}
	if p.excluded[n] {
		return false
	}
	return p.only == nil || p.only[n]
}

// apply removes the attributes the request does not want from a resource.
func (p projection) apply(m map[string]any) map[string]any {
	for k := range m {
		if !p.wants(k) {
			delete(m, k)
		}
	}
	return m
}
