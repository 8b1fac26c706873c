package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/errs"
	"github.com/rosterhq/roster/users"
)

// DefaultMaxBodyBytes is the largest request body Config.MaxBodyBytes allows
// by default: 1 MiB, which holds a full bulk invite of 1,000 long addresses.
const DefaultMaxBodyBytes = 1 << 20

// Authenticator maps a request to the signed-in user: the workspace id
// (roster.DefaultWorkspace if empty) and the user id. An error or an empty
// user id means the request is not signed in (401 NOT_SIGNED_IN), except an
// error that says the authenticator could not look: the database does not
// answer (see ErrDatabaseUnavailable), the Directory is closed, or the
// request's context ended. Those are answered as themselves (503
// UNAVAILABLE), so that a client keeps its session through an outage. The
// application implements it over its own sessions, cookies or tokens.
type Authenticator func(r *http.Request) (workspace, userID string, err error)

// Config configures New.
type Config struct {
	// Authenticate maps each request to the signed-in user. Required.
	Authenticate Authenticator
	// MaxBodyBytes caps request bodies; a larger one is 413
	// PAYLOAD_TOO_LARGE on every route (ErrPayloadTooLarge).
	// DefaultMaxBodyBytes if not positive.
	MaxBodyBytes int64
	// Logger receives the errors answered 500, with method, path and error
	// (ids, never bodies). Discarded if nil.
	Logger *slog.Logger
	// ResourceName names a resource of the workspace for the sentences of
	// error details (`the agent "Support bot"`), or returns "" when it has
	// no name. roster stores no resource names, so the application reads its
	// own tables here. It is called only while writing an error that names a
	// resource the caller may see, with the request's context. If nil,
	// resources are named by kind only ("the agent").
	ResourceName func(ctx context.Context, workspace string, r access.Resource) string
}

// Handler serves the admin HTTP API of docs/http.md (the Me, Users and invites,
// Groups, Token rate limits and SCIM and API keys sections) over a roster
// Directory. Create it
// with New; it is safe for concurrent use and holds no state of its own.
type Handler struct {
	dir *roster.Directory
	cfg Config
	mux *http.ServeMux

	patterns []string // every pattern handle registered, in order; see Routes
}

var _ http.Handler = (*Handler)(nil)

// New returns the handler of dir's admin API. It panics if dir or
// cfg.Authenticate is nil: that is a programming error, not a request's.
func New(dir *roster.Directory, cfg Config) *Handler {
	if dir == nil || cfg.Authenticate == nil {
		panic("httpapi: New needs a Directory and Config.Authenticate")
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	h := &Handler{dir: dir, cfg: cfg, mux: http.NewServeMux()}
	h.routes()
	return h
}

// ServeHTTP serves one request of the API; paths it does not serve are
// 404 NOT_FOUND, methods a path does not serve 405 METHOD_NOT_ALLOWED. It
// honours the version headers as Versioned does, but waits for a request's
// Roster-Min-Version only once the request is authenticated: an anonymous
// one is 401 NOT_SIGNED_IN at once, and a request to a path it does not
// serve is answered at once too.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, _, err := minVersion(r); err != nil {
		WriteError(w, r, nil, err)
		return
	}
	serveWithVersion(h.dir, h.mux, w, r)
}

// Routes returns the method and path patterns the Handler serves, in
// net/http's ServeMux syntax ("GET /me", "PATCH
// /manage/admin/user-group/{id}"), in the order they were registered. Every
// other request is 404 NOT_FOUND or 405 METHOD_NOT_ALLOWED. An application
// that mounts the Handler beside its own routes may register exactly these
// patterns; the OpenAPI document in package docs describes each of them. The
// slice is a copy the caller may keep.
func (h *Handler) Routes() []string {
	return append([]string(nil), h.patterns...)
}

// Caller is the signed-in, active user a request acts as.
type Caller struct {
	Workspace *roster.Workspace
	User      users.User
}

// Actor returns the caller as the actor of library calls.
func (c Caller) Actor() access.Actor { return access.UserActor(c.User.ID) }

type callerKey struct{}

// CallerFrom returns the caller that Handler or a Guard resolved for the
// request whose context ctx is.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// resolve authenticates the request and loads the caller: an authenticator
// error, an empty user, an unknown workspace or user, and a deactivated user
// are all ErrNotSignedIn, but for the errors authError passes through (an
// authenticator error that wraps ErrNotSignedIn is kept, with its sentence).
func resolve(ctx context.Context, dir *roster.Directory, auth Authenticator, r *http.Request) (Caller, error) {
	wsID, userID, err := auth(r)
	if err != nil || userID == "" {
		return Caller{}, authError(err)
	}
	if wsID == "" {
		wsID = roster.DefaultWorkspace
	}
	ws, err := dir.Workspace(ctx, wsID)
	if err != nil {
		return Caller{}, signedInError(err)
	}
	u, err := ws.Users().Get(ctx, userID)
	if err != nil {
		return Caller{}, signedInError(err)
	}
	if !u.Active {
		return Caller{}, ErrNotSignedIn
	}
	return Caller{Workspace: ws, User: u}, nil
}

