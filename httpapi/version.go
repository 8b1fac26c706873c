package httpapi

import (
	"context"
	"errors"
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
// with Retry-After: 1; a malformed header, or a version above the last one
// committed, which no write returned, is 400 INVALID_INPUT at once), and
// puts Roster-Version on the response to every write request. Waiting
// costs no database work per request: the Directory's follower catches up
// once for every waiter (see roster.Directory.AwaitVersion). The Handler
// applies the same rules itself, authenticating before it waits (an
// anonymous request is 401 at once); an application wraps its own routes
// in Versioned (once: not around the Handler) so that they keep the same
// promise, and may authenticate before it as well. The request reaches next
// unchanged, so a ServeMux's Request.Pattern stays visible to the
// middleware around Versioned.
func Versioned(dir *roster.Directory, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok, err := minVersion(r)
		if err == nil && ok {
			err = awaitVersion(dir, r, v)
		}
		if err != nil {
			WriteError(w, r, nil, err)
			return
		}
		serveWithVersion(dir, next, w, r)
	})
}

// serveWithVersion serves r with next, wrapping the writer of a write
// request so that its response carries Roster-Version.
func serveWithVersion(dir *roster.Directory, next http.Handler, w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		next.ServeHTTP(w, r)
	default:
		next.ServeHTTP(&versionWriter{ResponseWriter: w, dir: dir}, r)
	}
}

// minVersion parses the request's Roster-Min-Version: the version and
// whether there is one, or errBadMinVersion.
func minVersion(r *http.Request) (int64, bool, error) {
	h := r.Header.Get(MinVersionHeader)
	if h == "" {
		return 0, false, nil
	}
	v, err := strconv.ParseInt(h, 10, 64)
	if err != nil || v < 0 {
		return 0, false, errBadMinVersion
	}
	return v, true, nil
}

// awaitVersion waits up to MinVersionWait for dir's index to hold v.
func awaitVersion(dir *roster.Directory, r *http.Request, v int64) error {
	if dir.Version() >= v {
		return nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), MinVersionWait)
	defer cancel()
	err := dir.AwaitVersion(ctx, v)
	switch {
	case err == nil:
		return nil
	case r.Context().Err() != nil:
		return r.Context().Err() // the client went away: 503, no Retry-After
	case errors.Is(err, roster.ErrVersionNotCommitted), errors.Is(err, roster.ErrClosed):
		return err
	}
	return ErrVersionNotReached
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
