// Package docs carries roster's documentation that ships with the module:
// the behaviour contract (contract.md), the reference of the admin HTTP API
// (http.md) and an OpenAPI 3.1 document of that JSON API (openapi.json), all
// in this directory.
//
// The OpenAPI document describes the API as it is served today: the routes
// of package httpapi (Me, Users and invites, Groups, Token rate limits) and
// the JSON routes the example server adds around it (sign-in, resources,
// chat, and GET /openapi.json itself). It is embedded in the package, so an
// application serving httpapi can serve the document too:
//
//	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) {
//		w.Header().Set("Content-Type", "application/json")
//		w.Write(docs.OpenAPI())
//	})
//
// The example server's tests hold the document and the handlers to each
// other: every route served is documented, every documented route is
// served, and real responses are checked against their schemas. An
// application that serves only httpapi serves a subset of the documented
// paths (not the example server's sign-in, resources and chat).
package docs

import _ "embed"

// openAPI is the document, a string so that no caller can change it.
//
//go:embed openapi.json
var openAPI string

// OpenAPI returns the OpenAPI 3.1 document of roster's JSON API (see the
// package documentation) as JSON. Each call returns a new copy, which the
// caller may keep or change.
func OpenAPI() []byte {
	return []byte(openAPI)
}