// authError is the answer to an authenticator that returned err or no
// user: ErrNotSignedIn, unless err wraps ErrNotSignedIn already (kept, with
// its sentence) or says it could not look (the database does not answer,
// the Directory is closed, the request's context ended), which passes
// through.
func authError(err error) error {
	switch {
	case err == nil:
		return ErrNotSignedIn
	case errors.Is(err, ErrNotSignedIn), couldNotLook(err):
		return err // a sentence that says why (WithAPIKeys'), or 503
	}
	return ErrNotSignedIn
}

// couldNotLook reports whether err says that an authenticator could not
// look the request's credentials up, as opposed to finding them wanting:
// the database does not answer, the Directory is closed, or the request's
// context ended.
func couldNotLook(err error) bool {
	return err != nil && (databaseDown(err) || errors.Is(err, ErrDatabaseUnavailable) || errors.Is(err, access.ErrClosed) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
}

// authenticated resolves the request's caller, waiting first for its
// Roster-Min-Version (ServeHTTP has checked the header) once the
// authenticator names a user: an anonymous request never waits, and the
// caller is loaded from an index that holds the version.
func (h *Handler) authenticated(r *http.Request) (Caller, error) {
	if v, ok, _ := minVersion(r); ok && h.dir.Version() < v {
		if _, userID, err := h.cfg.Authenticate(r); err != nil || userID == "" {
			return Caller{}, authError(err)
		}
		if err := awaitVersion(h.dir, r, v); err != nil {
			return Caller{}, err
		}
	}
	return resolve(r.Context(), h.dir, h.cfg.Authenticate, r)
}

func signedInError(err error) error {
	if errors.Is(err, access.ErrNotFound) {
		return ErrNotSignedIn
	}
	return err
}

// who is the least role an endpoint admits before the library's own checks.
type who int

const (
	signedIn  who = iota // every active user, limited ones too
	basicUp              // everyone but limited users
	curatorUp            // curators, global curators and admins (group scope is the library's)
	adminOnly
)

func (w who) admits(role access.Role) bool {
	switch w {
	case signedIn:
		return true
	case basicUp:
		return role != access.Limited
	case curatorUp:
		return role == access.Curator || role == access.GlobalCurator || role == access.Admin
	default:
		return role == access.Admin
	}
}

var errRole = errs.Errorf(access.ErrForbidden, "Your role does not allow this.", "httpapi: your role does not allow this")

// endpoint is one route's work: decode, call the library, encode.
type endpoint func(w http.ResponseWriter, r *http.Request, c Caller) error

// handle registers an endpoint behind authentication and the role gate.
func (h *Handler) handle(pattern string, allow who, ep endpoint) {
	h.patterns = append(h.patterns, pattern)
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		// A body declared over the limit is refused before anything else,
		// on every route, whether or not the route reads a body.
		if r.ContentLength > h.cfg.MaxBodyBytes {
			h.WriteError(w, r, tooLarge(h.cfg.MaxBodyBytes))
			return
		}
		c, err := h.authenticated(r)
		if err == nil && !allow.admits(c.User.Role) {
			err = errRole
		}
		if err == nil {
			r = r.WithContext(context.WithValue(r.Context(), callerKey{}, c))
			err = ep(w, r, c)
		}
		if err != nil {
			h.WriteError(w, r, err)
		}
	})
}

// unrouted answers requests no pattern serves: 405 when another method of
// the path is served, else 404.
func (h *Handler) unrouted(w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := &http.Request{Method: m, URL: r.URL, Host: r.Host}
		if _, pattern := h.mux.Handler(probe); pattern != "/" && pattern != "" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) == 0 {
		writeJSON(w, http.StatusNotFound, errorBody{Detail: "There is no such path.", Code: CodeNotFound})
		return
	}
	for _, m := range allowed {
		w.Header().Add("Allow", m)
	}
	writeJSON(w, http.StatusMethodNotAllowed, errorBody{Detail: "The method " + r.Method + " is not served on this path.", Code: CodeMethodNotAllowed})
}

// writeJSON writes v as the JSON response body with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) // a failed write is the client's: nothing to do
}

// ok writes v with 200 and returns nil, so endpoints end with return ok(w, v).
func ok(w http.ResponseWriter, v any) error {
	writeJSON(w, http.StatusOK, v)
	return nil
}

func created(w http.ResponseWriter, v any) error {
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func noContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}
