package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/errs"
)

// The headers of "at least version V" (docs/http.md, Several instances).
const (
	// VersionHeader is on the response to every write request (POST, PUT,
	// PATCH, DELETE): the version the instance's index holds once the
	// request is done, which includes the request's own change. A write
	// that committed but that this instance could not apply yet is 503
	// UNAVAILABLE (access.ErrNotApplied) with Retry-After: 1, and the
	// header then names the write's own version. A client sends it back as
	// MinVersionHeader to read its own writes on any instance.
	VersionHeader = "Roster-Version"
	// MinVersionHeader, on any request, asks the instance to answer only
	// once its index holds that version (it waits up to MinVersionWait).
	MinVersionHeader = "Roster-Min-Version"
	// MinVersionWait is how long a request with MinVersionHeader waits for
	// the instance to reach the version before ErrVersionNotReached.
	MinVersionWait = time.Second
)

// ErrVersionNotReached is the error for a request whose Roster-Min-Version
// the instance did not reach within MinVersionWait: the change is
// committed, but this instance has not applied it yet (or cannot read the
// changelog now). It answers 503 UNAVAILABLE with Retry-After: 1.
var ErrVersionNotReached = newError("httpapi: this instance has not reached the version asked for",
	"This server has not caught up with the version asked for yet; try again in a second.")

// errBadMinVersion is the 400 INVALID_INPUT answer to a Roster-Min-Version
// header that is not a version.
var errBadMinVersion = errs.Errorf(access.ErrInvalid, "The header Roster-Min-Version must be a version: a whole number, 0 or more.",
	"httpapi: malformed %s header", MinVersionHeader)

// Versioned wraps next with the version headers: it answers a request
// carrying Roster-Min-Version only once dir's index holds that version
// (waiting up to MinVersionWait, then 503 UNAVAILABLE ErrVersionNotReached
// with Retry-After: 1; a malformed header is 400 INVALID_INPUT), and puts
// Roster-Version on the response to every write request. The Handler
// applies it itself; an application wraps its own routes in it (once: not
// around the Handler) so that they keep the same promise. The request
// reaches next unchanged, so a ServeMux's Request.Pattern stays visible to
// the middleware around Versioned.
func Versioned(dir *roster.Directory, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := awaitMinVersion(dir, r); err != nil {
			if err == ErrVersionNotReached {
				w.Header().Set("Retry-After", "1")
			}
			WriteError(w, r, nil, err)
			return
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
		default:
			next.ServeHTTP(&versionWriter{ResponseWriter: w, dir: dir}, r)
		}
	})
}

// awaitMinVersion waits for the request's Roster-Min-Version, if any.
func awaitMinVersion(dir *roster.Directory, r *http.Request) error {
	h := r.Header.Get(MinVersionHeader)
	if h == "" {
		return nil
	}
	v, err := strconv.ParseInt(h, 10, 64)
	if err != nil || v < 0 {
		return errBadMinVersion
	}
	if dir.Version() >= v {
		return nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), MinVersionWait)
	defer cancel()
	if err := dir.AwaitVersion(ctx, v); err != nil {
		if r.Context().Err() != nil {
			return r.Context().Err() // the client went away: 503, no Retry-After
		}
		return ErrVersionNotReached
	}
	return nil
}

// versionWriter sets Roster-Version just before the response's header is
// written: by then the request's change, if any, is in the index (a write
// returns only then). A write committed that the index could not apply is
// answered 503 with Roster-Version set to its version already (writeError);
// versionWriter keeps the higher of that and the index's version.
type versionWriter struct {
	http.ResponseWriter
	dir   *roster.Directory
	wrote bool
}

func (w *versionWriter) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		v := w.dir.Version()
		if set, err := strconv.ParseInt(w.Header().Get(VersionHeader), 10, 64); err == nil {
			v = max(v, set)
		}
		w.Header().Set(VersionHeader, strconv.FormatInt(v, 10))
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *versionWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *versionWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
