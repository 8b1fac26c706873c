package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/rosterhq/roster/httpapi"
)

// Routes lists patterns the Handler serves: each one, asked without a
// session, is answered 401 NOT_SIGNED_IN (a path or method it does not serve
// would be 404 or 405), none is listed twice, and the slice is the caller's
// copy.
func TestRoutes(t *testing.T) {
	w := newWorld(t)
	h := httpapi.New(w.dir, httpapi.Config{Authenticate: testAuth})
	routes := h.Routes()
	wildcard := regexp.MustCompile(`\{[^}]*\}`) // {id}, {group_id}
	if len(routes) == 0 {
		t.Fatal("Routes is empty")
	}
	seen := map[string]bool{}
	for _, pattern := range routes {
		if seen[pattern] {
			t.Errorf("%q listed twice", pattern)
		}
		seen[pattern] = true
		method, path, ok := strings.Cut(pattern, " ")
		if !ok {
			t.Errorf("%q has no method", pattern)
			continue
		}
		path = wildcard.ReplaceAllString(path, "x")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
		if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), httpapi.CodeNotSignedIn) {
			t.Errorf("%s %s: %d %s, want 401 %s", method, path, rec.Code, rec.Body, httpapi.CodeNotSignedIn)
		}
	}
	// An application mounts the handler on its own mux with exactly these
	// patterns (README): they register without a clash and reach it.
	mux := http.NewServeMux()
	for _, pattern := range routes {
		mux.Handle(pattern, h)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/me", nil)
	req.Header.Set(authHeader, w.users[basic].ID)
	mux.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Errorf("GET /me through the application's mux: %d %s", rec.Code, rec.Body)
	}

	routes[0] = "GET /changed"
	if h.Routes()[0] == "GET /changed" {
		t.Error("Routes returns the handler's own slice")
	}
}
