package main

import (
	"net/http"

	"github.com/rosterhq/roster/docs"
)

func (s *server) openAPIRoutes(mux *http.ServeMux) {
	s.route(mux, "GET /openapi.json", http.HandlerFunc(serveOpenAPI))
}

// serveOpenAPI answers GET /openapi.json: the OpenAPI 3.1 document of the
// JSON API this server serves (docs/openapi.json, embedded by package docs).
// Anyone may read it.
func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(docs.OpenAPI()) // a failed write is the client's: nothing to do
}
