package scim

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"golang.org/x/time/rate"

	"github.com/rosterhq/roster"
)

// Defaults of Config: every default a zero field of Config takes is here.
const (
	// DefaultMaxBodyBytes is the largest request body the Handler reads
	// unless Config.MaxBodyBytes says otherwise: 4 MiB, room for a PUT of
	// MaxMembers members with their display names.
	DefaultMaxBodyBytes = 4 << 20
	// DefaultRate is how many requests a second each token may make unless
	// Config.Rate says otherwise.
	DefaultRate rate.Limit = 100
	// DefaultBurst is how many requests a token may make at once unless
	// Config.Burst says otherwise.
	DefaultBurst = 200
	// DefaultCount is how many resources a list returns when the request
	// names no count.
	DefaultCount = 100
	// MaxCount is the most resources one list returns; a larger count is
	// lowered to it (RFC 7644 section 3.4.2.4 lets the server do so), and
	// ServiceProviderConfig announces it as filter.maxResults.
	MaxCount = 200
	// MaxMembers is the most members one PUT, POST or PATCH of a group may
	// carry; more is refused with 400 invalidValue and writes nothing.
	MaxMembers = 10000
	// MaxExternalIDBytes is the longest externalId of a user or group, in
	// bytes; a longer one is refused with 400 invalidValue and writes
	// nothing. externalId is indexed for filters, and PostgreSQL refuses an
	// index entry much over 2,700 bytes.
	MaxExternalIDBytes = 1024
	// maxTrackedTokens bounds the per-token limiters the Handler keeps; see
	// throttle.
	maxTrackedTokens = 10000
)

// ContentType is the media type of every response the Handler writes.
// Requests may send it or application/json.
const ContentType = "application/scim+json"

// Config configures New. The zero value works: logs discarded, the default
// body limit, rate and burst.
type Config struct {
	// Logger receives the Handler's logs (token ids, never tokens or
	// emails). Discarded if nil.
	Logger *slog.Logger
	// MaxBodyBytes is the largest request body read; a larger one is
	// refused with 413. DefaultMaxBodyBytes if zero or negative.
	MaxBodyBytes int64
	// Rate is how many requests a second each SCIM token may make; more are
	// refused with 429 and a Retry-After header. DefaultRate if zero.
	Rate rate.Limit
	// Burst is how many requests a token may make at once. DefaultBurst if
	// zero or negative.
	Burst int
	// BaseURL is the absolute URL the Handler is mounted at, such as
	// "https://roster.example.com/scim/v2", written before each resource's
	// path in meta.location. If empty, meta.location is the path the
	// request came in on (the mount prefix that http.StripPrefix removed,
	// then the resource's path).
	BaseURL string
	// Workspace, if set, is the one workspace the Handler serves: a token
	// of another workspace is refused with 401. Empty by default: each
	// request is served in its token's workspace.
	Workspace string
}

func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.Rate == 0 {
		c.Rate = DefaultRate
	}
	if c.Burst <= 0 {
		c.Burst = DefaultBurst
	}
	c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	return c
}

// Handler is the SCIM 2.0 service of a Directory (RFC 7643, RFC 7644): Users
// and Groups of the workspace of the bearer token each request carries, and
// the discovery endpoints ServiceProviderConfig, ResourceTypes and Schemas,
// which need no token. It serves paths relative to its mount point, so mount
// it under a prefix with http.StripPrefix:
//
//	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", scim.New(dir, scim.Config{})))
//
// A Handler is safe for concurrent use. Its zero value is not usable; build
// it with New.
type Handler struct {
	dir      *roster.Directory
	cfg      Config
	throttle *throttle
	userDef  resourceDef // the User schema, read-only after New
	groupDef resourceDef // the Group schema, read-only after New
}

var _ http.Handler = (*Handler)(nil)

// New returns the SCIM Handler of dir. The Handler keeps dir; it answers
// 503 once dir is closed.
func New(dir *roster.Directory, cfg Config) *Handler {
	cfg = cfg.withDefaults()
	return &Handler{dir: dir, cfg: cfg, throttle: newThrottle(cfg.Rate, cfg.Burst, maxTrackedTokens),
		userDef: userDef(), groupDef: groupDef()}
}

// ServeHTTP answers one SCIM request. Every refusal is a SCIM error body
// (see Error) with Content-Type application/scim+json; bad input is a 4xx,
// never a 500.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch segs[0] {
	case "ServiceProviderConfig", "ResourceTypes", "Schemas":
		h.discovery(w, r, segs)
	case "Users", "Groups":
		if len(segs) > 2 {
			h.fail(w, r, notFound())
			return
		}
		h.resource(w, r, segs)
	default:
		h.fail(w, r, notFound())
	}
}

func notFound() *Error {
	return scimErr(http.StatusNotFound, "", "No such resource.")
}

func methodNotAllowed() *Error {
	return scimErr(http.StatusMethodNotAllowed, "", "This method is not allowed on this path.")
}

// write sends v as a SCIM JSON body with the given status.
func (h *Handler) write(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		h.cfg.Logger.Error("scim: encode response", "error", err)
		status, b = http.StatusInternalServerError, []byte(`{"schemas":["`+ErrorSchema+`"],"status":"500","detail":"Something went wrong."}`)
	}
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// fail writes e.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, e *Error) {
	switch e.Status {
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", allowed(r.URL.Path))
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", "1")
	}
	h.write(w, e.Status, e)
}

// allowed lists the methods a path serves, for the Allow header of a 405.
func allowed(path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case segs[0] != "Users" && segs[0] != "Groups":
		return "GET"
	case len(segs) == 1:
		return "GET, POST"
	}
	return "GET, PUT, PATCH, DELETE"
}

// location returns the URL of path (such as "/Users/<id>") as the client
// reaches it: under Config.BaseURL, or under the prefix the request came in
// on.
func (h *Handler) location(r *http.Request, path string) string {
	if h.cfg.BaseURL != "" {
		return h.cfg.BaseURL + path
	}
	return mountPrefix(r) + path
}

// mountPrefix returns what http.StripPrefix removed from the request's path:
// RequestURI keeps the path the client sent.
func mountPrefix(r *http.Request) string {
	full, _, _ := strings.Cut(r.RequestURI, "?")
	if i := strings.Index(full, "://"); i >= 0 { // an absolute-form request target
		if j := strings.IndexByte(full[i+3:], '/'); j >= 0 {
			full = full[i+3+j:]
		} else {
			full = ""
		}
	}
	p, ok := strings.CutSuffix(full, r.URL.EscapedPath())
	if !ok {
		return ""
	}
	return strings.TrimSuffix(p, "/")
}
