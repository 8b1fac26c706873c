package main

import (
	"net/http"

	"github.com/rosterhq/roster/httpapi"
)

// unversioned are the routes that answer whatever the request carries
// (liveness, metrics, the OpenAPI document, readiness with its own
// catch-up) and the HTML pages: the version headers do not apply to them.
// Every other route of the server honours them like httpapi's own.
func unversioned(pattern string) bool {
	switch pattern {
	case "GET /healthz", "GET /readyz", "GET /metrics", "GET /openapi.json", "/ui/", "GET /{$}", "/",
		"GET /invite/accept", "POST /invite/accept", "GET /password/reset", "POST /password/reset":
		return true
	}
	return false
}

// versioned wraps the handler of pattern with httpapi.Versioned: a request
// carrying Roster-Min-Version is answered once this instance holds that
// version, and a write's response carries Roster-Version. The fallback to
// httpapi ("/") is left alone: the API applies them itself.
func (s *server) versioned(pattern string, h http.Handler) http.Handler {
	if unversioned(pattern) {
		return h
	}
	return httpapi.Versioned(s.dir, h)
}
